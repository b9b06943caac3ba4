package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.watch.internal.RawEvent;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchChannel;
import dev.vigil.watch.internal.linux.InotifyBackend;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Hooks;

/**
 * The watch soak ({@code mvn -B -ntp verify -Psoak}, README "Soak"): a real temp tree churned by writer threads
 * (create, append, rename, delete, {@code mkdir -p}, directory moves, {@code rm -rf}) while sessions come and go on
 * the shared inotify backend (unbounded, one-at-a-time slow, withheld demand with a tiny pending bound, and short-lived
 * ones disposed at once or after a while) and kernel queue overflows are provoked on a private instance (its reader
 * held by a task while a burst of writes exceeds {@code fs.inotify.max_queued_events}).
 *
 * <p>The run is a sequence of cycles: churn, then a quiescent point (writers and short-lived sessions stopped, each
 * watcher's {@code sync()}), where every live session's view (its events applied to the tree it saw when it started)
 * must equal the disk, every inotify fd must watch exactly the directories of the tree, and the open fds, the Java
 * threads (once Vigil's idle pools have emptied) and the heap after GC are sampled. Flat means: the fds' targets (the
 * class path's jars aside, which the JVM opens on first use) equal at every
 * quiescent point to the first one (taken after a warm-up cycle), no thread there that was not there then (a JVM or
 * surefire helper may end meanwhile), every inotify fd watching exactly the tree's directories,
 * and the heap after GC in the last minute on average within {@value #HEAP_TOLERANCE_PERCENT}% (plus
 * {@value #HEAP_SLACK_MIB} MiB of GC granularity) of the first minute's. Duration: {@code -Dvigil.soak.duration}
 * (ISO-8601, default {@code PT2M}).
 */
@Tag("soak")
@EnabledOnOs(OS.LINUX)
class WatchSoakTest {
    static final int HEAP_TOLERANCE_PERCENT = 25;
    static final int HEAP_SLACK_MIB = 8;
    private static final Duration CHURN = Duration.ofSeconds(10);
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final int WRITERS = 3;
    private static final int MAX_FILES_PER_WRITER = 400;
    private static final int MAX_DIRS_PER_WRITER = 60;

    @TempDir
    Path tmp;
    Path root;

    private final Queue<Throwable> problems = new ConcurrentLinkedQueue<>();
    private final AtomicLong writerOps = new AtomicLong();
    private final AtomicLong transientSessions = new AtomicLong();

    /** The bound is the duration itself plus the per-cycle bounds (every wait inside is bounded). */
    @Test
    @Timeout(value = 1, unit = TimeUnit.DAYS)
    void churnWithComingAndGoingSubscribersAndOverflowsKeepsEveryViewTrueAndNothingGrows() throws Exception {
        Duration duration = Duration.parse(System.getProperty("vigil.soak.duration", "PT2M"));
        long seed = Long.getLong("vigil.soak.seed", System.nanoTime());
        long paceMicros = Long.getLong("vigil.soak.paceMicros", 2000);
        out("soak: duration %s, seed %d (-Dvigil.soak.seed), writer pace %d us/op, %d writers, max_queued_events %s",
                duration, seed, paceMicros, WRITERS, procValue("/proc/sys/fs/inotify/max_queued_events"));
        root = Files.createDirectory(tmp.resolve("root"));
        Path burst = Files.createDirectories(root.resolve("burst"));
        Files.writeString(burst.resolve("a"), "");
        Files.writeString(burst.resolve("b"), "");
        for (int i = 0; i < WRITERS; i++) {
            Files.createDirectories(root.resolve("w" + i));
        }
        Hooks.onErrorDropped(problems::add);
        InotifyBackend isolated = InotifyBackend.isolated();
        FileWatcher shared = FileWatcher.of(root);
        FileWatcher small = FileWatcher.builder().root(root).maxPendingPaths(64).build(); // collapses under load
        FileWatcher overflowing = FileWatcher.builder().root(root).backend(isolated).build();
        List<FileWatcher> watchers = List.of(shared, small, overflowing);
        List<Tracked> tracked = new ArrayList<>();
        List<Sample> samples = new ArrayList<>();
        long start = System.nanoTime();
        long churnNanos = 0;
        long eventsAtStart = 0;
        int cycle = 0;
        long overflowsSeen = 0;
        try {
            tracked.add(Tracked.start(shared, root, Tracked.Mode.UNBOUNDED, "shared-a"));
            tracked.add(Tracked.start(shared, root, Tracked.Mode.UNBOUNDED, "shared-b"));
            tracked.add(Tracked.start(small, root, Tracked.Mode.ONE_BY_ONE, "slow"));
            tracked.add(Tracked.start(small, root, Tracked.Mode.WITHHELD, "withheld"));
            tracked.add(Tracked.start(overflowing, root, Tracked.Mode.UNBOUNDED, "private"));
            SplittableRandom random = new SplittableRandom(seed);
            do {
                cycle++;
                // ---- churn
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> threads = new ArrayList<>();
                for (int i = 0; i < WRITERS; i++) {
                    Writer w = new Writer(root.resolve("w" + i), random.split(), paceMicros, stop);
                    threads.add(thread("soak-writer-" + i, w));
                }
                threads.add(thread("soak-subscribers", () -> churnSubscribers(shared, random.split(), stop)));
                long privateOverflowsBefore = tracked.get(4).overflows.get();
                long t0 = System.nanoTime();
                threads.forEach(Thread::start);
                provokeOverflow(isolated, burst); // while the writers run
                LockSupport.parkNanos(CHURN.toNanos() - (System.nanoTime() - t0)); // pacing the churn, not a settle
                stop.set(true);
                for (Thread t : threads) {
                    t.join(BOUND.toMillis());
                    assertThat(t.isAlive()).as("%s stopped", t.getName()).isFalse();
                }
                churnNanos += System.nanoTime() - t0;

                // ---- quiescent point: every view equals the disk
                for (Tracked t : tracked) {
                    t.release(); // withheld demand comes back now
                }
                for (int i = 0; i < watchers.size(); i++) {
                    try {
                        watchers.get(i).sync().block(BOUND);
                    } catch (IllegalStateException timeout) {
                        throw new AssertionError("sync() of watcher " + i + " in cycle " + cycle + " (seed " + seed
                                + ") timed out; sessions: " + tracked + "\n" + internals(watchers.get(i)) + "\n"
                                + vigilThreadDump(), timeout);
                    }
                }
                Map<Path, Boolean> disk = scan(root);
                for (Tracked t : tracked) {
                    assertThat(t.error).as("%s failed", t.name).isNull();
                    Map<Path, Boolean> view = t.view();
                    if (!view.equals(disk)) {
                        java.util.Set<Path> wrong = new java.util.TreeSet<>();
                        view.forEach((p, d) -> {
                            if (!d.equals(disk.get(p))) {
                                wrong.add(p);
                            }
                        });
                        disk.keySet().stream().filter(p -> !view.containsKey(p)).forEach(wrong::add);
                        throw new AssertionError("view of " + t.name + " in cycle " + cycle + " (seed " + seed
                                + ") differs from the disk: " + t.explain(disk) + "\n  what " + tracked.get(0).name
                                + " (unbounded) was told about them:" + tracked.get(0).about(wrong));
                    }
                }
                // Every view equals the disk here, so the events logged so far explain nothing that follows; kept,
                // they would be the test's own heap growth in the figures below (100,000 events per session).
                for (Tracked t : tracked) {
                    t.forgetLog();
                }
                JOURNAL.clear();
                long privateOverflows = tracked.get(4).overflows.get() - privateOverflowsBefore;
                assertThat(privateOverflows).as("kernel overflows seen by the private session in cycle %d", cycle)
                        .isPositive();
                overflowsSeen += privateOverflows;
                assertThat(problems).as("writer failures and dropped errors").isEmpty();

                // ---- resources, once Vigil's pools are idle and every cancelled watch is removed
                List<Long> dirs = directoryInodes(root);
                await().pollInSameThread().atMost(BOUND).untilAsserted(() -> {
                    assertThat(vigilPoolThreads()).as("vigil-watch/vigil-deliver threads at rest").isZero();
                    Map<Integer, List<Long>> watched = watchesByInotifyFd();
                    assertThat(watched).as("inotify fds (shared, private)").hasSize(2);
                    for (List<Long> w : watched.values()) {
                        assertThat(w).as("watched inodes").containsExactlyInAnyOrderElementsOf(dirs);
                    }
                });
                long delivered = tracked.stream().mapToLong(t -> t.events.get()).sum() + Tracked.retired.get();
                Sample s = Sample.take((System.nanoTime() - start) / 1e9, cycle, dirs.size(), disk.size(),
                        delivered - eventsAtStart, watchesByInotifyFd().values().stream().mapToInt(List::size).sum());
                eventsAtStart = delivered;
                samples.add(s);
                out("soak: %s; overflows so far: %s", s, tracked.stream().map(t -> t.name + " " + t.overflows.get())
                        .collect(java.util.stream.Collectors.joining(", ")));
                if (samples.size() > 1) {
                    Sample first = samples.get(1); // after the warm-up cycle
                    assertThat(s.fdTargets).as("open fds (class-path jars aside) at cycle %d vs cycle %d", cycle,
                            first.cycle).isEqualTo(first.fdTargets);
                    // no thread that was not there (a leaked one); a JVM or surefire helper may have ended
                    assertThat(first.threadNames).as("Java threads at cycle %d vs cycle %d", cycle, first.cycle)
                            .containsAll(s.threadNames);
                }

                // ---- sessions come and go: the withheld one and one other are replaced, from a known disk
                Tracked withheld = tracked.get(3);
                withheld.dispose();
                tracked.set(3, Tracked.start(small, root, Tracked.Mode.WITHHELD, "withheld"));
                int replaced = cycle % 3; // shared-a, shared-b, slow in turn; the private one stays
                Tracked old = tracked.get(replaced);
                old.dispose();
                tracked.set(replaced, Tracked.start(old.watcher, root, old.mode, old.name));
            } while (System.nanoTime() - start < duration.toNanos());
        } finally {
            for (Tracked t : tracked) {
                t.dispose();
            }
            isolated.close();
            Hooks.resetOnErrorDropped();
        }
        report(samples, churnNanos, overflowsSeen, duration);
    }

    private void report(List<Sample> samples, long churnNanos, long overflows, Duration duration) {
        assertThat(samples).as("quiescent points after the warm-up").hasSizeGreaterThanOrEqualTo(3);
        double total = samples.get(samples.size() - 1).at;
        double window = Math.min(60, total / 2);
        List<Sample> warm = samples.subList(1, samples.size());
        List<Sample> first = warm.stream().filter(s -> s.at <= warm.get(0).at + window - 1e-9).toList();
        List<Sample> last = warm.stream().filter(s -> s.at >= total - window).toList();
        double firstHeap = first.stream().mapToDouble(s -> s.heapMiB).average().orElseThrow();
        double lastHeap = last.stream().mapToDouble(s -> s.heapMiB).average().orElseThrow();
        long events = samples.stream().mapToLong(s -> s.events).sum();
        out("soak: %d cycles in %.0f s; %d writer ops (%.0f/s of churn), %d events delivered to the verified sessions"
                + " (%.0f/s), %d kernel overflows on the private instance, %d short-lived sessions",
                samples.size(), total, writerOps.get(), writerOps.get() / (churnNanos / 1e9), events,
                events / (churnNanos / 1e9), overflows, transientSessions.get());
        out("soak: first window (%d samples) vs last window (%d samples): fds %s vs %s, threads %s vs %s,"
                + " watches %s vs %s, heap after GC %.1f vs %.1f MiB (%+.1f%%)", first.size(), last.size(),
                range(first, s -> s.fds), range(last, s -> s.fds), range(first, s -> s.threads),
                range(last, s -> s.threads), range(first, s -> s.watches), range(last, s -> s.watches), firstHeap,
                lastHeap, 100 * (lastHeap - firstHeap) / firstHeap);
        List<String> ended = new ArrayList<>(samples.get(1).threadNames);
        ended.removeAll(samples.get(samples.size() - 1).threadNames);
        out("soak: threads present after the warm-up and ended since (not Vigil's): %s", ended);
        assertThat(lastHeap).as("heap after GC, last window vs first (%s)", duration)
                .isLessThanOrEqualTo(firstHeap * (1 + HEAP_TOLERANCE_PERCENT / 100.0) + HEAP_SLACK_MIB);
        assertThat(transientSessions.get()).isPositive();
    }

    private static String range(List<Sample> samples, java.util.function.ToLongFunction<Sample> f) {
        long min = samples.stream().mapToLong(f).min().orElseThrow();
        long max = samples.stream().mapToLong(f).max().orElseThrow();
        return min == max ? Long.toString(min) : min + ".." + max;
    }

    /** Prints a figure of the run: the test reports, the library never prints. */
    private static void out(String format, Object... args) {
        System.out.println(String.format(format, args));
    }

    private Thread thread(String name, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                problems.add(e);
            }
        }, name);
        t.setDaemon(true);
        return t;
    }

    // ------------------------------------------------------------------------------------------------ overflow

    /**
     * Holds the private instance's reader with a task of a channel of its own while more events than its kernel queue
     * holds are written (two files in turn, so that the kernel cannot merge them), then lets it go.
     */
    private void provokeOverflow(InotifyBackend isolated, Path burst) throws Exception {
        int max = Integer.parseInt(procValue("/proc/sys/fs/inotify/max_queued_events"));
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        WatchChannel blocker = isolated.open(new RawEventListener() {
            @Override
            public void onEvents(List<RawEvent> batch) {
            }

            @Override
            public void onFailure(Throwable error) {
                problems.add(error);
            }
        });
        try {
            blocker.execute(() -> {
                held.countDown();
                try {
                    release.await(BOUND.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(held.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
            ByteBuffer one = ByteBuffer.allocate(1);
            try (FileChannel a = FileChannel.open(burst.resolve("a"), StandardOpenOption.WRITE);
                    FileChannel b = FileChannel.open(burst.resolve("b"), StandardOpenOption.WRITE)) {
                for (int i = 0; i < max + 100; i++) {
                    one.clear();
                    (i % 2 == 0 ? a : b).write(one, 0);
                }
            }
        } finally {
            release.countDown();
            blocker.close();
        }
    }

    // ------------------------------------------------------------------------------------------------ writers

    /** What the writers did since the last quiescent point, in order (for failure reports). */
    static final java.util.concurrent.ConcurrentLinkedQueue<String> JOURNAL = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** Churns its own subtree: the only writer there, so its model of it stays exact without listing each time. */
    private final class Writer implements Runnable {
        private final Path home;
        private final SplittableRandom random;
        private final long paceNanos;
        private final AtomicBoolean stop;
        private final List<Path> dirs = new ArrayList<>();
        private final List<Path> files = new ArrayList<>();
        private static final AtomicLong NAMES = new AtomicLong(36 * 36); // names of 3+ characters

        Writer(Path home, SplittableRandom random, long paceMicros, AtomicBoolean stop) {
            this.home = home;
            this.random = random;
            this.paceNanos = TimeUnit.MICROSECONDS.toNanos(paceMicros);
            this.stop = stop;
        }

        @Override
        public void run() {
            try {
                rescan();
                while (!stop.get()) {
                    step();
                    writerOps.incrementAndGet();
                    LockSupport.parkNanos(paceNanos);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private void rescan() throws IOException {
            dirs.clear();
            files.clear();
            try (Stream<Path> s = Files.walk(home)) {
                s.forEach(p -> (Files.isDirectory(p) ? dirs : files).add(p));
            }
        }

        private String name() {
            return Long.toString(NAMES.getAndIncrement(), 36); // unique in the run: a name is one entry's story
        }

        private Path anyDir() {
            return dirs.get(random.nextInt(dirs.size()));
        }

        private void step() throws IOException {
            boolean full = files.size() > MAX_FILES_PER_WRITER || dirs.size() > MAX_DIRS_PER_WRITER;
            int op = random.nextInt(100);
            if (full && op < 60) {
                op = 95 + random.nextInt(5); // mostly rm -rf until the tree is small again
            }
            if (op < 30 || files.isEmpty()) { // create
                Path f = anyDir().resolve("f" + name());
                Files.writeString(f, "x");
                files.add(f);
                JOURNAL.add("create " + f);
            } else if (op < 50) { // append
                Files.writeString(files.get(random.nextInt(files.size())), "y", StandardOpenOption.APPEND);
            } else if (op < 65) { // rename a file, maybe into another directory
                int i = random.nextInt(files.size());
                Path to = anyDir().resolve("r" + name());
                Files.move(files.get(i), to);
                JOURNAL.add("move " + files.get(i) + " -> " + to);
                files.set(i, to);
            } else if (op < 75) { // delete a file
                Path f = files.remove(random.nextInt(files.size()));
                Files.delete(f);
                JOURNAL.add("delete " + f);
            } else if (op < 85) { // mkdir -p, with a file at the bottom
                Path d = anyDir();
                for (int depth = 1 + random.nextInt(3); depth > 0; depth--) {
                    d = d.resolve("d" + name());
                }
                Files.createDirectories(d);
                Path f = d.resolve("f" + name());
                Files.writeString(f, "x");
                JOURNAL.add("mkdir -p " + d + " + " + f.getFileName());
                rescan();
            } else if (op < 95) { // move a directory (with its subtree) somewhere not inside itself
                if (dirs.size() > 1) {
                    Path d = dirs.get(1 + random.nextInt(dirs.size() - 1));
                    Path target = anyDir();
                    if (!target.startsWith(d)) {
                        Path to = target.resolve("m" + name());
                        Files.move(d, to);
                        JOURNAL.add("move dir " + d + " -> " + to);
                        rescan();
                    }
                }
            } else { // rm -rf a subtree (rarely, unless the tree is full), or a file when there is none
                if (dirs.size() > 1 && (full || random.nextInt(4) == 0)) {
                    Path d = dirs.get(1 + random.nextInt(dirs.size() - 1));
                    deleteTree(d);
                    JOURNAL.add("rm -rf " + d);
                    rescan();
                } else if (!files.isEmpty()) {
                    Path f = files.remove(random.nextInt(files.size()));
                    Files.delete(f);
                    JOURNAL.add("delete " + f);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ subscribers

    /** The watcher's live sessions as the library sees them (reflection: a diagnostic for a sync that hangs). */
    static String internals(FileWatcher w) {
        StringBuilder sb = new StringBuilder("live sessions of the watcher:");
        try {
            Object syncs = field(w, "syncs");
            for (Object session : (java.util.Set<?>) field(syncs, "sessions")) {
                Object buffer = field(session, "buffer");
                sb.append("\n  closed=").append(field(session, "closed")).append(" cookies=")
                        .append(((Map<?, ?>) field(session, "cookies")).keySet()).append(" channel=")
                        .append(field(session, "channel") != null).append(" established=")
                        .append(field(session, "established")).append(" buffer: entries=")
                        .append(((Map<?, ?>) field(buffer, "entries")).size()).append(" ready=")
                        .append(((java.util.Collection<?>) field(buffer, "ready")).size()).append(" held=")
                        .append(field(buffer, "held")).append(" barriers=").append(field(buffer, "barriers"))
                        .append(" downstream=").append(field(session, "downstream"));
                Object sub = field(session, "downstream");
                for (String f : List.of("subscribed", "cancelled", "requested", "wip", "early", "error")) {
                    sb.append(' ').append(f).append('=').append(field(sub, f));
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            sb.append(" (unavailable: ").append(e).append(')');
        }
        return sb.toString();
    }

    private static Object field(Object o, String name) throws ReflectiveOperationException {
        for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
            try {
                java.lang.reflect.Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(o);
            } catch (NoSuchFieldException next) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(name + " in " + o.getClass());
    }

    /** Short-lived sessions on the shared watcher, all gone when it returns. */
    private void churnSubscribers(FileWatcher w, SplittableRandom random, AtomicBoolean stop) {
        List<Disposable> live = new ArrayList<>();
        Queue<Throwable> errors = problems;
        while (!stop.get()) {
            transientSessions.incrementAndGet();
            switch (random.nextInt(5)) {
                case 0 -> w.events().subscribe(e -> { }, errors::add).dispose(); // disposed before it is ready
                case 1 -> live.add(w.events().subscribe(e -> { }, errors::add)); // lives for a while
                case 2 -> live.add(w.events().subscribeWith(new BaseSubscriber<FileEvent>() { // withheld demand
                    @Override
                    protected void hookOnSubscribe(Subscription s) {
                    }

                    @Override
                    protected void hookOnError(Throwable t) {
                        errors.add(t);
                    }
                }));
                case 3 -> live.add(w.events().take(3).subscribe(e -> { }, errors::add)); // ends by itself
                default -> {
                    Disposable d = w.events().subscribe(e -> LockSupport.parkNanos(50_000), errors::add); // slow
                    w.ready().block(BOUND);
                    live.add(d);
                }
            }
            if (live.size() > 8) {
                live.remove(random.nextInt(live.size())).dispose();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20 + random.nextInt(30)));
        }
        live.forEach(Disposable::dispose);
    }

    /** A session whose view of the tree is built from its events, from the disk as it was when it started. */
    static final class Tracked extends BaseSubscriber<FileEvent> {
        enum Mode { UNBOUNDED, ONE_BY_ONE, WITHHELD }

        static final AtomicLong retired = new AtomicLong();

        final FileWatcher watcher;
        final Mode mode;
        final String name;
        final AtomicLong events = new AtomicLong();
        final AtomicLong overflows = new AtomicLong();
        final CountDownLatch subscribed = new CountDownLatch(1);
        private final Map<Path, Boolean> view; // guarded by itself
        private final java.util.ArrayDeque<FileEvent> log = new java.util.ArrayDeque<>(); // guarded by view
        volatile Throwable error;

        private Tracked(FileWatcher watcher, Mode mode, String name, Map<Path, Boolean> baseline) {
            this.watcher = watcher;
            this.mode = mode;
            this.name = name;
            this.view = baseline;
        }

        /** Subscribes while the tree is still, waits until ready, and takes the disk as its baseline. */
        static Tracked start(FileWatcher w, Path root, Mode mode, String name) throws Exception {
            Tracked t = new Tracked(w, mode, name, scan(root));
            w.events().subscribe(t);
            assertThat(t.subscribed.await(BOUND.toSeconds(), TimeUnit.SECONDS)).as("%s ready", name).isTrue();
            return t;
        }

        @Override
        protected void hookOnSubscribe(Subscription s) {
            subscribed.countDown();
            if (mode != Mode.WITHHELD) {
                s.request(mode == Mode.ONE_BY_ONE ? 1 : Long.MAX_VALUE);
            }
        }

        @Override
        protected void hookOnNext(FileEvent e) {
            events.incrementAndGet();
            if (e.kind() == FileEvent.Kind.OVERFLOW) {
                overflows.incrementAndGet();
            }
            synchronized (view) {
                Recorder.apply(view, List.of(e));
                log.add(e);
                if (log.size() > 100_000) {
                    log.poll();
                }
            }
            if (mode == Mode.ONE_BY_ONE) {
                LockSupport.parkNanos(100_000); // a slow consumer
                request(1);
            }
        }

        @Override
        protected void hookOnError(Throwable t) {
            error = t;
        }

        /** Demand for everything from now on (the withheld one catches up). */
        void release() {
            if (mode == Mode.WITHHELD) {
                request(Long.MAX_VALUE);
            }
        }

        @Override
        public String toString() {
            return name + " (" + mode + ", " + events + " events, " + overflows + " overflows, error " + error + ")";
        }

        /** What differs from {@code disk}, and the logged events that touched those paths or their ancestors. */
        String explain(Map<Path, Boolean> disk) {
            synchronized (view) {
                StringBuilder sb = new StringBuilder();
                java.util.Set<Path> wrong = new java.util.TreeSet<>();
                view.forEach((p, d) -> {
                    if (!d.equals(disk.get(p))) {
                        wrong.add(p);
                        sb.append("\n  view has ").append(p).append(d ? " (dir)" : "").append(", disk ")
                                .append(disk.containsKey(p) ? (disk.get(p) ? "a dir" : "a file") : "nothing");
                    }
                });
                disk.forEach((p, d) -> {
                    if (!view.containsKey(p)) {
                        wrong.add(p);
                        sb.append("\n  disk has ").append(p).append(d ? " (dir)" : "").append(", view nothing");
                    }
                });
                // first what CI output keeps: the overflows (each one a rescan) this session saw since the last
                // quiescent point, with their scopes and causes
                List<FileEvent> overflowsSeen = log.stream().filter(e -> e.kind() == FileEvent.Kind.OVERFLOW).toList();
                sb.append("\n  overflows since the last quiescent point: ").append(overflowsSeen.size());
                for (FileEvent o : overflowsSeen.subList(Math.max(0, overflowsSeen.size() - 8), overflowsSeen.size())) {
                    sb.append("\n    ").append(o.path()).append(": ")
                            .append(o.cause().map(Throwable::getMessage).orElse("(no cause)"));
                }
                for (Path w : wrong) {
                    if (wrong.stream().anyMatch(a -> !a.equals(w) && w.startsWith(a))) {
                        continue; // an ancestor is wrong too: its story is this one's
                    }
                    java.util.Set<String> names = new java.util.HashSet<>();
                    sb.append("\n  the story of ").append(w).append(", back through the renames that moved it:")
                            .append(story(w, names));
                    names.removeIf(n -> n.equals("root") || n.length() < 4 || "dfmr".indexOf(n.charAt(0)) < 0);
                    sb.append("\n  what the writers did to it and its directories under any of their names:");
                    List<String> ops = JOURNAL.stream().filter(op -> names.stream().anyMatch(n -> op.contains("/" + n
                            + " ") || op.contains("/" + n + "/") || op.endsWith("/" + n))).toList();
                    if (ops.size() > 12) {
                        sb.append("\n    (").append(ops.size() - 12).append(" earlier ones left out)");
                    }
                    for (String op : ops.subList(Math.max(0, ops.size() - 12), ops.size())) {
                        sb.append("\n    ").append(op);
                    }
                }
                sb.append("\n  events about them (of the last ").append(log.size()).append("), with context:");
                List<FileEvent> all = new ArrayList<>(log);
                for (int i = 0; i < all.size(); i++) {
                    FileEvent e = all.get(i);
                    boolean about = e.kind() != FileEvent.Kind.OVERFLOW && wrong.stream().anyMatch(w -> w.startsWith(e.path())
                            || e.previous().map(w::startsWith).orElse(false) || sameName(w, e));
                    if (about) {
                        sb.append("\n    ---");
                        for (int j = Math.max(0, i - 6); j <= Math.min(all.size() - 1, i + 3); j++) {
                            sb.append(j == i ? "\n  >>" : "\n    ").append(all.get(j));
                        }
                    }
                }
                return sb.toString();
            }
        }

        /**
         * The logged events about the entry at {@code w}, newest first, following it back through every rename of it
         * or of an ancestor: at each rename the entry's earlier name is followed on. Caller holds {@code view}.
         */
        private String story(Path w, java.util.Set<String> names) {
            StringBuilder sb = new StringBuilder();
            Path name = w;
            for (Path c : w.subpath(w.getNameCount() - 2, w.getNameCount())) {
                names.add(c.toString()); // the entry and its directory
            }
            List<FileEvent> all = new ArrayList<>(log);
            for (int i = all.size() - 1; i >= 0; i--) {
                FileEvent e = all.get(i);
                if (e.kind() == FileEvent.Kind.OVERFLOW) {
                    continue;
                }
                if (name.startsWith(e.path()) || e.path().startsWith(name)) {
                    sb.append("\n    #").append(i).append(' ').append(e);
                    if (e.kind() == FileEvent.Kind.RENAMED && name.startsWith(e.path())) {
                        name = e.previous().orElseThrow().resolve(e.path().relativize(name));
                        sb.append("\n      (so it was ").append(name).append(" before)");
                        for (Path c : name.subpath(Math.max(0, name.getNameCount() - 8), name.getNameCount())) {
                            names.add(c.toString());
                        }
                    }
                } else if (e.kind() == FileEvent.Kind.RENAMED && e.previous().orElseThrow().startsWith(name)) {
                    sb.append("\n    #").append(i).append(' ').append(e).append("  (moved away from under it)");
                }
            }
            return sb.toString();
        }

        /** Whether {@code e} names an entry called like {@code w} (writers' names are unique: the same entry). */
        private static boolean sameName(Path w, FileEvent e) {
            Path n = w.getFileName();
            return n.equals(e.path().getFileName()) || e.previous().map(p -> n.equals(p.getFileName())).orElse(false);
        }

        /** The logged events (not overflows) about {@code paths}, their ancestors or descendants. */
        String about(java.util.Set<Path> paths) {
            synchronized (view) {
                StringBuilder sb = new StringBuilder();
                for (FileEvent e : log) {
                    if (e.kind() != FileEvent.Kind.OVERFLOW && paths.stream().anyMatch(w -> w.startsWith(e.path())
                            || e.path().startsWith(w) || e.previous().map(pr -> w.startsWith(pr) || pr.startsWith(w))
                                    .orElse(false) || sameName(w, e))) {
                        sb.append("\n    ").append(e);
                    }
                }
                return sb.toString();
            }
        }

        /** Drops the logged events (after a quiescent point found the view right). */
        void forgetLog() {
            synchronized (view) {
                log.clear();
            }
        }

        Map<Path, Boolean> view() {
            synchronized (view) {
                return new TreeMap<>(view);
            }
        }

        @Override
        public void dispose() {
            if (!isDisposed()) {
                retired.addAndGet(events.get());
                events.set(0);
            }
            super.dispose();
        }
    }

    // ------------------------------------------------------------------------------------------------ probes

    static Map<Path, Boolean> scan(Path root) throws IOException {
        Map<Path, Boolean> out = new HashMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> !p.equals(root)).forEach(p -> out.put(p, Files.isDirectory(p)));
        }
        return new TreeMap<>(out);
    }

    private static List<Long> directoryInodes(Path root) throws IOException {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isDirectory).toList()) {
                out.add(InotifyProbe.inode(p));
            }
        }
        return out;
    }

    /** The inodes watched by each inotify fd of this process (from /proc/self/fdinfo). */
    private static Map<Integer, List<Long>> watchesByInotifyFd() throws IOException {
        Map<Integer, List<Long>> out = new TreeMap<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException gone) {
                    continue; // the listing's own fd
                }
                if (!target.equals("anon_inode:inotify") && !target.equals("anon_inode:[inotify]")) {
                    continue;
                }
                List<Long> inodes = new ArrayList<>();
                for (String l : Files.readAllLines(Path.of("/proc/self/fdinfo", fd.getFileName().toString()))) {
                    if (l.startsWith("inotify wd:")) {
                        int i = l.indexOf(" ino:");
                        inodes.add(Long.parseLong(l.substring(i + 5, l.indexOf(' ', i + 5)), 16));
                    }
                }
                out.put(Integer.parseInt(fd.getFileName().toString()), inodes);
            }
        }
        return out;
    }

    private static String vigilThreadDump() {
        StringBuilder out = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (t.getName().startsWith("vigil-")) {
                out.append(t.getName()).append(' ').append(t.getState()).append('\n');
                for (StackTraceElement e : stack) {
                    out.append("    at ").append(e).append('\n');
                }
            }
        });
        return out.toString();
    }

    private static long vigilPoolThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("vigil-watch-") || n.startsWith("vigil-deliver-")).count();
    }

    private static String procValue(String file) throws IOException {
        return Files.readAllLines(Path.of(file)).get(0).trim();
    }

    /** The figures of one quiescent point. */
    record Sample(double at, int cycle, long fds, long threads, long watches, double heapMiB, int dirs, int entries,
            long events, List<String> threadNames, List<String> fdTargets) {
        static Sample take(double at, int cycle, int dirs, int entries, long events, long watches) throws IOException {
            for (int i = 0; i < 3; i++) {
                System.gc(); // the heap after a full collection is the live set
            }
            double heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024);
            List<String> names = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                    .map(Thread::getName).sorted().toList();
            List<String> fds = InotifyProbe.fdTargets();
            return new Sample(at, cycle, fds.size(), names.size(), watches, heap, dirs, entries, events, names, fds);
        }

        @Override
        public String toString() {
            return String.format("t=%5.1fs cycle %2d: fds %d, threads %d, inotify watches %d (2 x %d dirs), heap"
                    + " after GC %.1f MiB, %d entries, %d events", at, cycle, fds, threads, watches, dirs, heapMiB,
                    entries, events);
        }
    }
}
