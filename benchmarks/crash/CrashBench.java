import dev.vigil.crash.CrashReporter;
import dev.vigil.crash.CrashReporterOptions;
import dev.vigil.crash.DumpFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Vigil crash reporter benchmark (not part of mvn verify). See README.md next to this file for the command.
 * Prints a Markdown table of medians.
 */
public final class CrashBench {

    static final Duration WAIT = Duration.ofMinutes(2);

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("vigil-crash-bench");
        System.out.println("java " + System.getProperty("java.vm.version") + ", " + Runtime.getRuntime().availableProcessors()
                + " cpus, max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
        List<String> parts = args.length == 0 ? List.of("overhead", "fatal", "costs") : List.of(args);
        if (parts.contains("overhead")) {
            overhead(dir);
        }
        if (parts.contains("fatal")) {
            fatalToDisk(dir);
        }
        if (parts.contains("costs")) {
            for (int threads : new int[] {50, 1000}) {
                dumpCosts(dir, threads);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ overhead

    static long sink;

    /** CPU-bound: SHA-256 over a 4 KiB buffer plus some string building, on the calling thread. */
    static long plainWorkload(int rounds) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[4096];
        long acc = 0;
        for (int i = 0; i < rounds; i++) {
            buf[i & 4095] = (byte) i;
            byte[] d = md.digest(buf);
            acc += d[0];
            if ((i & 63) == 0) {
                acc += (Integer.toString(i) + "-" + acc).hashCode();
            }
        }
        return acc;
    }

    /** The same work cut in small tasks run on Reactor's parallel scheduler (exercises the stall clock). */
    static long reactorWorkload(int tasks) {
        return Flux.range(0, tasks)
                .flatMap(i -> Mono.fromCallable(() -> plainWorkload(20)).subscribeOn(Schedulers.parallel()), 4)
                .reduce(0L, Long::sum)
                .block(WAIT);
    }

    static double time(ThrowingRunnable r) throws Exception {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    static final com.sun.management.OperatingSystemMXBean OS = (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /** CPU time of this whole process (all its threads, JFR's included) while {@code r} runs: immune to other load. */
    static double cpu(ThrowingRunnable r) throws Exception {
        long t0 = OS.getProcessCpuTime();
        r.run();
        return (OS.getProcessCpuTime() - t0) / 1e6;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    static void overhead(Path dir) throws Exception {
        CrashReporterOptions options = CrashReporterOptions.defaults().withName("bench")
                .withDumpDirectory(dir.resolve("overhead")).withPostMortemScan(false);
        int plainRounds = 1_000_000;
        int tasks = 50_000;
        for (int i = 0; i < 3; i++) { // warm-up
            sink += plainWorkload(plainRounds / 4);
            sink += reactorWorkload(tasks / 4);
        }
        List<Double> plainWithout = new ArrayList<>();
        List<Double> plainWith = new ArrayList<>();
        List<Double> reactorWithout = new ArrayList<>();
        List<Double> reactorWith = new ArrayList<>();
        for (int round = 0; round < 9; round++) {
            plainWithout.add(cpu(() -> sink += plainWorkload(plainRounds)));
            reactorWithout.add(cpu(() -> sink += reactorWorkload(tasks)));
            try (CrashReporter r = CrashReporter.install(options)) {
                // wait until the flight recording runs: its one-off start is paid at install, not measured here
                r.dump(DumpFile.Format.FLIGHT_RECORDING).block(WAIT);
                plainWith.add(cpu(() -> sink += plainWorkload(plainRounds)));
                reactorWith.add(cpu(() -> sink += reactorWorkload(tasks)));
            }
        }
        System.out.println();
        System.out.println("| steady-state workload, process CPU time (9 interleaved rounds) | without reporter: median (min) | with reporter, JFR ring + watchdog + stall clock: median (min) | ratio of medians (of mins) |");
        System.out.println("|---|---|---|---|");
        row("CPU-bound, one thread (SHA-256, 1M x 4 KiB)", plainWithout, plainWith);
        row("CPU-bound, 50k Reactor tasks on parallel()", reactorWithout, reactorWith);
    }

    static void row(String name, List<Double> without, List<Double> with) {
        double a = median(without);
        double b = median(with);
        double amin = without.stream().min(Comparator.naturalOrder()).orElseThrow();
        double bmin = with.stream().min(Comparator.naturalOrder()).orElseThrow();
        System.out.printf("| %s | %.1f ms (%.1f) | %.1f ms (%.1f) | %.3f (%.3f) |%n", name, a, amin, b, bmin, b / a,
                bmin / amin);
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a[a.length / 2];
    }

    // ------------------------------------------------------------------------------------------------ fatal

    static void fatalToDisk(Path dir) throws Exception {
        Path out = dir.resolve("fatal");
        List<Double> tdump = new ArrayList<>();
        List<Double> both = new ArrayList<>();
        for (boolean withJfr : new boolean[] {false, true}) {
            CrashReporterOptions options = CrashReporterOptions.defaults().withName("fatal").withDumpDirectory(out)
                    .withPostMortemScan(false).withDumpRateLimit(1000, Duration.ofMinutes(1))
                    .withEventRateLimit(1000, Duration.ofSeconds(1)).withRetention(1000, Long.MAX_VALUE)
                    .withAutomaticDumps(withJfr ? EnumSet.of(DumpFile.Format.THREAD_DUMP, DumpFile.Format.FLIGHT_RECORDING)
                            : EnumSet.of(DumpFile.Format.THREAD_DUMP));
            AtomicLong onDisk = new AtomicLong();
            Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
            Thread.setDefaultUncaughtExceptionHandler((t, e) -> onDisk.set(System.nanoTime()));
            try (CrashReporter r = CrashReporter.install(options)) {
                r.dump(DumpFile.Format.THREAD_DUMP).block(WAIT);
                if (withJfr) {
                    r.dump(DumpFile.Format.FLIGHT_RECORDING).block(WAIT);
                }
                for (int i = 0; i < 15; i++) {
                    long[] t0 = new long[1];
                    Thread t = new Thread(() -> {
                        t0[0] = System.nanoTime();
                        throw new IllegalStateException("bench");
                    });
                    t.start();
                    t.join();
                    double ms = (onDisk.get() - t0[0]) / 1e6;
                    if (i >= 3) {
                        (withJfr ? both : tdump).add(ms);
                    }
                }
            } finally {
                Thread.setDefaultUncaughtExceptionHandler(previous);
            }
        }
        System.out.println();
        System.out.println("| fatal uncaught exception -> dumps on disk, before the previous handler runs (median of 12) | time |");
        System.out.println("|---|---|");
        System.out.printf("| thread dump | %.1f ms |%n", median(tdump));
        System.out.printf("| thread dump + JFR snapshot | %.1f ms |%n", median(both));
    }

    // ------------------------------------------------------------------------------------------------ dump costs

    static void dumpCosts(Path dir, int extraThreads) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> parked = new ArrayList<>();
        for (int i = 0; i < extraThreads; i++) {
            Thread t = new Thread(() -> {
                try {
                    deep(20, release);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "bench-parked-" + i);
            t.setDaemon(true);
            t.start();
            parked.add(t);
        }
        CrashReporterOptions options = CrashReporterOptions.defaults().withName("cost")
                .withDumpDirectory(dir.resolve("cost-" + extraThreads)).withPostMortemScan(false)
                .withHeapDumps(true).withDumpRateLimit(1000, Duration.ofMinutes(1)).withRetention(1000, Long.MAX_VALUE);
        System.out.println();
        System.out.println("| dump kind, " + Thread.activeCount() + " live threads (" + extraThreads
                + " parked at depth ~20) | median | min | max | size |");
        System.out.println("|---|---|---|---|---|");
        try (CrashReporter r = CrashReporter.install(options)) {
            r.dump(DumpFile.Format.FLIGHT_RECORDING).block(WAIT);
            for (DumpFile.Format f : List.of(DumpFile.Format.THREAD_DUMP, DumpFile.Format.FLIGHT_RECORDING,
                    DumpFile.Format.HEAP_DUMP)) {
                List<Double> ms = new ArrayList<>();
                long size = 0;
                int reps = f == DumpFile.Format.HEAP_DUMP ? 5 : 12;
                for (int i = 0; i < reps; i++) {
                    long t0 = System.nanoTime();
                    DumpFile d = r.dump(f).block(WAIT);
                    double took = (System.nanoTime() - t0) / 1e6;
                    if (i >= 2) {
                        ms.add(took);
                    }
                    size = d.size();
                    Files.delete(d.path());
                }
                System.out.printf("| %s | %.1f ms | %.1f ms | %.1f ms | %s |%n", f, median(ms),
                        ms.stream().min(Comparator.naturalOrder()).orElseThrow(),
                        ms.stream().max(Comparator.naturalOrder()).orElseThrow(), human(size));
            }
        }
        release.countDown();
        for (Thread t : parked) {
            t.join();
        }
    }

    static void deep(int depth, CountDownLatch release) throws InterruptedException {
        if (depth == 0) {
            release.await();
        } else {
            deep(depth - 1, release);
        }
    }

    static String human(long bytes) {
        return bytes >= 1 << 20 ? String.format("%.1f MiB", bytes / 1048576.0) : String.format("%.0f KiB", bytes / 1024.0);
    }
}
