package dev.vigil.watch;

import static dev.vigil.watch.internal.RawEvent.RawKind.ATTRIBUTES;
import static dev.vigil.watch.internal.RawEvent.RawKind.CREATED;
import static dev.vigil.watch.internal.RawEvent.RawKind.DELETED;
import static dev.vigil.watch.internal.RawEvent.RawKind.MODIFIED;
import static dev.vigil.watch.internal.RawEvent.RawKind.MOVED_FROM;
import static dev.vigil.watch.internal.RawEvent.RawKind.MOVED_TO;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.watch.FileEvent.Kind;
import dev.vigil.watch.internal.FakeWatchBackend;
import dev.vigil.watch.internal.FakeWatchBackend.Ev;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The OS-agnostic pipeline, driven by synthetic raw events from a strict fake backend over real temp directories. */
class PipelineTest {

    private static final Duration T = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    FakeWatchBackend fake;

    @BeforeEach
    void setUp() {
        fake = new FakeWatchBackend();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        try {
            fake.checkNoOpenWatches();
        } finally {
            fake.shutdown();
        }
    }

    private FileWatcher.Builder watcher() {
        return FileWatcher.builder().root(dir).backend(fake);
    }

    /** Builds, and remembers the watcher for {@link #awaitLoop()}. */
    private FileWatcher build(FileWatcher.Builder b) {
        built = b.build();
        return built;
    }

    /** The watcher built last by {@link #watcher()}. */
    private FileWatcher built;

    private static boolean is(FileEvent e, Kind kind, Path path) {
        return e.kind() == kind && e.path().equals(path);
    }

    @Test
    void createdModifiedDeletedAreDeliveredInOrder() throws IOException {
        Path a = dir.resolve("a.txt");
        StepVerifier.create(build(watcher().coalesce(false)).events())
                .then(() -> fake.batch(List.of(new Ev(dir, CREATED, "a.txt", false, 0),
                        new Ev(dir, MODIFIED, "a.txt", false, 0), new Ev(dir, DELETED, "a.txt", false, 0))))
                .expectNextMatches(e -> is(e, Kind.CREATED, a) && !e.isDirectory() && e.root().equals(dir))
                .expectNextMatches(e -> is(e, Kind.MODIFIED, a))
                .expectNextMatches(e -> is(e, Kind.DELETED, a))
                .thenCancel()
                .verify(T);
    }

    @Test
    void coalescingMergesWhileThereIsNoDemand() {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Path c = dir.resolve("c");
        StepVerifier.create(build(watcher()).events(), 0)
                .then(() -> fake.batch(List.of(
                        new Ev(dir, CREATED, "a", false, 0), new Ev(dir, MODIFIED, "a", false, 0), // -> CREATED a
                        new Ev(dir, CREATED, "b", false, 0), new Ev(dir, DELETED, "b", false, 0), // -> nothing
                        new Ev(dir, CREATED, "c", false, 0), new Ev(dir, MODIFIED, "c", false, 0)))) // c: CREATED
                .then(() -> awaitLoop())
                .then(() -> fake.batch(List.of(new Ev(dir, DELETED, "c", false, 0), new Ev(dir, CREATED, "c", false, 0),
                        new Ev(dir, CREATED, "b", false, 0))))
                .then(() -> awaitLoop())
                .thenRequest(10)
                .expectNextMatches(e -> is(e, Kind.CREATED, a))
                // c was CREATED then deleted: nothing; then re-created: CREATED, queued after a
                .expectNextMatches(e -> is(e, Kind.CREATED, c))
                .expectNextMatches(e -> is(e, Kind.CREATED, b))
                .thenCancel()
                .verify(T);
    }

    @Test
    void deletedThenCreatedBecomesModified() throws IOException {
        Files.createFile(dir.resolve("x"));
        Path x = dir.resolve("x");
        StepVerifier.create(build(watcher()).events(), 0)
                .then(() -> fake.batch(List.of(new Ev(dir, DELETED, "x", false, 0), new Ev(dir, CREATED, "x", false, 0))))
                .then(this::awaitLoop)
                .thenRequest(1)
                .expectNextMatches(e -> is(e, Kind.MODIFIED, x))
                .thenCancel()
                .verify(T);
    }

    @Test
    void renamePairedByCookie() throws IOException {
        Files.createDirectories(dir.resolve("sub"));
        Files.createFile(dir.resolve("a"));
        StepVerifier.create(build(watcher()).events())
                .then(() -> fake.batch(List.of(new Ev(dir, MOVED_FROM, "a", false, 7),
                        new Ev(dir.resolve("sub"), MOVED_TO, "b", false, 7))))
                .expectNextMatches(e -> is(e, Kind.RENAMED, dir.resolve("sub/b"))
                        && e.previous().orElseThrow().equals(dir.resolve("a")))
                .thenCancel()
                .verify(T);
    }

    @Test
    void unpairedMoveFromBecomesDeletedAfterTheWindowInVirtualTime() throws IOException {
        Files.createDirectories(dir.resolve("d/e"));
        Files.createFile(dir.resolve("d/e/f"));
        StepVerifier.withVirtualTime(() -> build(watcher().renameWindow(Duration.ofSeconds(5))).events())
                .then(() -> fake.emit(dir, MOVED_FROM, "d", true, 9))
                .then(this::awaitLoop)
                .expectNoEvent(Duration.ofSeconds(4))
                .then(() -> VirtualTimeScheduler.get().advanceTimeBy(Duration.ofSeconds(1)))
                .expectNextMatches(e -> is(e, Kind.DELETED, dir.resolve("d/e/f")))
                .expectNextMatches(e -> is(e, Kind.DELETED, dir.resolve("d/e")))
                .expectNextMatches(e -> is(e, Kind.DELETED, dir.resolve("d")) && e.isDirectory())
                .thenCancel()
                .verify(T);
    }

    /**
     * Found by the soak: {@code d/m} moved where no second half comes (into a directory not yet watched), then
     * {@code d} renamed to {@code e} before the window ended. The subscriber knows the entry as {@code e/m} by then,
     * so that is the path its deletion names (the old {@code d/m} named nothing it knew, and {@code e/m} stayed).
     */
    @Test
    void anUnpairedHalfWhoseDirectoryWasRenamedMeanwhileIsDeletedAtItsCurrentPath() throws IOException {
        Files.createDirectories(dir.resolve("d/m"));
        Files.createFile(dir.resolve("d/m/f"));
        Path e = dir.resolve("e");
        StepVerifier.withVirtualTime(() -> build(watcher().renameWindow(Duration.ofSeconds(5))).events())
                .then(() -> fake.emit(dir.resolve("d"), MOVED_FROM, "m", true, 9))
                .then(this::awaitLoop)
                .then(() -> move(dir.resolve("d"), e))
                .then(() -> fake.batch(List.of(new Ev(dir, MOVED_FROM, "d", true, 10),
                        new Ev(dir, MOVED_TO, "e", true, 10))))
                .expectNextMatches(x -> is(x, Kind.RENAMED, e) && x.previous().orElseThrow().equals(dir.resolve("d")))
                .then(() -> VirtualTimeScheduler.get().advanceTimeBy(Duration.ofSeconds(5)))
                .expectNextMatches(x -> is(x, Kind.DELETED, e.resolve("m/f")))
                .expectNextMatches(x -> is(x, Kind.DELETED, e.resolve("m")) && x.isDirectory())
                .thenCancel()
                .verify(T);
    }

    /**
     * Found by the soak: a directory created, filled and renamed while the subscriber was not asking must not
     * reach it as its content under the old name plus an empty creation under the new one.
     */
    @Test
    void aDirectoryCreatedFilledAndRenamedBeforeDeliveryArrivesWhole() throws Exception {
        Path d = dir.resolve("d");
        Path e = dir.resolve("e");
        Withheld slow = Withheld.subscribe(build(watcher()));
        List<FileEvent> got = slow.got;
        try {
            mkdir(d);
            fake.emit(dir, CREATED, "d", true, 0);
            awaitLoop();
            mkfile(d.resolve("f"));
            fake.emit(d, CREATED, "f", false, 0);
            awaitLoop();
            move(d, e);
            fake.batch(List.of(new Ev(dir, MOVED_FROM, "d", true, 5), new Ev(dir, MOVED_TO, "e", true, 5)));
            awaitLoop();
            slow.request(Long.MAX_VALUE);
            org.awaitility.Awaitility.await().atMost(T).untilAsserted(() -> assertThat(view(got))
                    .as("the subscriber's view after %s", got).containsExactlyInAnyOrder(e, e.resolve("f")));
        } finally {
            slow.dispose();
        }
    }

    /**
     * A rename whose first half is read while the root waits for a rescan and whose second half is read after it:
     * the rescan reported the directory at its new name with its content, and the pair that follows must not take
     * that content away (a rename over a directory replaces what was there).
     */
    @Test
    void aRenameWhoseHalvesStraddleARescanKeepsTheMovedContent() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        mkfile(a.resolve("f"));
        Set<Path> known = new HashSet<>(Set.of(a, a.resolve("f")));
        Withheld slow = Withheld.subscribe(build(watcher().renameWindow(Duration.ofMinutes(1))));
        List<FileEvent> got = slow.got;
        try {
            fake.overflow(); // the root goes dirty; its rescan waits for demand
            awaitLoop();
            move(a, b);
            fake.moved(a, b);
            fake.emit(dir, MOVED_FROM, "a", true, 7); // held, waiting for its other half
            awaitLoop();
            slow.request(Long.MAX_VALUE); // the rescan runs now, and finds b
            org.awaitility.Awaitility.await().atMost(T).until(() -> got.stream().anyMatch(x -> is(x, Kind.CREATED, b)));
            fake.emit(dir, MOVED_TO, "b", true, 7);
            awaitLoop();
            org.awaitility.Awaitility.await().atMost(T).untilAsserted(() -> assertThat(view(known, got))
                    .as("the subscriber's view after %s", got).containsExactlyInAnyOrder(b, b.resolve("f")));
        } finally {
            slow.dispose();
        }
    }

    /**
     * {@code mkdir -p a/d/e} then {@code mv a b}, the rename's halves read in two batches: {@code a/d} cannot be
     * watched at its old path, and while {@code a} waits for its second half there is nowhere to watch it; once the
     * pair arrives it is watched and listed where it landed.
     */
    @Test
    void aNewDirectoryWhoseParentIsRenamedAcrossTwoReadsIsWatchedWhereItLands() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        mkdir(a);
        Set<Path> known = new HashSet<>(Set.of(a));
        Withheld s = Withheld.subscribe(build(watcher().renameWindow(Duration.ofMinutes(1))));
        s.request(Long.MAX_VALUE);
        try {
            mkfile(a.resolve("d/e/f"));
            move(a, b);
            fake.moved(a, b);
            fake.emit(b, CREATED, "d", true, 0); // read before the rename: the model still calls it a/d
            awaitLoop();
            fake.emit(dir, MOVED_FROM, "a", true, 5);
            awaitLoop();
            fake.emit(dir, MOVED_TO, "b", true, 5);
            awaitLoop();
            org.awaitility.Awaitility.await().atMost(T).untilAsserted(() -> assertThat(view(known, s.got))
                    .as("the subscriber's view after %s", s.got)
                    .containsExactlyInAnyOrder(b, b.resolve("d"), b.resolve("d/e"), b.resolve("d/e/f")));
            assertThat(fake.watched()).as("watched").contains(b.resolve("d"), b.resolve("d/e"));
        } finally {
            s.dispose();
        }
    }

    /**
     * Found by the soak: a rescan walks the tree while it changes; a directory moved after its parent was listed is
     * gone when the walk reaches it. Its content was not deleted: once the move's events are read it is listed
     * where it went, and the subscriber ends up knowing it there.
     */
    @Test
    void aDirectoryMovedWhileARescanWalksTheTreeKeepsItsContent() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        mkfile(a.resolve("s/f"));
        Set<Path> known = new HashSet<>(Set.of(a, a.resolve("s"), a.resolve("s/f")));
        Withheld slow = Withheld.subscribe(build(watcher().renameWindow(Duration.ofMinutes(1))));
        List<FileEvent> got = slow.got;
        try {
            fake.overflow(); // the root goes dirty; its rescan waits for demand
            awaitLoop();
            fake.beforeListing(a, () -> { // the walk listed the root and found a; then a moves
                move(a, b);
                fake.moved(a, b);
                fake.batch(List.of(new Ev(dir, MOVED_FROM, "a", true, 6), new Ev(dir, MOVED_TO, "b", true, 6)));
            });
            slow.request(Long.MAX_VALUE);
            org.awaitility.Awaitility.await().atMost(T).untilAsserted(() -> assertThat(view(known, got))
                    .as("the subscriber's view after %s", got)
                    .containsExactlyInAnyOrder(b, b.resolve("s"), b.resolve("s/f")));
        } finally {
            slow.dispose();
        }
    }

    /**
     * A directory renamed out of a subtree that waits for its rescan: the subscriber never saw the rename's first
     * end, and must get the directory at its new name with everything inside.
     */
    @Test
    void aDirectoryMovedOutOfADirtySubtreeArrivesWithItsContent() throws Exception {
        Path s = dir.resolve("s");
        Path t = dir.resolve("t");
        mkfile(s.resolve("x/f"));
        mkdir(t);
        Set<Path> known = new HashSet<>(Set.of(s, s.resolve("x"), s.resolve("x/f"), t));
        Withheld slow = Withheld.subscribe(build(watcher()));
        List<FileEvent> got = slow.got;
        try {
            fake.emit(s, dev.vigil.watch.internal.RawEvent.RawKind.OVERFLOW, "", true, 0); // s alone goes dirty
            awaitLoop();
            move(s.resolve("x"), t.resolve("x"));
            fake.moved(s.resolve("x"), t.resolve("x"));
            fake.batch(List.of(new Ev(s, MOVED_FROM, "x", true, 3), new Ev(t, MOVED_TO, "x", true, 3)));
            awaitLoop();
            slow.request(Long.MAX_VALUE);
            org.awaitility.Awaitility.await().atMost(T).untilAsserted(() -> assertThat(view(known, got))
                    .as("the subscriber's view after %s", got)
                    .containsExactlyInAnyOrder(s, t, t.resolve("x"), t.resolve("x/f")));
        } finally {
            slow.dispose();
        }
    }

    /**
     * With a filter that shows files but not their directories, a directory's rename is seen at neither end, but the
     * files inside it moved: they go from their old paths and come at their new ones.
     */
    @Test
    void aDirectoryRenameHiddenByTheFilterMovesTheVisibleFilesInside() throws Exception {
        Path x = dir.resolve("x");
        Path y = dir.resolve("y");
        mkfile(x.resolve("f.txt"));
        mkfile(x.resolve("g.bin"));
        Set<Path> known = new HashSet<>(Set.of(x.resolve("f.txt")));
        Withheld slow = Withheld.subscribe(build(watcher().include("**/*.txt")));
        List<FileEvent> got = slow.got;
        try {
            move(x, y);
            fake.moved(x, y);
            fake.batch(List.of(new Ev(dir, MOVED_FROM, "x", true, 4), new Ev(dir, MOVED_TO, "y", true, 4)));
            awaitLoop();
            slow.request(Long.MAX_VALUE);
            org.awaitility.Awaitility.await().atMost(T).untilAsserted(() -> assertThat(view(known, got))
                    .as("the subscriber's view after %s", got).containsExactlyInAnyOrder(y.resolve("f.txt")));
            assertThat(got).as("only the visible file's events").allMatch(e -> e.path().toString().endsWith(".txt"));
        } finally {
            slow.dispose();
        }
    }

    /**
     * Found by the soak: a rename over a file the subscriber knows, then a rename of the result, both undelivered
     * when the buffer collapses: the rescan must know that the subscriber knows the replaced file.
     */
    @Test
    void aCollapseRemembersTheFileARenameReplaced() throws Exception {
        Path s = Files.writeString(dir.resolve("s"), "s");
        Path t = Files.writeString(dir.resolve("t"), "t");
        Set<Path> known = new HashSet<>(Set.of(s, t)); // existing entries: known without events
        Withheld slow = Withheld.subscribe(build(watcher().maxPendingPaths(3)));
        List<FileEvent> got = slow.got;
        try {
            Files.move(s, t, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            fake.batch(List.of(new Ev(dir, MOVED_FROM, "s", false, 1), new Ev(dir, MOVED_TO, "t", false, 1)));
            move(t, dir.resolve("u"));
            fake.batch(List.of(new Ev(dir, MOVED_FROM, "t", false, 2), new Ev(dir, MOVED_TO, "u", false, 2)));
            for (String x : List.of("x1", "x2", "x3")) { // past the bound: the buffer collapses into a rescan
                mkfile(dir.resolve(x));
                fake.emit(dir, CREATED, x, false, 0);
            }
            awaitLoop();
            slow.request(Long.MAX_VALUE);
            Set<Path> disk;
            try (java.util.stream.Stream<Path> list = Files.list(dir)) {
                disk = list.collect(java.util.stream.Collectors.toSet());
            }
            org.awaitility.Awaitility.await().atMost(T).untilAsserted(() -> {
                assertThat(got).anyMatch(x -> x.kind() == Kind.OVERFLOW);
                assertThat(view(known, got)).as("the subscriber's view after %s", got)
                        .containsExactlyInAnyOrderElementsOf(disk);
            });
        } finally {
            slow.dispose();
        }
    }

    /**
     * Found by the soak: a directory created just before its parent was renamed cannot be watched at the path its
     * creation event names; it must be watched at its new path once the rename is known, and its content reported.
     */
    @Test
    void aNewDirectoryWhoseParentWasRenamedMeanwhileIsWatchedAndListedAtItsNewPath() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = dir.resolve("b");
        Set<Path> known = Set.of(a);
        List<FileEvent> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        reactor.core.Disposable d = build(watcher()).events().subscribe(got::add);
        try {
            awaitLoop();
            mkfile(a.resolve("new/f"));
            move(a, b); // before the session has read the creation of a/new
            fake.emit(a, CREATED, "new", true, 0); // its watch fails: a/new is now b/new
            awaitLoop();
            fake.batch(List.of(new Ev(dir, MOVED_FROM, "a", true, 4), new Ev(dir, MOVED_TO, "b", true, 4)));
            awaitLoop();
            org.awaitility.Awaitility.await().atMost(T).untilAsserted(() -> assertThat(view(known, got))
                    .as("the subscriber's view after %s", got)
                    .containsExactlyInAnyOrder(b, b.resolve("new"), b.resolve("new/f")));
            assertThat(fake.watched()).as("watched").contains(b.resolve("new"));
        } finally {
            d.dispose();
        }
    }

    /**
     * Found by the soak (a session's thread looping for good in {@code Node.root()}): {@code a/b} moved out to
     * {@code b2}, then {@code a} moved into it, with the first rename's second half read last. The model still has
     * {@code b} inside {@code a} when {@code a} lands in {@code b}: no cycle, the session goes on and ends true.
     */
    @Test
    void crossedDirectoryRenamesWithAHalfStillPendingLeaveNoCycleAndAView() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(a.resolve("b"));
        mkfile(a.resolve("f"));
        Set<Path> known = Set.of(a, b, a.resolve("f"));
        List<FileEvent> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        reactor.core.Disposable d = build(watcher().renameWindow(Duration.ofHours(1))).events().subscribe(got::add);
        try {
            awaitLoop();
            move(b, dir.resolve("b2"));
            move(a, dir.resolve("b2/a2"));
            fake.batch(List.of(new Ev(a, MOVED_FROM, "b", true, 1), new Ev(dir, MOVED_FROM, "a", true, 2),
                    new Ev(b, MOVED_TO, "a2", true, 2), new Ev(dir, MOVED_TO, "b2", true, 1)));
            awaitLoop(); // would never return with a cycle: the session's executor would spin in Node.root()
            Set<Path> disk;
            try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
                disk = walk.filter(p -> !p.equals(dir)).collect(java.util.stream.Collectors.toSet());
            }
            org.awaitility.Awaitility.await().atMost(T).untilAsserted(() -> assertThat(view(known, got))
                    .as("the subscriber's view after %s", got).containsExactlyInAnyOrderElementsOf(disk));
            assertThat(got).anyMatch(x -> x.kind() == Kind.OVERFLOW);
        } finally {
            d.dispose();
        }
    }

    /** A subscriber that asks for nothing until the test requests; records what it gets (an error as a last event). */
    private static final class Withheld extends reactor.core.publisher.BaseSubscriber<FileEvent> {
        final List<FileEvent> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final java.util.concurrent.CountDownLatch subscribed = new java.util.concurrent.CountDownLatch(1);

        /** Subscribes and waits for {@code onSubscribe} (it comes once established: a request before it is lost). */
        static Withheld subscribe(FileWatcher w) throws InterruptedException {
            Withheld s = new Withheld();
            w.events().subscribe(s);
            assertThat(s.subscribed.await(T.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            return s;
        }

        @Override
        protected void hookOnSubscribe(org.reactivestreams.Subscription subscription) {
            subscribed.countDown();
        }

        @Override
        protected void hookOnNext(FileEvent x) {
            got.add(x);
        }

        @Override
        protected void hookOnError(Throwable t) {
            got.add(new FileEvent(Kind.OVERFLOW, Path.of("/"), null, true, Path.of("/"), java.time.Instant.EPOCH,
                    new WatchException("failed: " + t, null, null, 0, t)));
        }
    }

    /** The set of paths a subscriber that applies {@code events} in order believes to exist. */
    private static Set<Path> view(List<FileEvent> events) {
        return view(Set.of(), events);
    }

    /** Like {@link #view(List)}, starting from what the subscriber knew without events. */
    private static Set<Path> view(Set<Path> known, List<FileEvent> events) {
        Set<Path> v = new HashSet<>(known);
        for (FileEvent x : events) {
            switch (x.kind()) {
                case CREATED, MODIFIED -> v.add(x.path());
                case DELETED -> v.removeIf(p -> p.startsWith(x.path()));
                case RENAMED -> {
                    Path from = x.previous().orElseThrow();
                    List<Path> moved = v.stream().filter(p -> p.startsWith(from)).toList();
                    v.removeAll(moved);
                    v.removeIf(p -> p.startsWith(x.path())); // what the target was, it is no longer
                    moved.forEach(p -> v.add(x.path().resolve(from.relativize(p))));
                    v.add(x.path());
                }
                default -> { }
            }
        }
        return v;
    }

    @Test
    void cancelDisposesTheTimersOfRenameHalvesStillWaiting() throws IOException {
        Files.createFile(dir.resolve("a"));
        Files.createFile(dir.resolve("b"));
        TimerLedger timers = new TimerLedger();
        StepVerifier.create(build(watcher().renameWindow(Duration.ofHours(1)).scheduler(timers)).events())
                .then(() -> fake.batch(List.of(new Ev(dir, MOVED_FROM, "a", false, 11),
                        new Ev(dir, MOVED_FROM, "b", false, 12))))
                .then(this::awaitLoop)
                .then(() -> assertThat(timers.live()).as("one window per waiting half").isEqualTo(2))
                .thenCancel()
                .verify(T);
        // the cancel is carried out on the session's executor; the fake closes like the real loops, skipping any
        // task queued after close, so only the session itself can dispose of the timers
        org.awaitility.Awaitility.await().atMost(T).until(() -> timers.live() == 0);
        assertThat(timers.scheduled()).isEqualTo(2);
        timers.dispose();
    }

    /** A scheduler that counts its delayed tasks not yet run or disposed (none runs: the window is an hour). */
    private static final class TimerLedger implements reactor.core.scheduler.Scheduler {
        private final reactor.core.scheduler.Scheduler delegate = reactor.core.scheduler.Schedulers.newSingle("ledger");
        private final List<reactor.core.Disposable> tasks = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public reactor.core.Disposable schedule(Runnable task) {
            return delegate.schedule(task);
        }

        @Override
        public reactor.core.Disposable schedule(Runnable task, long delay, java.util.concurrent.TimeUnit unit) {
            reactor.core.Disposable d = delegate.schedule(task, delay, unit);
            tasks.add(d);
            return d;
        }

        @Override
        public Worker createWorker() {
            return delegate.createWorker();
        }

        @Override
        public void dispose() {
            delegate.dispose();
        }

        long live() {
            return tasks.stream().filter(d -> !d.isDisposed()).count();
        }

        int scheduled() {
            return tasks.size();
        }
    }

    @Test
    void unpairedMoveToIsACreationAndADirectoryMovedInIsScanned() {
        StepVerifier.create(build(watcher()).events())
                .then(() -> mkfile(dir.resolve("in/deep/file")))
                .then(() -> fake.emit(dir, MOVED_TO, "in", true, 3))
                .expectNextMatches(e -> is(e, Kind.CREATED, dir.resolve("in")) && e.isDirectory())
                .expectNextMatches(e -> is(e, Kind.CREATED, dir.resolve("in/deep")))
                .expectNextMatches(e -> is(e, Kind.CREATED, dir.resolve("in/deep/file")))
                .thenCancel()
                .verify(T);
    }

    @Test
    void newDirectoryIsWatchedThenScannedAndRealEventsAreDeduplicated() throws IOException {
        Path d = dir.resolve("d");
        StepVerifier.create(build(watcher()).events())
                .then(() -> mkfile(d.resolve("early")))
                .then(() -> fake.batch(List.of(new Ev(dir, CREATED, "d", true, 0))))
                .expectNextMatches(e -> is(e, Kind.CREATED, d))
                .expectNextMatches(e -> is(e, Kind.CREATED, d.resolve("early")))
                // the real event for "early" arrives after the scan found it: not delivered twice
                .then(() -> fake.batch(List.of(new Ev(d, CREATED, "early", false, 0), new Ev(d, CREATED, "late", false, 0))))
                .expectNextMatches(e -> is(e, Kind.CREATED, d.resolve("late")))
                .thenCancel()
                .verify(T);
    }

    @Test
    void renamedDirectoryKeepsDeliveringUnderItsNewPath() throws IOException {
        Files.createDirectories(dir.resolve("old"));
        StepVerifier.create(build(watcher()).events())
                .then(() -> fake.batch(List.of(new Ev(dir, MOVED_FROM, "old", true, 5), new Ev(dir, MOVED_TO, "new", true, 5))))
                .expectNextMatches(e -> is(e, Kind.RENAMED, dir.resolve("new")))
                // the fake still knows the watch under the old path, as inotify keeps the wd
                .then(() -> fake.emit(dir.resolve("old"), CREATED, "x", false, 0))
                .expectNextMatches(e -> is(e, Kind.CREATED, dir.resolve("new/x")))
                .thenCancel()
                .verify(T);
    }

    @Test
    void kernelOverflowIsSignalledThenResyncedAgainstTheModel() throws IOException {
        // written well before the watch: a file modified just before its directory's listing is conservatively
        // reported MODIFIED by a resync (clock granularity), which this test is not about
        Files.setLastModifiedTime(Files.createFile(dir.resolve("kept")), FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        Files.createFile(dir.resolve("gone"));
        FileWatcher w = build(watcher());
        StepVerifier.create(w.events())
                .then(() -> {
                    try {
                        Files.delete(dir.resolve("gone"));
                        Files.createDirectories(dir.resolve("new/inner"));
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                    fake.overflow();
                })
                .expectNextMatches(e -> e.kind() == Kind.OVERFLOW && e.path().equals(dir)
                        && e.cause().orElseThrow() instanceof WatchOverflowException)
                .expectNextMatches(e -> is(e, Kind.DELETED, dir.resolve("gone")))
                .expectNextMatches(e -> is(e, Kind.CREATED, dir.resolve("new")))
                .expectNextMatches(e -> is(e, Kind.CREATED, dir.resolve("new/inner")))
                .thenCancel()
                .verify(T);
    }

    @Test
    void overflowStrategySignalOnlyReportsTheScopeButNoDifference() throws IOException {
        StepVerifier.create(build(watcher().overflowStrategy(OverflowStrategy.SIGNAL_ONLY)).events())
                .then(() -> mkfile(dir.resolve("unseen")))
                .then(fake::overflow)
                .expectNextMatches(e -> e.kind() == Kind.OVERFLOW && e.path().equals(dir))
                // the model was still repaired: later events for the unseen file are ordinary
                .then(() -> fake.emit(dir, MODIFIED, "unseen", false, 0))
                .expectNextMatches(e -> is(e, Kind.MODIFIED, dir.resolve("unseen")))
                .thenCancel()
                .verify(T);
    }

    @Test
    void overflowStrategyErrorFailsTheStream() {
        StepVerifier.create(build(watcher().overflowStrategy(OverflowStrategy.ERROR)).events())
                .then(fake::overflow)
                .expectError(WatchOverflowException.class)
                .verify(T);
    }

    @Test
    void boundedBufferCollapsesToDirtySubtreesAndRescansWhenDemandReturns() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        List<Ev> evs = new ArrayList<>();
        Set<Path> expected = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            evs.add(new Ev(sub, CREATED, "f" + i, false, 0));
            expected.add(sub.resolve("f" + i));
        }
        Set<Path> seen = new HashSet<>();
        StepVerifier.create(build(watcher().maxPendingPaths(10)).events(), 0)
                .then(() -> expected.forEach(PipelineTest::mkfile))
                .then(() -> fake.batch(evs))
                .then(this::awaitLoop)
                .thenRequest(100)
                .expectNextMatches(e -> e.kind() == Kind.OVERFLOW && e.path().equals(sub))
                .thenConsumeWhile(e -> e.kind() == Kind.CREATED && seen.add(e.path()) && seen.size() < 50)
                .thenCancel()
                .verify(T);
        assertThat(seen).isEqualTo(expected);
    }

    /** Raw mode keeps every event, but under the same bound: past it, what waits collapses and is rescanned. */
    @Test
    void rawModeAtTheBoundCollapsesToo() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        List<Ev> evs = new ArrayList<>();
        Set<Path> expected = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            evs.add(new Ev(sub, CREATED, "f" + i, false, 0));
            evs.add(new Ev(sub, MODIFIED, "f" + i, false, 0)); // in raw mode, not merged into the CREATED
            expected.add(sub.resolve("f" + i));
        }
        Set<Path> created = new HashSet<>();
        java.util.concurrent.atomic.AtomicInteger collapses = new java.util.concurrent.atomic.AtomicInteger();
        StepVerifier.create(build(watcher().coalesce(false).maxPendingPaths(10)).events(), 0)
                .then(() -> expected.forEach(PipelineTest::mkfile))
                .then(() -> fake.batch(evs))
                .then(this::awaitLoop)
                .thenRequest(1000)
                .thenConsumeWhile(e -> {
                    if (e.kind() == Kind.OVERFLOW) {
                        collapses.incrementAndGet();
                    } else if (e.kind() == Kind.CREATED) {
                        created.add(e.path());
                    }
                    return created.size() < 30;
                })
                .thenCancel()
                .verify(T);
        assertThat(collapses).as("60 events of 30 paths waited for a bound of 10").hasPositiveValue();
        assertThat(created).isEqualTo(expected); // every path accounted for: before the bound, or by the rescan
    }

    @Test
    void nestedRootsKeepTheirOwnEventsThroughACollapse() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        List<Ev> evs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            evs.add(new Ev(sub, CREATED, "f" + i, false, 0));
        }
        Set<String> seen = new HashSet<>();
        java.util.concurrent.atomic.AtomicInteger collapses = new java.util.concurrent.atomic.AtomicInteger();
        StepVerifier.create(build(FileWatcher.builder().root(dir).root(sub).backend(fake).maxPendingPaths(10)).events(), 0)
                .then(() -> evs.forEach(e -> mkfile(sub.resolve(e.name()))))
                .then(() -> fake.batch(evs))
                .then(this::awaitLoop)
                .thenRequest(1000)
                .thenConsumeWhile(e -> {
                    if (e.kind() == Kind.CREATED) {
                        seen.add(e.root().relativize(e.path()) + "@" + dir.relativize(e.root()));
                    } else if (e.kind() == Kind.OVERFLOW) {
                        collapses.incrementAndGet();
                    }
                    return seen.size() < 60;
                })
                .thenCancel()
                .verify(T);
        assertThat(collapses).as("60 paths waited for a bound of 10: they collapsed").hasPositiveValue();
        for (int i = 0; i < 30; i++) {
            assertThat(seen).contains("sub/f" + i + "@", "f" + i + "@sub");
        }
    }

    @Test
    void excludedDirectoriesAreNeverWatched() throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("build/classes"));
        Files.createDirectories(dir.resolve("src/main"));
        StepVerifier.create(build(watcher().exclude("build/**")).events())
                .then(() -> {
                    try {
                        assertThat(fake.watched()).containsExactlyInAnyOrder(dir, dir.resolve("src"),
                                dir.resolve("src/main"));
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                })
                .then(() -> fake.batch(List.of(new Ev(dir, CREATED, "build", true, 0), new Ev(dir, CREATED, "x.txt", false, 0))))
                .expectNextMatches(e -> is(e, Kind.CREATED, dir.resolve("x.txt")))
                .thenCancel()
                .verify(T);
    }

    @Test
    void includeGlobFiltersButDirectoriesAreStillTraversed() throws IOException {
        Path deep = Files.createDirectories(dir.resolve("a/b"));
        StepVerifier.create(build(watcher().include("**/*.txt")).events())
                .then(() -> fake.batch(List.of(new Ev(deep, CREATED, "x.log", false, 0), new Ev(deep, CREATED, "y.txt", false, 0))))
                .expectNextMatches(e -> is(e, Kind.CREATED, deep.resolve("y.txt")))
                .thenCancel()
                .verify(T);
    }

    @Test
    void unwatchableSubdirectoryIsReportedAndTheRestKeepsWorking() throws IOException {
        Path secret = Files.createDirectories(dir.resolve("secret"));
        WatchException denied = new WatchException("inotify_add_watch(" + secret + ") failed: Permission denied (EACCES 13)",
                secret, "inotify_add_watch", 13, null);
        fake.failOn(secret, denied);
        StepVerifier.create(build(watcher()).events())
                .expectNextMatches(e -> e.kind() == Kind.OVERFLOW && e.path().equals(secret)
                        && e.cause().orElseThrow() == denied)
                .then(() -> fake.emit(dir, CREATED, "ok", false, 0))
                .expectNextMatches(e -> is(e, Kind.CREATED, dir.resolve("ok")))
                .thenCancel()
                .verify(T);
    }

    @Test
    void watchLimitFailsTheSubscription() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        fake.failOn(sub, new WatchLimitException("limit", sub, "inotify_add_watch", 28, "fs.inotify.max_user_watches"));
        StepVerifier.create(build(watcher()).events())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WatchLimitException.class))
                .verify(T);
    }

    @Test
    void badRootsFailWithTypedErrors() throws IOException {
        Path file = Files.createFile(dir.resolve("file"));
        StepVerifier.create(FileWatcher.builder().root(dir.resolve("missing")).backend(fake).build().events())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WatchRootException.class)
                        .hasMessageContaining("missing").hasMessageContaining("does not exist")
                        .extracting(x -> ((WatchRootException) x).reason()).isEqualTo(WatchRootException.Reason.MISSING))
                .verify(T);
        StepVerifier.create(FileWatcher.builder().root(file).backend(fake).build().events())
                .expectErrorSatisfies(e -> assertThat(((WatchRootException) e).reason())
                        .isEqualTo(WatchRootException.Reason.NOT_A_DIRECTORY))
                .verify(T);
    }

    @Test
    void rootDeletionIsDeliveredThenTheStreamCompletes() {
        StepVerifier.create(build(watcher()).events())
                .then(() -> fake.batch(List.of(new Ev(dir, dev.vigil.watch.internal.RawEvent.RawKind.SELF_DELETED, "", true, 0))))
                .expectNextMatches(e -> is(e, Kind.DELETED, dir) && e.isDirectory())
                .expectComplete()
                .verify(T);
    }

    @Test
    void attributeChangeIsAModification() throws IOException {
        Files.createFile(dir.resolve("m"));
        StepVerifier.create(build(watcher()).events())
                .then(() -> fake.emit(dir, ATTRIBUTES, "m", false, 0))
                .expectNextMatches(e -> is(e, Kind.MODIFIED, dir.resolve("m")))
                .thenCancel()
                .verify(T);
    }

    private static void mkdir(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void mkfile(Path p) {
        try {
            Files.createDirectories(p.getParent());
            Files.createFile(p);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Waits until the sessions of the last watcher have applied every raw event the fake delivered so far. */
    private void awaitLoop() {
        built.ready().block(T);
    }
}
