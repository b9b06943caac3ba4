package dev.vigil.bench.wine;

import com.sun.nio.file.ExtendedWatchEventModifier;
import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileWatcher;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;

/**
 * The Windows backend's figures under Wine, next to the JDK's Windows {@code WatchService} (registered once with
 * {@code FILE_TREE}, its best on Windows), each peer in a fresh Windows JVM per round.
 *
 * <ul>
 *   <li>Driver (a Linux JVM): {@code WineBench DRIVER_ROUNDS JAVA TREE} generates a tree of 10,000 entries (100
 *       directories of 99 files) once, runs {@code JAVA -cp <this jar> WineBench child <peer> TREE} for each peer
 *       and round (order alternating), and prints a Markdown table of the medians and the ratio Vigil/JDK.</li>
 *   <li>Child (the Windows JVM): measures startup (from building the watcher to ready: Vigil's {@code ready()}
 *       after {@code subscribe}; the JDK's {@code register} returning) and the write-to-event latency of 100
 *       files created one at a time (the next after the previous one's event), on one clock, and prints
 *       {@code RESULT key=value...}.</li>
 * </ul>
 */
public final class WineBench {

    private static final int DIRS = 100;
    private static final int FILES_PER_DIR = 99;
    private static final int SAMPLES = 100;

    private WineBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child(args[1], Path.of(args[2]).toAbsolutePath()); // under Wine, /tmp/x becomes Z:\tmp\x
        } else {
            driver(Integer.parseInt(args[0]), args[1], Path.of(args[2]));
        }
    }

    // ------------------------------------------------------------------------------------------------ driver

    private static void driver(int rounds, String java, Path tree) throws Exception {
        if (!Files.isDirectory(tree.resolve("d99"))) {
            for (int d = 0; d < DIRS; d++) {
                Path dir = Files.createDirectories(tree.resolve("d" + d));
                for (int f = 0; f < FILES_PER_DIR; f++) {
                    Files.writeString(dir.resolve("f" + f + ".txt"), "x");
                }
            }
        }
        String jar = Path.of(WineBench.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Map<String, Map<String, List<Double>>> all = new TreeMap<>();
        runChild(java, jar, "vigil", tree); // unmeasured: warms the Wine prefix and the disk cache
        for (int r = 0; r < rounds; r++) {
            List<String> order = r % 2 == 0 ? List.of("vigil", "jdk") : List.of("jdk", "vigil");
            for (String peer : order) {
                Map<String, Double> result = runChild(java, jar, peer, tree);
                System.err.println("round " + (r + 1) + " " + peer + " " + result);
                result.forEach((k, v) -> all.computeIfAbsent(k, x -> new TreeMap<>())
                        .computeIfAbsent(peer, x -> new ArrayList<>()).add(v));
            }
        }
        System.out.println("| metric (median of " + rounds + " rounds) | Vigil | JDK WatchService (FILE_TREE) | Vigil/JDK |");
        System.out.println("|---|---|---|---|");
        for (Map.Entry<String, Map<String, List<Double>>> m : all.entrySet()) {
            double v = median(m.getValue().get("vigil"));
            double j = median(m.getValue().get("jdk"));
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f |%n", m.getKey(), v, j, v / j);
        }
    }

    private static Map<String, Double> runChild(String java, String jar, String peer, Path tree) throws Exception {
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", jar, WineBench.class.getName(), "child", peer,
                tree.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Map<String, Double> result = new TreeMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("RESULT ")) {
                    for (String kv : line.substring(7).trim().split(" ")) {
                        String[] parts = kv.split("=");
                        result.put(parts[0], Double.parseDouble(parts[1]));
                    }
                }
            }
        }
        if (!p.waitFor(5, TimeUnit.MINUTES) || result.isEmpty()) {
            p.destroyForcibly();
            throw new IllegalStateException(peer + " child gave no result (exit " + p.exitValue() + ")");
        }
        return result;
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    // ------------------------------------------------------------------------------------------------ child

    private static void child(String peer, Path tree) throws Exception {
        BlockingQueue<String> created = new LinkedBlockingQueue<>();
        // In the root: under Wine, a recursive read reports changes in a subdirectory only once the process has
        // listed it (Vigil lists the tree to build its model; the JDK does not), so the JDK would see nothing there.
        Path lat = tree;
        long t0 = System.nanoTime();
        AutoCloseable stop;
        if (peer.equals("vigil")) {
            FileWatcher w = FileWatcher.builder().root(tree).build();
            Disposable d = w.events().subscribe(e -> {
                if (e.kind() == FileEvent.Kind.CREATED) {
                    created.add(e.path().getFileName().toString());
                }
            });
            w.ready().block(Duration.ofMinutes(2));
            stop = d::dispose;
        } else {
            WatchService ws = tree.getFileSystem().newWatchService();
            tree.register(ws, new WatchEvent.Kind<?>[] {StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY},
                    ExtendedWatchEventModifier.FILE_TREE);
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        WatchKey k = ws.take();
                        for (WatchEvent<?> e : k.pollEvents()) {
                            if (e.kind() == StandardWatchEventKinds.ENTRY_CREATE) {
                                created.add(((Path) e.context()).getFileName().toString());
                            }
                        }
                        k.reset();
                    }
                } catch (Exception e) {
                    // closed
                }
            }, "jdk-watch");
            t.setDaemon(true);
            t.start();
            stop = ws::close;
        }
        double startupMs = (System.nanoTime() - t0) / 1e6;
        double[] samples = new double[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            String name = "lat-" + i + ".txt";
            long w0 = System.nanoTime();
            Files.writeString(lat.resolve(name), "x");
            while (true) {
                String got = created.poll(10, TimeUnit.SECONDS);
                if (got == null) {
                    throw new IllegalStateException("no event for " + name);
                }
                if (got.equals(name)) {
                    break;
                }
            }
            samples[i] = (System.nanoTime() - w0) / 1e6;
        }
        stop.close();
        for (int i = 0; i < SAMPLES; i++) {
            Files.delete(lat.resolve("lat-" + i + ".txt"));
        }
        Arrays.sort(samples);
        System.out.printf(Locale.ROOT, "RESULT startup_ms=%.2f latency_p50_ms=%.3f latency_p90_ms=%.3f latency_max_ms=%.3f%n",
                startupMs, samples[SAMPLES / 2], samples[SAMPLES * 9 / 10], samples[SAMPLES - 1]);
        System.exit(0);
    }
}
