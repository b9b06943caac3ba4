package dev.vigil.watch;

import static dev.vigil.watch.internal.RawEvent.RawKind.CREATED;
import static dev.vigil.watch.internal.RawEvent.RawKind.DELETED;
import static dev.vigil.watch.internal.RawEvent.RawKind.MODIFIED;
import static dev.vigil.watch.internal.RawEvent.RawKind.MOVED_FROM;
import static dev.vigil.watch.internal.RawEvent.RawKind.MOVED_TO;
import static dev.vigil.watch.internal.RawEvent.RawKind.SELF_DELETED;

import dev.vigil.watch.internal.FakeWatchBackend;
import dev.vigil.watch.internal.FakeWatchBackend.Ev;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Nested;

/**
 * The backend contract over the two fake shapes of OS API: the drivers change the disk, then report the change as
 * the emulated OS would (per directory with cookies, like inotify; recursive with adjacent rename halves and no
 * directory flag, like ReadDirectoryChangesW).
 */
class FakeContractTest {

    /** inotify-shaped. */
    @Nested
    class PerDirectory extends WatchBackendContract {
        final FakeWatchBackend fake = new FakeWatchBackend();

        @Override
        Driver driver() {
            return new FakeDriver(fake);
        }
    }

    /** ReadDirectoryChangesW-shaped. */
    @Nested
    class Recursive extends WatchBackendContract {
        final FakeWatchBackend fake = FakeWatchBackend.recursive();

        @Override
        Driver driver() {
            return new FakeDriver(fake);
        }
    }

    /** Changes the disk, then reports it through the fake (whose shape decides how the report looks). */
    static final class FakeDriver extends WatchBackendContract.DiskDriver {
        private static final AtomicLong COOKIES = new AtomicLong(100);
        private final FakeWatchBackend fake;

        FakeDriver(FakeWatchBackend fake) {
            this.fake = fake;
        }

        @Override
        public FileWatcher.Builder watcher(Path root) {
            return FileWatcher.builder().root(root).backend(fake);
        }

        private static Ev ev(Path p, dev.vigil.watch.internal.RawEvent.RawKind kind, boolean dir, long cookie) {
            return new Ev(p.getParent(), kind, p.getFileName().toString(), dir, cookie);
        }

        @Override
        public void create(Path p, boolean dir) throws IOException {
            super.create(p, dir);
            fake.batch(List.of(ev(p, CREATED, dir, 0)));
        }

        @Override
        public void modify(Path p) throws IOException {
            super.modify(p);
            fake.batch(List.of(ev(p, MODIFIED, false, 0)));
        }

        @Override
        public void delete(Path p, boolean dir) throws IOException {
            super.delete(p, dir);
            fake.batch(List.of(ev(p, DELETED, dir, 0)));
        }

        @Override
        public void move(Path from, Path to, boolean dir) throws IOException {
            super.move(from, to, dir);
            if (dir) {
                fake.moved(from, to);
            }
            long cookie = COOKIES.incrementAndGet();
            fake.batch(List.of(ev(from, MOVED_FROM, dir, cookie), ev(to, MOVED_TO, dir, cookie)));
        }

        @Override
        public void moveOut(Path from, Path to, boolean dir) throws IOException {
            super.moveOut(from, to, dir);
            boolean recursive = fake.capabilities().recursive();
            // inotify: an unpaired half; ReadDirectoryChangesW: a removal
            fake.batch(List.of(ev(from, recursive ? DELETED : MOVED_FROM, dir, recursive ? 0 : COOKIES.incrementAndGet())));
        }

        @Override
        public void moveIn(Path from, Path to, boolean dir) throws IOException {
            super.moveIn(from, to, dir);
            boolean recursive = fake.capabilities().recursive();
            fake.batch(List.of(ev(to, recursive ? CREATED : MOVED_TO, dir, recursive ? 0 : COOKIES.incrementAndGet())));
        }

        @Override
        public void deleteRoot(Path root) throws IOException {
            super.deleteRoot(root);
            fake.batch(List.of(new Ev(root, SELF_DELETED, "", true, 0)));
        }

        @Override
        public boolean canOverflow() {
            return true;
        }

        @Override
        public void overflow() {
            fake.overflow();
        }

        @Override
        public void assertNoWatches() throws InterruptedException {
            try {
                fake.checkNoOpenWatches();
            } finally {
                fake.shutdown();
            }
        }
    }
}
