package dev.vigil.bench.polling;

import dev.vigil.watch.Backend;
import dev.vigil.watch.FileWatcher;
import dev.vigil.watch.internal.polling.PollingBackend;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.Disposable;

/**
 * The polling backend's cost on a 100,000-entry tree: CPU and wall time per poll (polls back to back), CPU of the
 * whole process at the default 1 s interval, and the heap the session holds. Usage:
 * {@code PollBench [TREE_DIR] [SECONDS]} (default {@code /dev/shm/vigil-poll/tree}, 20 s per phase). The tree is
 * 10 directories × 100 subdirectories × 99 files (100,010 entries), generated once and reused.
 */
public final class PollBench {

    public static void main(String[] args) throws Exception {
        Path tree = Path.of(args.length > 0 ? args[0] : "/dev/shm/vigil-poll/tree");
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        long entries = generate(tree);
        System.out.println("tree " + tree + ": " + entries + " entries");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long heapBefore = usedHeapAfterGc();

        // Phase 1: polls back to back (a 1 ms interval: each tick during a poll is dropped, the next poll starts at
        // the first tick after it ended)
        AtomicLong events = new AtomicLong();
        FileWatcher busy = FileWatcher.builder().root(tree).backend(Backend.POLLING).pollInterval(Duration.ofMillis(1))
                .build();
        long t0 = System.nanoTime();
        Disposable d = busy.events().subscribe(e -> events.incrementAndGet());
        busy.ready().block(Duration.ofMinutes(2));
        System.out.printf("establishment (tree listed by the pipeline and by the backend's baseline): %.0f ms%n",
                (System.nanoTime() - t0) / 1e6);
        System.out.printf("heap held by the session (used after GC, minus before): %.1f MiB%n",
                (usedHeapAfterGc() - heapBefore) / 1048576.0);
        PollingBackend backend = PollingBackend.shared();
        waitPolls(backend, 10); // warm-up: JIT
        long polls0 = backend.polls();
        long cpu0 = pollThreadCpu(threads);
        long proc0 = os.getProcessCpuTime();
        long wall0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long polls = backend.polls() - polls0;
        long cpu = pollThreadCpu(threads) - cpu0;
        long proc = os.getProcessCpuTime() - proc0;
        long wall = System.nanoTime() - wall0;
        System.out.printf("back to back: %d polls in %.1f s; per poll: %.1f ms wall, %.1f ms CPU of the poll thread, "
                + "%.1f ms CPU of the process (GC and JIT included)%n", polls, wall / 1e9, wall / 1e6 / polls,
                cpu / 1e6 / polls, proc / 1e6 / polls);
        System.out.printf("per entry: %.2f µs CPU%n", cpu / 1e3 / polls / entries);
        d.dispose();

        // Phase 2: the default interval (1 s): the process's CPU share while nothing changes
        FileWatcher calm = FileWatcher.builder().root(tree).backend(Backend.POLLING).build();
        d = calm.events().subscribe(e -> events.incrementAndGet());
        calm.ready().block(Duration.ofMinutes(2));
        waitPolls(backend, backend.polls() + 3);
        polls0 = backend.polls();
        proc0 = os.getProcessCpuTime();
        wall0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        polls = backend.polls() - polls0;
        proc = os.getProcessCpuTime() - proc0;
        wall = System.nanoTime() - wall0;
        System.out.printf("1 s interval: %d polls in %.1f s, process CPU %.1f %% of one core%n", polls, wall / 1e9,
                100.0 * proc / wall);
        d.dispose();
        System.out.println("events delivered (the tree did not change: expected 0): " + events.get());
    }

    private static void waitPolls(PollingBackend backend, long atLeast) throws InterruptedException {
        long until = backend.polls() + atLeast;
        while (backend.polls() < until) {
            Thread.sleep(50);
        }
    }

    private static long pollThreadCpu(ThreadMXBean threads) {
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("vigil-poll-")) {
                long c = threads.getThreadCpuTime(t.getId());
                sum += Math.max(0, c);
            }
        }
        return sum;
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    /** Creates the tree unless it is complete; returns its number of entries. */
    static long generate(Path tree) throws IOException {
        Path done = tree.resolveSibling(tree.getFileName() + ".done");
        if (!Files.exists(done)) {
            Files.createDirectories(tree);
            for (int p = 0; p < 10; p++) {
                for (int s = 0; s < 100; s++) {
                    Path dir = Files.createDirectories(tree.resolve("p" + p).resolve("d" + s));
                    for (int f = 0; f < 99; f++) {
                        Files.writeString(dir.resolve("f" + f + ".txt"), "x");
                    }
                }
            }
            Files.createFile(done);
        }
        try (var all = Files.walk(tree)) {
            return all.count() - 1;
        }
    }
}
