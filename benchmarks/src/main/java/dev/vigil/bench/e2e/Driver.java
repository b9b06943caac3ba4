package dev.vigil.bench.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * End-to-end benchmark driver: runs Vigil and the JDK {@code WatchService} peer, each in its own child JVM with
 * the same flags, on the same workloads, in alternating order over several rounds, and prints a Markdown table of
 * the medians with the ratio Vigil/JDK. Run with {@code --help} for the options.
 */
public final class Driver {

    // ---------------------------------------------------------------- configuration

    static final class Config {
        /**
         * tmpfs when there is one: on a shared machine, ext4 file creation cost swings 10x with the neighbours'
         * load (measured: the 50,000-file burst took 2.6 s to 47 s to write, almost all of it kernel time in the
         * writer), which would make the burst depend on them. The watchers see the same inotify events on both.
         */
        Path work = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm", "vigil-e2e")
                : Path.of(System.getProperty("java.io.tmpdir"), "vigil-e2e");
        int rounds = 5;
        List<String> peers = List.of("vigil", "jdk", "inotifywait", "none");
        List<String> phases = List.of("idle", "latency", "burst", "again");
        String inotifywait = "inotifywait";
        int againRuns = 5;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> jvmFlags = List.of("-Xss512k", "-XX:+UseSerialGC", "-Xmx256m");
        List<String> extraFlags = List.of();
        int treeTop = 100;
        int treeSub = 100;
        int treeFiles = 10;
        int idleSeconds = 10;
        int writes = 200;
        int warmupWrites = 20;
        int intervalMs = 20;
        int burstDirs = 100;
        int burstFilesPerDir = 500;
        Path out;

        static Config parse(String[] args) {
            Config c = new Config();
            boolean workGiven = false;
            boolean quick = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--work" -> {
                        c.work = Path.of(args[++i]);
                        workGiven = true;
                    }
                    case "--rounds" -> c.rounds = Integer.parseInt(args[++i]);
                    case "--peers" -> c.peers = List.of(args[++i].split(","));
                    case "--phases" -> c.phases = List.of(args[++i].split(","));
                    case "--java" -> c.java = args[++i];
                    case "--inotifywait" -> c.inotifywait = args[++i];
                    case "--jvm-flags" -> c.jvmFlags = split(args[++i]);
                    case "--extra-flags" -> c.extraFlags = split(args[++i]);
                    case "--tree" -> {
                        String[] d = args[++i].split("x");
                        c.treeTop = Integer.parseInt(d[0]);
                        c.treeSub = Integer.parseInt(d[1]);
                        c.treeFiles = Integer.parseInt(d[2]);
                    }
                    case "--idle" -> c.idleSeconds = Integer.parseInt(args[++i]);
                    case "--writes" -> c.writes = Integer.parseInt(args[++i]);
                    case "--warmup-writes" -> c.warmupWrites = Integer.parseInt(args[++i]);
                    case "--interval-ms" -> c.intervalMs = Integer.parseInt(args[++i]);
                    case "--burst" -> {
                        String[] d = args[++i].split("x");
                        c.burstDirs = Integer.parseInt(d[0]);
                        c.burstFilesPerDir = Integer.parseInt(d[1]);
                    }
                    case "--out" -> c.out = Path.of(args[++i]);
                    case "--quick" -> {
                        quick = true;
                        c.rounds = 1;
                        c.treeTop = 10;
                        c.treeSub = 10;
                        c.treeFiles = 10;
                        c.idleSeconds = 2;
                        c.writes = 50;
                        c.warmupWrites = 5;
                        c.burstDirs = 10;
                        c.burstFilesPerDir = 100;
                    }
                    case "--help", "-h" -> {
                        System.out.println(HELP);
                        System.exit(0);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a + "\n" + HELP);
                }
            }
            if (quick && !workGiven) {
                c.work = c.work.resolveSibling(c.work.getFileName() + "-quick"); // keep the big tree
            }
            return c;
        }

        private static List<String> split(String s) {
            return s.isBlank() ? List.of() : List.of(s.trim().split("\\s+"));
        }

        int expectedBurstFiles() {
            return burstDirs * burstFilesPerDir;
        }
    }

    static final String HELP = """
            java -jar vigil-benchmarks.jar [options]
              --work DIR            work directory (tree, logs); default /dev/shm/vigil-e2e (tmpfs), else $TMPDIR/vigil-e2e
              --rounds N            rounds; each runs every peer once, order alternating (default 5)
              --peers a,b           peers to run: vigil,jdk,inotifywait,none (default all four; "none" watches
                                    nothing: the JVM floor, measured for startup and idle only)
              --phases a,b          workloads after startup: idle,latency,burst,again (default all; "again",
                                    always last: a second watcher started 5 times in the running JVM, Java peers only)
              --java PATH           java launcher for the children (default: the driver's)
              --inotifywait PATH    inotifywait (inotify-tools) for the native peer (default: on PATH)
              --jvm-flags "..."     flags for the Java children (default "-Xss512k -XX:+UseSerialGC -Xmx256m";
                                    "" for the JVM's defaults)
              --extra-flags "..."   more flags for both children (e.g. profiling)
              --tree TxSxF          tree: T top dirs x S subdirs x F files (default 100x100x10)
              --idle S              idle window in seconds (default 10)
              --writes N            measured latency writes (default 200); --warmup-writes N (default 20)
              --interval-ms MS      spacing of latency writes (default 20)
              --burst DxF           burst: D new dirs x F files each (default 100x500)
              --out FILE            also write the Markdown report there
              --quick               tiny sizes, one round, own work directory (smoke test)
            """;

    // ---------------------------------------------------------------- results

    /** Metrics of one run of one peer; NaN = not measured (failed). */
    static final class Run {
        final String peer;
        final int round;
        final Map<String, Double> m = new LinkedHashMap<>();
        final Map<String, String> notes = new LinkedHashMap<>();
        String failure;

        Run(String peer, int round) {
            this.peer = peer;
            this.round = round;
        }

        double get(String k) {
            return m.getOrDefault(k, Double.NaN);
        }
    }

    private final Config cfg;
    private final Path tree;
    private final Path logs;

    private Driver(Config cfg) throws IOException {
        this.cfg = cfg;
        Files.createDirectories(cfg.work);
        this.tree = cfg.work.toRealPath().resolve("tree");
        this.logs = cfg.work.toRealPath().resolve("logs");
        Files.createDirectories(logs);
    }

    public static void main(String[] args) throws Exception {
        Config cfg = Config.parse(args);
        new Driver(cfg).run();
    }

    private void run() throws Exception {
        long t0 = System.nanoTime();
        prepareTree();
        warmUp();
        List<Run> runs = new ArrayList<>();
        for (int r = 1; r <= cfg.rounds; r++) {
            List<String> order = new ArrayList<>(cfg.peers);
            if (r % 2 == 0) {
                java.util.Collections.reverse(order);
            }
            for (String peer : order) {
                log("round " + r + "/" + cfg.rounds + ": " + peer);
                Run run = new Run(peer, r);
                try {
                    runPeer(run);
                } catch (Exception e) {
                    run.failure = String.valueOf(e.getMessage());
                    log("  " + peer + " FAILED: " + run.failure);
                }
                runs.add(run);
            }
        }
        String report = Report.render(cfg, runs, machine(), (System.nanoTime() - t0) / 1e9);
        System.out.println(report);
        if (cfg.out != null) {
            Files.createDirectories(cfg.out.toAbsolutePath().getParent());
            Files.writeString(cfg.out, report);
            log("report written to " + cfg.out);
        }
    }

    /**
     * Starts and stops each peer once, unmeasured: the first JVM after a build otherwise pays for cold jar pages
     * and the driver's own JIT work, which would fall on whichever peer happens to go first.
     */
    private void warmUp() throws Exception {
        for (String peer : cfg.peers) {
            ChildProc c = spawn(peer, logs.resolve(peer + "-warmup.stderr.log"));
            try {
                c.await("READY", 180_000);
            } catch (IOException e) {
                log("  warm-up of " + peer + " failed: " + e.getMessage());
            } finally {
                c.close();
            }
        }
        log("warm-up starts done (" + String.join(", ", cfg.peers) + ")");
    }

    static void log(String s) {
        System.err.println("[e2e " + LocalDateTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")) + "] " + s);
    }

    // ---------------------------------------------------------------- the tree

    private void prepareTree() throws IOException {
        String dims = cfg.treeTop + "x" + cfg.treeSub + "x" + cfg.treeFiles;
        Path marker = cfg.work.resolve("tree.done");
        if (Files.exists(marker) && Files.readString(marker).trim().equals(dims) && Files.isDirectory(tree)) {
            log("reusing tree " + tree + " (" + dims + ")");
        } else {
            Files.deleteIfExists(marker);
            if (Files.exists(tree)) {
                log("deleting old tree " + tree);
                deleteTree(tree);
            }
            log("generating tree " + tree + " (" + dims + ")");
            long t = System.nanoTime();
            byte[] content = "x\n".getBytes(StandardCharsets.US_ASCII);
            Files.createDirectories(tree);
            for (int a = 0; a < cfg.treeTop; a++) {
                Path da = tree.resolve(String.format("d%02d", a));
                Files.createDirectory(da);
                for (int b = 0; b < cfg.treeSub; b++) {
                    Path db = da.resolve(String.format("s%02d", b));
                    Files.createDirectory(db);
                    for (int f = 0; f < cfg.treeFiles; f++) {
                        Files.write(db.resolve("f" + f + ".txt"), content);
                    }
                }
            }
            Files.writeString(marker, dims);
            log(String.format("  generated in %.1f s", (System.nanoTime() - t) / 1e9));
        }
        // leftovers of an interrupted run
        try (var ds = Files.newDirectoryStream(tree, "burst-*")) {
            for (Path p : ds) {
                deleteTree(p);
            }
        }
        // warm the dentry/inode caches the same way for everybody
        long t = System.nanoTime();
        long[] n = new long[2];
        Files.walkFileTree(tree, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                n[0]++;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                n[1]++;
                return FileVisitResult.CONTINUE;
            }
        });
        log(String.format("tree: %d directories, %d files (walked in %.2f s)", n[0], n[1], (System.nanoTime() - t) / 1e9));
    }

    static void deleteTree(Path top) throws IOException {
        if (!Files.exists(top)) {
            return;
        }
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    // ---------------------------------------------------------------- one peer, all workloads

    private ChildProc spawn(String peer, Path errLog) throws IOException {
        List<String> cmd = childCommand(peer);
        return peer.equals("inotifywait") ? ChildProc.spawnTool(peer, cmd, errLog) : ChildProc.spawn(peer, cmd, errLog);
    }

    private List<String> childCommand(String peer) {
        if (peer.equals("inotifywait")) {
            // its best configuration for this job: monitor, recursive, only the events the Java peers watch
            return List.of(cfg.inotifywait, "-m", "-r", "-e", "create,modify,delete,move", "--format", "%e %w%f",
                    tree.toString());
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(cfg.java);
        cmd.addAll(cfg.jvmFlags);
        cmd.addAll(cfg.extraFlags);
        cmd.add("-cp");
        cmd.add(selfJar());
        cmd.add(Child.class.getName());
        cmd.add(peer);
        cmd.add(tree.toString());
        return cmd;
    }

    /** This jar: its manifest Class-Path brings the library and its dependencies, the same for both peers. */
    static String selfJar() {
        try {
            return Path.of(Driver.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private void runPeer(Run run) throws Exception {
        String peer = run.peer;
        List<String> cmd = childCommand(peer);
        if (run.round == 1) {
            log("  command: " + String.join(" ", cmd));
        }
        Path errLog = logs.resolve(peer + "-r" + run.round + ".stderr.log");
        ChildProc c = spawn(peer, errLog);
        Path burstRoot = tree.resolve("burst-" + peer + "-r" + run.round);
        try {
            startup(run, c);
            clockCheck(run, c);
            if (cfg.phases.contains("idle")) {
                idle(run, c);
            }
            if (!peer.equals("none") && cfg.phases.contains("latency")) {
                latency(run, c);
            }
            if (!peer.equals("none") && cfg.phases.contains("burst")) {
                burst(run, c, burstRoot);
            }
            // last: its watchers' heap would otherwise count in the burst's peak RSS
            if (isJava(peer) && !peer.equals("none") && cfg.phases.contains("again")) {
                again(run, c);
            }
            synchronized (c.errors) {
                if (!c.errors.isEmpty()) {
                    run.notes.put("errors", String.join(" | ", c.errors));
                }
            }
        } finally {
            c.close();
            deleteTree(burstRoot);
        }
    }

    private static double mib(long kb) {
        return kb < 0 ? Double.NaN : kb / 1024.0;
    }

    private void startup(Run run, ChildProc c) throws Exception {
        String ready = c.await("READY", 180_000);
        long[] f = longs(ready);
        long readyNanos = f[0];
        long mainNanos = f[1];
        long callNanos = f[2];
        long pid = c.pid;
        // read right away: this is the state at ready (the child is idle now)
        run.m.put("rss.ready", mib(Proc.statusKb(pid, "VmRSS")));
        run.m.put("hwm.ready", mib(Proc.statusKb(pid, "VmHWM")));
        run.m.put("cpu.ready", Proc.seconds(Proc.cpuTicks(pid)));
        run.notes.put("threads.startup", Proc.threadDiff(Map.of(), Proc.threadNanos(pid), 6));
        // the driver's reading of the readiness line: the same stamp for every peer
        run.m.put("start.total", (c.readyReceived - c.spawnNanos) / 1e6);
        if (mainNanos != 0) { // a Java child: where its startup went, on its own stamps
            run.m.put("start.jvm", (mainNanos - c.spawnNanos) / 1e6);
            run.m.put("start.main", (callNanos - mainNanos) / 1e6);
            run.m.put("start.call", (readyNanos - callNanos) / 1e6);
        }
        log(String.format("  ready: spawn->ready %.0f ms (JVM %.0f, main %.0f, watch call %.0f), RSS %.1f MiB",
                run.get("start.total"), run.get("start.jvm"), run.get("start.main"), run.get("start.call"),
                run.get("rss.ready")));
    }

    static boolean isJava(String peer) {
        return !peer.equals("inotifywait");
    }

    /** A second watcher of the same tree started, made ready and stopped in the running child JVM, several times. */
    private void again(Run run, ChildProc c) throws Exception {
        double[] ms = new double[cfg.againRuns];
        for (int i = 0; i < ms.length; i++) {
            long n = longs(c.call("AGAIN", "AGAIN", 300_000))[0];
            if (n < 0) {
                return;
            }
            ms[i] = n / 1e6;
        }
        run.notes.put("again", Arrays.toString(ms));
        run.m.put("again.first", ms.length == 0 ? Double.NaN : ms[0]);
        Arrays.sort(ms);
        run.m.put("again.median", percentile(ms, 50));
        log("  again: second watcher in the running JVM, start->ready " + run.notes.get("again") + " ms");
    }

    /**
     * Checks that the child's {@code System.nanoTime()} is on the driver's clock: for each PING the child's stamp
     * must lie between the driver's stamps before sending and after receiving.
     */
    private void clockCheck(Run run, ChildProc c) throws Exception {
        int bad = 0;
        long maxRtt = 0;
        for (int i = 0; i < 20; i++) {
            long a = System.nanoTime();
            long n = longs(c.call("PING", "PONG", 10_000))[0];
            long b = System.nanoTime();
            if (n < a || n > b) {
                bad++;
            }
            maxRtt = Math.max(maxRtt, b - a);
        }
        run.m.put("clock.bad", (double) bad);
        run.m.put("clock.rttUs", maxRtt / 1e3);
        if (bad > 0) {
            log("  WARNING: " + bad + "/20 clock checks out of order: cross-process nanoTime not comparable");
        }
    }

    private void idle(Run run, ChildProc c) throws Exception {
        long pid = c.pid;
        long t0 = Proc.cpuTicks(pid);
        Map<String, Long> th0 = Proc.threadNanos(pid);
        Thread.sleep(1000);
        long t1 = Proc.cpuTicks(pid);
        Map<String, Long> th1 = Proc.threadNanos(pid);
        Thread.sleep(cfg.idleSeconds * 1000L);
        long t2 = Proc.cpuTicks(pid);
        Map<String, Long> th2 = Proc.threadNanos(pid);
        run.m.put("cpu.settle", Proc.seconds(t1 - t0));
        run.m.put("cpu.idle", Proc.seconds(t2 - t1));
        run.m.put("cpu.idleMs", Proc.diff(th1, th2) / 1e6);
        run.m.put("cpu.idleWatcherMs", Proc.diffNonRuntime(th1, th2) / 1e6);
        run.m.put("rss.idle", mib(Proc.statusKb(pid, "VmRSS")));
        run.notes.put("threads.settle", Proc.threadDiff(th0, th1, 4));
        run.notes.put("threads.idle", Proc.threadDiff(th1, th2, 4));
        log(String.format("  idle: %.2f CPU s over %d s (%.1f ms by schedstat, %.2f ms outside JVM runtime"
                        + " threads; %.2f s in the 1 s after ready); threads: %s", run.get("cpu.idle"), cfg.idleSeconds,
                run.get("cpu.idleMs"), run.get("cpu.idleWatcherMs"), run.get("cpu.settle"),
                run.notes.get("threads.idle")));
    }

    private Path latencyFile(int i, boolean warmup) {
        // distinct files spread over the tree: (top, sub) pairs never repeat within a run
        int top = i % cfg.treeTop;
        int sub = warmup ? cfg.treeSub - 1 : (i / cfg.treeTop) % Math.max(1, cfg.treeSub - 1);
        return tree.resolve(String.format("d%02d", top)).resolve(String.format("s%02d", sub))
                .resolve("f" + (i % cfg.treeFiles) + ".txt");
    }

    private void latency(Run run, ChildProc c) throws Exception {
        byte[] line = "y\n".getBytes(StandardCharsets.US_ASCII);
        c.call("PRINT 1", "OK", 10_000);
        Map<String, Long> th0 = Proc.threadNanos(c.pid);
        int n = cfg.writes;
        int w = cfg.warmupWrites;
        String[] paths = new String[n];
        long[] at = new long[n];
        long interval = TimeUnit.MILLISECONDS.toNanos(cfg.intervalMs);
        long next = System.nanoTime();
        for (int i = -w; i < n; i++) {
            LockSupport.parkNanos(next - System.nanoTime());
            while (System.nanoTime() < next) {
                Thread.onSpinWait();
            }
            next += interval;
            Path p = latencyFile(i < 0 ? i + w : i, i < 0);
            long t = System.nanoTime();
            Files.write(p, line, StandardOpenOption.APPEND);
            if (i >= 0) {
                paths[i] = p.toString();
                at[i] = t;
            }
        }
        // wait for the stragglers
        Map<String, Long> first = new HashMap<>();
        Map<String, Long> firstReceived = new HashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        int matched;
        do {
            Thread.sleep(50);
            first.clear();
            firstReceived.clear();
            for (ChildProc.Ev ev : c.events()) {
                first.merge(ev.path(), ev.nanos(), Math::min);
                firstReceived.merge(ev.path(), ev.received(), Math::min);
            }
            matched = 0;
            for (int i = 0; i < n; i++) {
                Long e = first.get(paths[i]);
                if (e != null && e >= at[i]) {
                    matched++;
                }
            }
        } while (matched < n && System.nanoTime() < deadline);
        Map<String, Long> th1 = Proc.threadNanos(c.pid);
        c.call("PRINT 0", "OK", 10_000);
        // CPU of the watcher's own threads per write (warm-up included): the work on the latency path
        run.m.put("lat.cpuPerWriteUs", Proc.diffNonRuntime(th0, th1) / 1e3 / (n + w));
        run.notes.put("threads.latency", Proc.threadDiff(th0, th1, 6));
        // on the driver's reading of the event line (the same stamp for every peer), and on the watcher's own
        double[] lat = latencies(firstReceived, paths, at);
        double[] own = latencies(first, paths, at);
        run.m.put("lat.delivered", (double) matched);
        run.m.put("lat.p50", percentile(lat, 50));
        run.m.put("lat.p99", percentile(lat, 99));
        run.m.put("lat.max", lat.length == 0 ? Double.NaN : lat[lat.length - 1]);
        if (isJava(run.peer)) {
            run.m.put("lat.own.p50", percentile(own, 50));
            run.m.put("lat.own.p99", percentile(own, 99));
        }
        c.clearEvents();
        log(String.format("  latency: %d/%d delivered, p50 %.3f ms, p99 %.3f ms, max %.3f ms (own stamps: p50 %.3f,"
                        + " p99 %.3f); watcher threads %.0f us CPU per write", matched, n, run.get("lat.p50"),
                run.get("lat.p99"), run.get("lat.max"), run.get("lat.own.p50"), run.get("lat.own.p99"),
                run.get("lat.cpuPerWriteUs")));
    }

    private static double[] latencies(Map<String, Long> first, String[] paths, long[] at) {
        double[] lat = new double[paths.length];
        int k = 0;
        for (int i = 0; i < paths.length; i++) {
            Long e = first.get(paths[i]);
            if (e != null && e >= at[i]) {
                lat[k++] = (e - at[i]) / 1e6;
            }
        }
        lat = Arrays.copyOf(lat, k);
        Arrays.sort(lat);
        return lat;
    }

    /** Nearest-rank percentile of a sorted array. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private void burst(Run run, ChildProc c, Path burstRoot) throws Exception {
        long pid = c.pid;
        c.call("RESET " + burstRoot, "OK", 10_000);
        boolean peakReset = Proc.resetPeak(pid);
        long cpu0 = Proc.cpuTicks(pid);
        Map<String, Long> th0 = Proc.threadNanos(pid);
        byte[] content = "z\n".getBytes(StandardCharsets.US_ASCII);
        int files = cfg.expectedBurstFiles();
        int dirs = cfg.burstDirs + 1;

        long first = System.nanoTime();
        Files.createDirectory(burstRoot);
        for (int d = 0; d < cfg.burstDirs; d++) {
            Path dir = Files.createDirectory(burstRoot.resolve(String.format("b%02d", d)));
            for (int f = 0; f < cfg.burstFilesPerDir; f++) {
                Files.write(dir.resolve(String.format("f%03d.txt", f)), content);
            }
        }
        long written = System.nanoTime();

        // wait until everything is seen and the child has gone quiet, or nothing moved for 5 s
        Map<String, Long> s = Map.of();
        long lastChange = System.nanoTime();
        long lastEvents = -1;
        long deadline = written + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            Thread.sleep(100);
            s = stats(c.call("STATS", "STATS", 30_000));
            long ev = s.get("events");
            long now = System.nanoTime();
            if (ev != lastEvents) {
                lastEvents = ev;
                lastChange = now;
            }
            boolean complete = s.get("distinct") - s.get("distinctDirs") >= files && s.get("distinctDirs") >= dirs;
            if (complete && now - lastChange > TimeUnit.MILLISECONDS.toNanos(1000)) {
                break;
            }
            if (now - lastChange > TimeUnit.SECONDS.toNanos(5)) {
                break;
            }
        }
        long cpu1 = Proc.cpuTicks(pid);
        Map<String, Long> th1 = Proc.threadNanos(pid);
        run.m.put("burst.files", (double) (s.get("distinct") - s.get("distinctDirs")));
        run.m.put("burst.dirs", (double) s.get("distinctDirs"));
        run.m.put("burst.events", (double) s.get("events"));
        run.m.put("burst.overflow", (double) s.get("overflow"));
        run.m.put("burst.write", (written - first) / 1e9);
        run.m.put("burst.span", s.get("last") == 0 ? Double.NaN : (s.get("last") - first) / 1e9);
        run.m.put("burst.cpu", Proc.seconds(cpu1 - cpu0));
        run.m.put("burst.hwm", mib(Proc.statusKb(pid, "VmHWM")));
        run.m.put("burst.rss", mib(Proc.statusKb(pid, "VmRSS")));
        run.notes.put("threads.burst", Proc.threadDiff(th0, th1, 6));
        if (!peakReset) {
            run.notes.put("hwm", "could not reset VmHWM: burst peak is the lifetime peak");
        }
        log(String.format("  burst: files %.0f/%d, dirs %.0f/%d, %.0f events (%.0f overflow), written in %.2f s,"
                        + " first write->last event %.2f s, CPU %.2f s, peak RSS %.1f MiB",
                run.get("burst.files"), files, run.get("burst.dirs"), dirs, run.get("burst.events"),
                run.get("burst.overflow"), run.get("burst.write"), run.get("burst.span"), run.get("burst.cpu"),
                run.get("burst.hwm")));
        log("  burst CPU by thread: " + run.notes.get("threads.burst"));
    }

    static Map<String, Long> stats(String line) {
        Map<String, Long> m = new HashMap<>();
        for (String kv : line.substring(6).split(" ")) {
            int eq = kv.indexOf('=');
            m.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
        }
        return m;
    }

    static long[] longs(String line) {
        String[] f = line.trim().split(" ");
        long[] r = new long[f.length - 1];
        for (int i = 1; i < f.length; i++) {
            r[i - 1] = Long.parseLong(f[i]);
        }
        return r;
    }

    // ---------------------------------------------------------------- the machine

    private Map<String, String> machine() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cores (nproc)", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("memory", firstLine("/proc/meminfo"));
        m.put("kernel", sh("uname", "-r"));
        m.put("child java", sh(cfg.java, "-version").lines().findFirst().orElse("?")
                + " (" + sh(cfg.java, "-version").lines().skip(1).findFirst().orElse("") + ")");
        m.put("child JVM flags", String.join(" ", cfg.jvmFlags) + (cfg.extraFlags.isEmpty() ? "" : " " + String.join(" ", cfg.extraFlags)));
        m.put("load average at end", firstLine("/proc/loadavg"));
        m.put("work directory", cfg.work + " (" + fsType(cfg.work) + ")");
        m.put("inotify max_queued_events", firstLine("/proc/sys/fs/inotify/max_queued_events"));
        return m;
    }

    private static String fsType(Path p) {
        try {
            return Files.getFileStore(p).type();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String firstLine(String file) {
        try {
            return Files.readAllLines(Path.of(file)).get(0).replaceAll("\\s+", " ");
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static String sh(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
