package dev.vigil.watch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileEvent.Kind;
import dev.vigil.watch.OverflowStrategy;
import dev.vigil.watch.WatchLimitException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Unit tests of the pipeline's rooms, each on its own: no backend, no session. */
class RoomsTest {

    @TempDir
    Path dir;

    static WatchSpec spec(Path root, int maxPending, OverflowStrategy strategy) {
        return new WatchSpec(List.of(root), true, PathFilter.ALL, true, maxPending, strategy,
                WatchSpec.DEFAULT_RENAME_WINDOW, null);
    }

    /** A channel that records its watches and can refuse them. */
    static final class Channel implements WatchChannel {
        final Map<Object, Path> watches = new HashMap<>();
        int limit = Integer.MAX_VALUE;

        @Override
        public Object add(Path d) throws IOException {
            if (watches.size() >= limit) {
                throw new WatchLimitException("limit reached", d, "add", 28, "test.limit");
            }
            Object key = new Object();
            watches.put(key, d);
            return key;
        }

        @Override
        public void remove(Object key) {
            watches.remove(key);
        }

        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public void close() {
            watches.clear();
        }
    }

    @Nested
    class RenamePairerTest {
        final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        final List<Long> expired = new CopyOnWriteArrayList<>();
        final RenamePairer pairer = new RenamePairer(vts, Duration.ofMillis(50), expired::add);
        final Node root = new Node(null, null, Path.of("/w"));

        @Test
        void aHalfWaitsOneWindowThenExpiresUnlessTaken() {
            pairer.hold(7, root, "a", new Node.Removed(false, null), true);
            pairer.hold(8, root, "b", new Node.Removed(false, null), true);
            assertThat(pairer.take(8)).extracting(RenamePairer.Pending::name).isEqualTo("b");
            vts.advanceTimeBy(Duration.ofMillis(49));
            assertThat(expired).isEmpty();
            vts.advanceTimeBy(Duration.ofMillis(1));
            assertThat(expired).containsExactly(7L); // 8 was taken: its timer is disposed
            assertThat(pairer.take(7).path()).isEqualTo(Path.of("/w/a"));
            assertThat(pairer.take(7)).isNull();
        }

        @Test
        void theSameCookieTwiceHandsBackTheOlderHalfAndAdjacentHalvesNeverWait() {
            pairer.hold(1, root, "a", new Node.Removed(false, null), true);
            assertThat(pairer.hold(1, root, "b", new Node.Removed(false, null), true).name()).isEqualTo("a");
            pairer.hold(2, root, "c", new Node.Removed(true, null), false);
            vts.advanceTimeBy(Duration.ofSeconds(1));
            assertThat(expired).containsExactly(1L);
            assertThat(pairer.takeAll()).extracting(RenamePairer.Pending::name).containsExactly("b", "c");
            assertThat(pairer.held()).isEmpty();
        }
    }

    @Nested
    class TreeTest {
        final Channel channel = new Channel();
        Sources.Source source;

        Tree tree(Path root, OverflowStrategy strategy, boolean recursiveBackend) {
            source = Sources.Source.of(channel, DirectoryLister.JDK, recursiveBackend);
            return new Tree(spec(root, 100, strategy), null);
        }

        @Test
        void watchesEveryDirectoryFirstAndResolvesMultiSegmentPaths() throws IOException {
            Files.createDirectories(dir.resolve("a/b"));
            Files.createFile(dir.resolve("a/b/f"));
            Tree t = tree(dir, OverflowStrategy.RESYNC, false);
            t.addRoot(dir, source);
            assertThat(channel.watches.values()).containsExactlyInAnyOrder(dir, dir.resolve("a"), dir.resolve("a/b"));
            Node root = t.roots.get(0);
            Tree.Target target = t.target(root, "a/b/f");
            assertThat(target.dir().path()).isEqualTo(dir.resolve("a/b"));
            assertThat(target.name()).isEqualTo("f");
            assertThat(t.target(root, "a/x/f")).isNull();
            assertThat(t.unknownParent(root, "a/x/f").path()).isEqualTo(dir.resolve("a"));
        }

        @Test
        void aRecursiveBackendGetsOneWatchPerRootAndTheSameModel() throws IOException {
            Files.createDirectories(dir.resolve("a/b"));
            Tree t = tree(dir, OverflowStrategy.RESYNC, true);
            t.addRoot(dir, source);
            assertThat(channel.watches.values()).containsExactly(dir);
            assertThat(t.target(t.roots.get(0), "a/b/x").dir().path()).isEqualTo(dir.resolve("a/b"));
        }

        @Test
        void removingASubtreeUnwatchesItAndReturnsWhatWentDeepestFirst() throws IOException {
            Files.createDirectories(dir.resolve("a/b"));
            Files.createFile(dir.resolve("a/b/f"));
            Tree t = tree(dir, OverflowStrategy.RESYNC, false);
            t.addRoot(dir, source);
            List<Tree.Change> gone = new ArrayList<>();
            Node.Removed removed = t.remove(t.roots.get(0), "a", gone);
            assertThat(removed.dir()).isTrue();
            assertThat(gone).extracting(Tree.Change::path).containsExactly(dir.resolve("a/b/f"), dir.resolve("a/b"));
            assertThat(channel.watches.values()).containsExactly(dir);
        }

        @Test
        void aWatchLimitIsFatalWithoutAnExceptionAndOtherFailuresAreProblems() throws IOException {
            for (int i = 0; i < 5; i++) {
                Files.createDirectories(dir.resolve("d" + i));
            }
            channel.limit = 3;
            Tree t = tree(dir, OverflowStrategy.RESYNC, false);
            t.addRoot(dir, source);
            assertThat(t.fatal()).isInstanceOf(WatchLimitException.class);
            assertThat(channel.watches).hasSize(3);
            assertThat(t.takeProblems()).isEmpty();
        }

        @Test
        void pastTheWatchLimitDirectoriesGoToTheBeyondLimitSourceAndLeaveItWhenRemoved() throws IOException {
            for (int i = 0; i < 5; i++) {
                Files.createDirectories(dir.resolve("d" + i));
            }
            channel.limit = 3;
            Channel polled = new Channel();
            List<WatchLimitException> reached = new ArrayList<>();
            Sources.Source polling = Sources.Source.of(polled, DirectoryLister.JDK, false);
            source = Sources.Source.of(channel, DirectoryLister.JDK, false);
            Tree t = new Tree(spec(dir, 100, OverflowStrategy.RESYNC), e -> {
                reached.add(e);
                return polling;
            });
            t.addRoot(dir, source);
            assertThat(t.fatal()).isNull();
            assertThat(t.takeProblems()).isEmpty();
            assertThat(channel.watches).hasSize(3);
            assertThat(polled.watches).hasSize(3); // 6 directories in all: the root and d0..d4
            assertThat(reached).hasSize(3).allMatch(e -> e.limit().equals("test.limit"));
            // events of a polled directory land in the same model
            Path polledDir = polled.watches.values().iterator().next();
            Node root = t.roots.get(0);
            Object key = polled.watches.keySet().iterator().next();
            assertThat(t.watched(key).path()).isEqualTo(polledDir);
            // a removed directory leaves the channel that watches it, and a new one tries the root's source first
            t.remove(root, polledDir.getFileName().toString(), new ArrayList<>());
            assertThat(polled.watches).hasSize(2);
            assertThat(channel.watches).hasSize(3);
            channel.limit = 4;
            Files.createDirectory(dir.resolve("new"));
            t.addDirectory(root, "new", new Snapshot());
            assertThat(channel.watches).containsValue(dir.resolve("new"));
        }

        @Test
        void cookieFilesInARootListingAreCollectedNotModelled() throws IOException {
            Files.createFile(dir.resolve(Tree.COOKIE_PREFIX + "x-0"));
            Tree t = tree(dir, OverflowStrategy.RESYNC, false);
            t.addRoot(dir, source);
            assertThat(t.takeCookies()).containsExactly(Tree.COOKIE_PREFIX + "x-0");
            assertThat(t.roots.get(0).has(Tree.COOKIE_PREFIX + "x-0")).isFalse();
        }
    }

    @Nested
    class ResyncTest {
        final Channel channel = new Channel();

        @Test
        void lostEventsAreAbsorbedUntilTheRescanReportsTheTrueDifference() throws IOException {
            Files.createFile(dir.resolve("kept"));
            Files.createFile(dir.resolve("gone"));
            WatchSpec spec = spec(dir, 100, OverflowStrategy.RESYNC);
            EventBuffer buffer = new EventBuffer(true, false);
            List<Throwable> failures = new ArrayList<>();
            Resync resync = new Resync(spec, buffer, failures::add);
            Tree tree = new Tree(spec, null);
            tree.addRoot(dir, Sources.Source.of(channel, DirectoryLister.JDK, false));
            resync.bind(tree, new RenamePairer(VirtualTimeScheduler.create(), Duration.ofMillis(50), c -> { }));
            Node root = tree.roots.get(0);

            resync.lost(List.of(), "test");
            assertThat(resync.pending()).isTrue();
            assertThat(resync.absorbs(root, dir.resolve("anything"))).isTrue();
            Files.delete(dir.resolve("gone"));
            Files.createFile(dir.resolve("new"));
            resync.rescan(Instant.EPOCH, e -> true);
            List<FileEvent> out = new ArrayList<>();
            List<Runnable> passed = new ArrayList<>();
            for (FileEvent e; (e = buffer.poll(passed)) != null;) {
                out.add(e);
            }
            // a file listed in the same clock tick may be reported MODIFIED too (more than once, never less)
            assertThat(out).filteredOn(e -> e.kind() != Kind.MODIFIED).extracting(FileEvent::kind, FileEvent::path).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(Kind.OVERFLOW, dir),
                    org.assertj.core.groups.Tuple.tuple(Kind.DELETED, dir.resolve("gone")),
                    org.assertj.core.groups.Tuple.tuple(Kind.CREATED, dir.resolve("new")));
            assertThat(resync.pending()).isFalse();
            assertThat(failures).isEmpty();
        }

        @Test
        void pastTheBoundPendingPathsCollapseIntoADirtySubtree() throws IOException {
            Path sub = Files.createDirectories(dir.resolve("sub"));
            WatchSpec spec = spec(dir, 3, OverflowStrategy.RESYNC);
            EventBuffer buffer = new EventBuffer(true, false);
            Resync resync = new Resync(spec, buffer, e -> { });
            Tree tree = new Tree(spec, null);
            tree.addRoot(dir, Sources.Source.of(channel, DirectoryLister.JDK, false));
            resync.bind(tree, new RenamePairer(VirtualTimeScheduler.create(), Duration.ofMillis(50), c -> { }));
            for (int i = 0; i < 4; i++) {
                buffer.add(new FileEvent(Kind.CREATED, sub.resolve("f" + i), null, false, dir, Instant.EPOCH, null), false);
            }
            resync.checkBound();
            assertThat(buffer.pathSlots()).isZero();
            assertThat(resync.absorbs(tree.roots.get(0), sub.resolve("f9"))).isTrue();
            assertThat(resync.absorbs(tree.roots.get(0), dir.resolve("other"))).isFalse();
        }

        @Test
        void strategyErrorFailsInsteadOfMarkingDirty() throws IOException {
            WatchSpec spec = spec(dir, 100, OverflowStrategy.ERROR);
            List<Throwable> failures = new ArrayList<>();
            Resync resync = new Resync(spec, new EventBuffer(true, false), failures::add);
            Tree tree = new Tree(spec, null);
            tree.addRoot(dir, Sources.Source.of(channel, DirectoryLister.JDK, false));
            resync.bind(tree, new RenamePairer(VirtualTimeScheduler.create(), Duration.ofMillis(50), c -> { }));
            resync.lost(List.of(), "test");
            assertThat(failures).singleElement().isInstanceOf(dev.vigil.watch.WatchOverflowException.class);
            assertThat(resync.pending()).isFalse();
        }
    }

    @Nested
    class SerialTest {
        @Test
        void tasksRunOneAtATimeInOrderOnPoolThreads() throws InterruptedException {
            WatchThreads.Serial serial = new WatchThreads.Serial();
            List<Integer> order = new CopyOnWriteArrayList<>();
            AtomicInteger running = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(1);
            for (int i = 0; i < 1000; i++) {
                int n = i;
                serial.execute(() -> {
                    if (running.incrementAndGet() != 1 || !serial.inside() || !Thread.currentThread().getName().startsWith("vigil-watch-")) {
                        overlaps.incrementAndGet();
                    }
                    order.add(n);
                    running.decrementAndGet();
                    if (n == 999) {
                        done.countDown();
                    }
                });
            }
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(overlaps).hasValue(0);
            assertThat(order).hasSize(1000).isSorted();
            assertThat(serial.inside()).isFalse();
        }
    }
}
