package dev.vigil.watch;

import dev.vigil.watch.internal.macos.FakeEventStreams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;

/**
 * The backend contract on the real FSEvents backend (its loop and decoder) over a fake OS layer that reports the
 * driver's real disk changes as FSEvents does: real paths, flags kept from a path's earlier records, both halves of
 * a rename with no cookie. Not run on macOS: see README.
 */
class FsEventsContractTest {

    /** macOS 10.13+: records carry inodes ({@code UseExtendedData}). */
    @Nested
    class WithInodes extends WatchBackendContract {
        @Override
        Driver driver() {
            return new FsEventsDriver(new FakeEventStreams(true, true));
        }
    }

    /** Before 10.13: no inodes; rename halves pair only when adjacent. */
    @Nested
    class WithoutInodes extends WatchBackendContract {
        @Override
        Driver driver() {
            return new FsEventsDriver(new FakeEventStreams(false, true));
        }
    }

    /**
     * A root reached through a link, as every temporary directory on macOS is ({@code /var} and {@code /tmp} link to
     * {@code /private/...}): FSEvents reports the real path; events name the root as given.
     */
    @Nested
    class ThroughALinkedParent extends WatchBackendContract {
        @BeforeEach
        void rootThroughALink() throws IOException {
            Path real = Files.createDirectories(tmp.resolve("private/var"));
            Path link = Files.createSymbolicLink(tmp.resolve("var"), real);
            root = Files.createDirectory(link.resolve("root"));
        }

        @Override
        Driver driver() {
            return new FsEventsDriver(new FakeEventStreams(true, true));
        }
    }

    /** A case-insensitive volume (the default on macOS). */
    @Nested
    class CaseInsensitive extends WatchBackendContract {
        @Override
        Driver driver() {
            return new FsEventsDriver(new FakeEventStreams(true, false));
        }
    }

    /** Changes the disk, then has the fake report it as FSEvents would. */
    static final class FsEventsDriver extends WatchBackendContract.DiskDriver {
        private final FakeEventStreams os;

        FsEventsDriver(FakeEventStreams os) {
            this.os = os;
        }

        @Override
        public FileWatcher.Builder watcher(Path root) {
            return FileWatcher.builder().root(root).backend(os.backend());
        }

        @Override
        public void create(Path p, boolean dir) throws IOException {
            super.create(p, dir);
            os.created(p, dir);
        }

        @Override
        public void modify(Path p) throws IOException {
            super.modify(p);
            os.modified(p);
        }

        @Override
        public void delete(Path p, boolean dir) throws IOException {
            long inode = FakeEventStreams.inode(p);
            super.delete(p, dir);
            os.removed(List.of(p), List.of(dir), List.of(inode));
        }

        @Override
        public void move(Path from, Path to, boolean dir) throws IOException {
            long inode = FakeEventStreams.inode(from);
            String realFrom = FakeEventStreams.real(from);
            super.move(from, to, dir);
            os.report(List.of(new FakeEventStreams.Rec(realFrom, rename(dir), inode),
                    FakeEventStreams.rec(to, "ItemRenamed|" + (dir ? "ItemIsDir" : "ItemIsFile"), inode)));
        }

        private static int rename(boolean dir) {
            return FakeEventStreams.rec(Path.of("/"), "ItemRenamed|" + (dir ? "ItemIsDir" : "ItemIsFile"), 0)
                    .flags();
        }

        @Override
        public void moveOut(Path from, Path to, boolean dir) throws IOException {
            move(from, to, dir); // the half outside the root reaches no stream of it
        }

        @Override
        public void moveIn(Path from, Path to, boolean dir) throws IOException {
            move(from, to, dir);
        }

        @Override
        public void deleteRoot(Path root) throws IOException {
            List<Path> paths = new ArrayList<>();
            List<Boolean> dirs = new ArrayList<>();
            List<Long> inodes = new ArrayList<>();
            try (Stream<Path> all = Files.walk(root)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    paths.add(Path.of(FakeEventStreams.real(p)));
                    dirs.add(Files.isDirectory(p));
                    inodes.add(FakeEventStreams.inode(p));
                }
            }
            Path realRoot = Path.of(FakeEventStreams.real(root));
            super.deleteRoot(root);
            os.removed(paths, dirs, inodes);
            os.rootChanged(realRoot);
        }

        @Override
        public boolean canOverflow() {
            return true;
        }

        @Override
        public void overflow() {
            os.dropped();
        }

        @Override
        public void assertNoWatches() throws Exception {
            os.checkAndClose();
        }
    }
}
