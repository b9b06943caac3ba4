package dev.vigil.watch;

import static dev.vigil.watch.FileEvent.Kind.CREATED;
import static dev.vigil.watch.FileEvent.Kind.DELETED;
import static dev.vigil.watch.FileEvent.Kind.MODIFIED;
import static dev.vigil.watch.FileEvent.Kind.OVERFLOW;
import static dev.vigil.watch.FileEvent.Kind.RENAMED;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/**
 * The behaviour every backend must give through the pipeline, whatever the shape of its OS API. Each backend runs
 * it through a {@link Driver}: a real backend's driver only changes the disk; a fake's driver changes the disk and
 * reports the change the way the emulated OS would. Expected events are built with {@link #ev} and compared with
 * {@code equals} (which leaves the time out), as users of {@code StepVerifier} do.
 */
@Timeout(30)
abstract class WatchBackendContract {

    static final Duration T = Duration.ofSeconds(10);

    @TempDir
    Path tmp;
    Path root;
    Path outside;
    Driver d;

    /** Performs file-system changes, and reports them where the backend is a fake. */
    interface Driver {
        /** A watcher of {@code root} on the backend under test. */
        FileWatcher.Builder watcher(Path root);

        void create(Path p, boolean dir) throws IOException;

        void modify(Path p) throws IOException;

        void delete(Path p, boolean dir) throws IOException;

        void move(Path from, Path to, boolean dir) throws IOException;

        /** Moves {@code from} (in the tree) to {@code to} (outside it). */
        void moveOut(Path from, Path to, boolean dir) throws IOException;

        /** Moves {@code from} (outside the tree) to {@code to} (in it). */
        void moveIn(Path from, Path to, boolean dir) throws IOException;

        void deleteRoot(Path root) throws IOException;

        /** Whether {@link #overflow()} can be provoked cheaply on this backend. */
        boolean canOverflow();

        /** Makes the backend report that it lost every event of the moment. */
        void overflow();

        /** Fails when a watch or channel of a finished session is left. */
        void assertNoWatches() throws Exception;
    }

    abstract Driver driver();

    /** The changes themselves, on the real disk; a real backend's driver is this, a fake's adds the reports. */
    abstract static class DiskDriver implements Driver {
        @Override
        public void create(Path p, boolean dir) throws IOException {
            if (dir) {
                Files.createDirectory(p);
            } else {
                Files.createFile(p);
            }
        }

        @Override
        public void modify(Path p) throws IOException {
            Files.writeString(p, "x", java.nio.file.StandardOpenOption.APPEND); // one write: one modification
        }

        @Override
        public void delete(Path p, boolean dir) throws IOException {
            Files.delete(p);
        }

        @Override
        public void move(Path from, Path to, boolean dir) throws IOException {
            Files.move(from, to);
        }

        @Override
        public void moveOut(Path from, Path to, boolean dir) throws IOException {
            Files.move(from, to);
        }

        @Override
        public void moveIn(Path from, Path to, boolean dir) throws IOException {
            Files.move(from, to);
        }

        @Override
        public void deleteRoot(Path root) throws IOException {
            try (java.util.stream.Stream<Path> all = Files.walk(root)) {
                for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectory(tmp.resolve("root"));
        outside = Files.createDirectory(tmp.resolve("outside"));
        d = driver();
    }

    @AfterEach
    void noWatchLeft() throws Exception {
        d.assertNoWatches();
    }

    FileEvent ev(FileEvent.Kind kind, Path path, boolean dir) {
        return new FileEvent(kind, path, null, dir, root, Instant.EPOCH, null);
    }

    FileEvent renamed(Path from, Path to, boolean dir) {
        return new FileEvent(RENAMED, to, from, dir, root, Instant.EPOCH, null);
    }

    Runnable io(IoAction a) {
        return () -> {
            try {
                a.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    interface IoAction {
        void run() throws IOException;
    }

    @Test
    void fileCreatedModifiedDeleted() {
        Path a = root.resolve("a.txt");
        StepVerifier.create(d.watcher(root).build().events())
                .then(io(() -> d.create(a, false))).expectNext(ev(CREATED, a, false))
                .then(io(() -> d.modify(a))).expectNext(ev(MODIFIED, a, false))
                .then(io(() -> d.delete(a, false))).expectNext(ev(DELETED, a, false))
                .thenCancel()
                .verify(T);
    }

    @Test
    void newDirectoryIsWatchedAndItsContentReported() {
        Path sub = root.resolve("sub");
        Path f = sub.resolve("f");
        StepVerifier.create(d.watcher(root).build().events())
                .then(io(() -> d.create(sub, true))).expectNext(ev(CREATED, sub, true))
                .then(io(() -> d.create(f, false))).expectNext(ev(CREATED, f, false))
                .thenCancel()
                .verify(T);
    }

    @Test
    void aNonRecursiveWatchReportsTheTopLevelOnly() throws IOException {
        Path sub = Files.createDirectory(root.resolve("sub"));
        Path top = root.resolve("top");
        StepVerifier.create(d.watcher(root).recursive(false).build().events())
                .then(io(() -> d.create(sub.resolve("deep"), false))) // not reported, and no loss either
                .then(io(() -> d.create(top, false))).expectNext(ev(CREATED, top, false))
                .thenCancel()
                .verify(T);
    }

    @Test
    void renameInADirectoryAndMoveAcrossDirectories() throws IOException {
        Path x = Files.createDirectory(root.resolve("x"));
        Path y = Files.createDirectory(root.resolve("y"));
        Path a = x.resolve("a");
        StepVerifier.create(d.watcher(root).build().events())
                .then(io(() -> d.create(a, false))).expectNext(ev(CREATED, a, false))
                .then(io(() -> d.move(a, x.resolve("b"), false))).expectNext(renamed(a, x.resolve("b"), false))
                .then(io(() -> d.move(x.resolve("b"), y.resolve("b"), false)))
                .expectNext(renamed(x.resolve("b"), y.resolve("b"), false))
                .thenCancel()
                .verify(T);
    }

    @Test
    void renamedDirectoryKeepsReportingUnderItsNewName() throws IOException {
        Path dir = Files.createDirectory(root.resolve("d"));
        Files.createFile(dir.resolve("old"));
        Path e = root.resolve("e");
        StepVerifier.create(d.watcher(root).build().events())
                .then(io(() -> d.move(dir, e, true))).expectNext(renamed(dir, e, true))
                .then(io(() -> d.create(e.resolve("new"), false))).expectNext(ev(CREATED, e.resolve("new"), false))
                .then(io(() -> d.delete(e.resolve("old"), false))).expectNext(ev(DELETED, e.resolve("old"), false))
                .thenCancel()
                .verify(T);
    }

    @Test
    void movedOutIsDeletedAndMovedInIsCreatedWithItsContent() throws IOException {
        Path gone = Files.createDirectory(root.resolve("gone"));
        Files.createFile(gone.resolve("f"));
        Path incoming = Files.createDirectory(outside.resolve("in"));
        Files.createFile(incoming.resolve("g"));
        StepVerifier.create(d.watcher(root).build().events())
                .then(io(() -> d.moveOut(gone, outside.resolve("gone"), true)))
                .expectNext(ev(DELETED, gone.resolve("f"), false), ev(DELETED, gone, true))
                .then(io(() -> d.moveIn(incoming, root.resolve("in"), true)))
                .expectNext(ev(CREATED, root.resolve("in"), true), ev(CREATED, root.resolve("in/g"), false))
                .thenCancel()
                .verify(T);
    }

    @Test
    void lostEventsAreSignalledThenResynced() throws IOException {
        assumeTrue(d.canOverflow(), "this backend's loss of events cannot be provoked cheaply");
        Path removed = Files.createFile(root.resolve("removed"));
        Path added = root.resolve("added");
        StepVerifier.create(d.watcher(root).build().events())
                .then(io(() -> {
                    Files.delete(removed); // changes the backend never reports...
                    Files.createFile(added);
                    d.overflow(); // ...because it lost them
                }))
                .expectNextMatches(e -> e.kind() == OVERFLOW && e.path().equals(root) && e.cause().isPresent())
                .expectNext(ev(DELETED, removed, false), ev(CREATED, added, false))
                .thenCancel()
                .verify(T);
    }

    @Test
    void rootDeletedIsReportedThenTheStreamCompletes() {
        StepVerifier.create(d.watcher(root).build().events())
                .then(io(() -> d.deleteRoot(root)))
                .expectNext(ev(DELETED, root, true))
                .expectComplete()
                .verify(T);
    }

    @Test
    void cancelBeforeAndAfterReadinessReleasesEverything() {
        FileWatcher w = d.watcher(root).build();
        for (int i = 0; i < 20; i++) {
            w.events().subscribe().dispose();
            StepVerifier.create(w.events()).thenCancel().verify(T);
        }
        w.ready().block(T);
    }
}
