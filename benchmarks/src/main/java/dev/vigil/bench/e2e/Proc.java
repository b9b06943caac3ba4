package dev.vigil.bench.e2e;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads a process's CPU time and memory from /proc (Linux). */
final class Proc {
    private Proc() {
    }

    /** Clock ticks per second ({@code getconf CLK_TCK}); 100 on every Linux of interest. */
    static final long TICKS = clockTicks();

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return Long.parseLong(s);
        } catch (Exception e) {
            return 100;
        }
    }

    /** utime+stime of the process (all its threads, living and dead), in clock ticks. */
    static long cpuTicks(long pid) {
        return ticksOf(Path.of("/proc", Long.toString(pid), "stat"));
    }

    private static long ticksOf(Path stat) {
        try {
            String s = Files.readString(stat);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ": f[0] is field 3 (state); utime is field 14, stime field 15
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static double seconds(long ticks) {
        return ticks / (double) TICKS;
    }

    /** A field of /proc/PID/status in KiB (VmRSS, VmHWM...), or -1. */
    static long statusKb(long pid, String field) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
            for (String l : lines) {
                if (l.startsWith(field + ":")) {
                    String v = l.substring(field.length() + 1).trim();
                    return Long.parseLong(v.substring(0, v.indexOf(' ')));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    /** Resets VmHWM to the current RSS (Linux 4.0+); returns whether that worked. */
    static boolean resetPeak(long pid) {
        try {
            Files.writeString(Path.of("/proc", Long.toString(pid), "clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * CPU nanoseconds per living thread, keyed by "name#tid", from /proc/PID/task/TID/schedstat (nanosecond
     * precision, unlike the 10 ms ticks of /proc/PID/stat; threads that ended are missing).
     */
    static Map<String, Long> threadNanos(long pid) {
        Map<String, Long> m = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : ds) {
                try {
                    String comm = Files.readString(t.resolve("comm")).trim();
                    String ss = Files.readString(t.resolve("schedstat")).trim();
                    m.put(comm + "#" + t.getFileName(), Long.parseLong(ss.substring(0, ss.indexOf(' '))));
                } catch (IOException | RuntimeException e) {
                    // thread ended
                }
            }
        } catch (IOException e) {
            // process ended
        }
        return m;
    }

    /**
     * Threads of the JVM runtime itself (names as in /proc, cut to 15 characters): what is left is the watcher
     * under test (its reader and timer threads, or the JDK's FileSystemWatcher and the peer's take() thread) and
     * the harness's main thread, which sleeps in a read of stdin.
     */
    static boolean jvmRuntime(String name) {
        String n = name.contains("#") ? name.substring(0, name.lastIndexOf('#')) : name;
        return n.startsWith("VM ") || n.startsWith("GC ") || n.startsWith("G1 ") || n.startsWith("C1 ") || n.startsWith("C2 ")
                || n.startsWith("Monitor Deflati") || n.startsWith("Signal Dispatch") || n.startsWith("Service Thread")
                || n.startsWith("Finalizer") || n.startsWith("Reference Handl") || n.startsWith("Common-Cleaner")
                || n.startsWith("Notification Th") || n.startsWith("Sweeper") || n.startsWith("Attach Listener");
    }

    /** Like {@link #diff} over the threads that are not {@link #jvmRuntime}. */
    static long diffNonRuntime(Map<String, Long> before, Map<String, Long> after) {
        long s = 0;
        for (Map.Entry<String, Long> e : after.entrySet()) {
            if (!jvmRuntime(e.getKey())) {
                s += e.getValue() - before.getOrDefault(e.getKey(), 0L);
            }
        }
        return s;
    }

    /** Sum of a {@link #threadNanos} snapshot. */
    static long sum(Map<String, Long> threads) {
        long s = 0;
        for (long v : threads.values()) {
            s += v;
        }
        return s;
    }

    /** CPU nanoseconds used between two {@link #threadNanos} snapshots by the threads alive at both. */
    static long diff(Map<String, Long> before, Map<String, Long> after) {
        long s = 0;
        for (Map.Entry<String, Long> e : after.entrySet()) {
            s += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return s;
    }

    /**
     * The threads that used CPU between two {@link #threadNanos} snapshots, grouped by name (tid stripped,
     * digits folded so "C2 CompilerThre#12" and "#13" add up), largest first: "name 0.12s, ...".
     */
    static String threadDiff(Map<String, Long> before, Map<String, Long> after, int top) {
        Map<String, Long> byName = new TreeMap<>();
        for (Map.Entry<String, Long> e : after.entrySet()) {
            long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            if (d > 0) {
                String name = e.getKey().substring(0, e.getKey().lastIndexOf('#')).replaceAll("[0-9]+", "N");
                byName.merge(name, d, Long::sum);
            }
        }
        StringBuilder b = new StringBuilder();
        byName.entrySet().stream().filter(e -> e.getValue() >= 1_000_000)
                .sorted((x, y) -> Long.compare(y.getValue(), x.getValue())).limit(top)
                .forEach(e -> b.append(b.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                        .append(String.format("%.3fs", e.getValue() / 1e9)));
        return b.length() == 0 ? "-" : b.toString();
    }
}
