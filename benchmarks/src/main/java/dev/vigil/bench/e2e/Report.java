package dev.vigil.bench.e2e;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Renders the runs as Markdown: medians with ratios and targets, then every round, then per-thread CPU. */
final class Report {
    private Report() {
    }

    enum Agg { MEDIAN, MIN }

    /** Targets of issue #10: Vigil against {@code inotifywait} (IW) or an absolute bound. */
    enum Target { NONE, AT_MOST_IW, AT_MOST_MS_150, AT_MOST_MIB_60, AT_MOST_MIB_80, ZERO, ALL }

    record Row(String key, String label, int decimals, Agg agg, Target target) {
    }

    static final String[] PEERS = {"vigil", "jdk", "inotifywait", "none"};

    static List<Row> rows(Driver.Config c) {
        List<Row> r = new ArrayList<>();
        r.add(new Row("start.total", "Startup: spawn → ready, read by the driver (ms)", 0, Agg.MEDIAN, Target.AT_MOST_IW));
        r.add(new Row("start.total@floor", "  ↳ above the JVM floor (ms)", 0, Agg.MEDIAN, Target.NONE));
        r.add(new Row("start.jvm", "  ↳ JVM spawn → main() (ms)", 0, Agg.MEDIAN, Target.NONE));
        r.add(new Row("start.main", "  ↳ main() → watch call (ms)", 1, Agg.MEDIAN, Target.NONE));
        r.add(new Row("start.call", "  ↳ in-process: subscribe/register-all → ready (ms)", 0, Agg.MEDIAN, Target.NONE));
        r.add(new Row("again.median", "Startup of a second watcher in the running JVM, median of " + c.againRuns + " (ms)", 0,
                Agg.MEDIAN, Target.AT_MOST_MS_150));
        r.add(new Row("again.first", "  ↳ the first of them (ms)", 0, Agg.MEDIAN, Target.NONE));
        r.add(new Row("cpu.ready", "CPU used from spawn to ready (s)", 2, Agg.MEDIAN, Target.NONE));
        r.add(new Row("rss.ready", "RSS (VmRSS) at ready (MiB)", 1, Agg.MEDIAN, Target.AT_MOST_MIB_60));
        r.add(new Row("rss.ready@floor", "  ↳ above the JVM floor (MiB)", 1, Agg.MEDIAN, Target.NONE));
        r.add(new Row("rss.idle", "RSS after the idle window (MiB)", 1, Agg.MEDIAN, Target.NONE));
        r.add(new Row("lat.delivered", "Latency: writes seen (of " + c.writes + ", worst round)", 0, Agg.MIN, Target.ALL));
        r.add(new Row("lat.p50", "Latency p50, event line read by the driver (ms)", 3, Agg.MEDIAN, Target.NONE));
        r.add(new Row("lat.p99", "Latency p99, event line read by the driver (ms)", 3, Agg.MEDIAN, Target.AT_MOST_IW));
        r.add(new Row("lat.max", "Latency max, same stamps (ms)", 3, Agg.MEDIAN, Target.NONE));
        r.add(new Row("lat.own.p50", "  ↳ p50 on the watcher's own stamp in onNext/take (ms)", 3, Agg.MEDIAN, Target.NONE));
        r.add(new Row("lat.own.p99", "  ↳ p99 on the watcher's own stamp (ms)", 3, Agg.MEDIAN, Target.NONE));
        r.add(new Row("lat.cpuPerWriteUs", "Latency: watcher threads' CPU per write (µs)", 0, Agg.MEDIAN, Target.NONE));
        r.add(new Row("burst.files", "Burst: distinct files seen as created (of " + c.expectedBurstFiles() + ", worst round)", 0,
                Agg.MIN, Target.ALL));
        r.add(new Row("burst.dirs", "Burst: distinct dirs seen as created (of " + (c.burstDirs + 1) + ", worst round)", 0,
                Agg.MIN, Target.ALL));
        r.add(new Row("burst.events", "Burst: events delivered (all kinds)", 0, Agg.MEDIAN, Target.NONE));
        r.add(new Row("burst.overflow", "Burst: OVERFLOW events", 0, Agg.MEDIAN, Target.NONE));
        r.add(new Row("burst.write", "Burst: driver's write time (s)", 2, Agg.MEDIAN, Target.NONE));
        r.add(new Row("burst.span", "Burst: first write → last event (s)", 2, Agg.MEDIAN, Target.NONE));
        r.add(new Row("burst.cpu", "Burst: child CPU, utime+stime (s)", 2, Agg.MEDIAN, Target.AT_MOST_IW));
        r.add(new Row("burst.hwm", "Burst: peak RSS, VmHWM (MiB)", 1, Agg.MEDIAN, Target.AT_MOST_MIB_80));
        r.add(new Row("cpu.settle", "CPU in the 1 s after ready (s)", 2, Agg.MEDIAN, Target.NONE));
        r.add(new Row("cpu.idle", "Idle CPU over " + c.idleSeconds + " s, /proc ticks (s)", 2, Agg.MEDIAN, Target.NONE));
        r.add(new Row("cpu.idleMs", "  ↳ same window, all threads, schedstat ns precision (ms)", 1, Agg.MEDIAN, Target.NONE));
        r.add(new Row("cpu.idleWatcherMs", "  ↳ same window, watcher threads only (not JVM runtime threads) (ms)", 2,
                Agg.MEDIAN, Target.ZERO));
        r.add(new Row("clock.bad", "Clock check: PONG stamps out of order (of 20)", 0, Agg.MEDIAN, Target.NONE));
        return r;
    }

    static double aggregate(List<Driver.Run> runs, String peer, String key, Agg agg) {
        if (key.endsWith("@floor")) {
            String k = key.substring(0, key.length() - 6);
            return peer.equals("none") || !Driver.isJava(peer) ? Double.NaN
                    : aggregate(runs, peer, k, agg) - aggregate(runs, "none", k, agg);
        }
        double[] v = runs.stream().filter(r -> r.peer.equals(peer)).mapToDouble(r -> r.get(key))
                .filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        if (agg == Agg.MIN) {
            return v[0];
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static double ratio(double a, double b) {
        return (Double.isNaN(a) || Double.isNaN(b) || b == 0) ? Double.NaN : a / b;
    }

    static String render(Driver.Config c, List<Driver.Run> runs, Map<String, String> machine, double elapsed) {
        StringBuilder b = new StringBuilder();
        long rounds = runs.stream().mapToInt(r -> r.round).distinct().count();
        b.append("## Vigil vs JDK WatchService vs inotifywait, end to end (")
                .append(rounds == 1 ? "1 round" : "median of " + rounds + " rounds").append(")\n\n");
        b.append("Tree: ").append(c.treeTop * (1 + c.treeSub)).append(" directories, ")
                .append(c.treeTop * c.treeSub * c.treeFiles).append(" files. Java children's flags: ")
                .append(c.jvmFlags.isEmpty() ? "the JVM's defaults" : "`" + String.join(" ", c.jvmFlags) + "`")
                .append(". Latency: ").append(c.writes)
                .append(" appends ").append(c.intervalMs).append(" ms apart (after ").append(c.warmupWrites)
                .append(" unmeasured). Burst: ").append(c.burstDirs).append(" new dirs × ").append(c.burstFilesPerDir)
                .append(" files.\n\n");
        b.append("| metric | Vigil | JDK WatchService | inotifywait | JVM floor (no watcher) | Vigil/inotifywait | Vigil/JDK"
                + " | target (#10) | met? |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---|---|\n");
        for (Row row : rows(c)) {
            double v = aggregate(runs, "vigil", row.key, row.agg);
            double j = aggregate(runs, "jdk", row.key, row.agg);
            double w = aggregate(runs, "inotifywait", row.key, row.agg);
            double f = aggregate(runs, "none", row.key, row.agg);
            String target = "";
            String met = "";
            switch (row.target) {
                case AT_MOST_IW -> {
                    target = "≤ inotifywait";
                    met = verdict(ratio(v, w), ratio(v, w) <= 1.0);
                }
                case AT_MOST_MS_150 -> {
                    target = "≤ 150 ms";
                    met = verdict(v, v <= 150);
                }
                case AT_MOST_MIB_60 -> {
                    target = "≤ 60 MiB";
                    met = verdict(v, v <= 60);
                }
                case AT_MOST_MIB_80 -> {
                    target = "≤ 80 MiB";
                    met = verdict(v, v <= 80);
                }
                case ZERO -> {
                    target = "0";
                    met = verdict(v, v == 0);
                }
                case ALL -> {
                    double expected = row.key.equals("lat.delivered") ? c.writes
                            : row.key.equals("burst.files") ? c.expectedBurstFiles() : c.burstDirs + 1;
                    target = "all (" + (long) expected + ")";
                    met = verdict(v, v >= expected);
                    if (!Double.isNaN(j) && j < expected) {
                        met += " (JDK: no)";
                    }
                    if (!Double.isNaN(w) && w < expected) {
                        met += " (inotifywait: no)";
                    }
                }
                default -> {
                }
            }
            b.append("| ").append(row.label);
            for (String peer : PEERS) {
                double x = aggregate(runs, peer, row.key, row.agg);
                b.append(" | ").append(peer.equals("none") && Double.isNaN(x) ? "" : cell(runs, peer, x, row.decimals));
            }
            b.append(" | ").append(Driver.fmt(ratio(v, w), 2)).append(" | ").append(Driver.fmt(ratio(v, j), 2))
                    .append(" | ").append(target).append(" | ").append(met).append(" |\n");
        }

        b.append("\n### Every round\n\n| metric |");
        for (Driver.Run r : runs) {
            b.append(' ').append(r.peer).append(" r").append(r.round).append(" |");
        }
        b.append("\n|---|");
        b.append("---:|".repeat(runs.size()));
        b.append('\n');
        for (Row row : rows(c)) {
            if (row.key.endsWith("@floor")) {
                continue;
            }
            b.append("| ").append(row.label.trim()).append(" |");
            for (Driver.Run r : runs) {
                b.append(' ').append(r.failure != null && Double.isNaN(r.get(row.key)) ? "FAIL" : Driver.fmt(r.get(row.key), row.decimals)).append(" |");
            }
            b.append('\n');
        }

        b.append("\n### CPU by thread (per run)\n\n");
        for (Driver.Run r : runs) {
            b.append("- **").append(r.peer).append(" r").append(r.round).append("**");
            if (r.failure != null) {
                b.append(" FAILED: ").append(r.failure);
            }
            b.append('\n');
            for (Map.Entry<String, String> e : r.notes.entrySet()) {
                b.append("  - ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
            }
        }

        b.append("\n### Machine\n\n");
        for (Map.Entry<String, String> e : machine.entrySet()) {
            b.append("- ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        b.append(String.format("- whole run: %.0f s%n", elapsed));
        return b.toString();
    }

    private static String verdict(double v, boolean ok) {
        return Double.isNaN(v) ? "?" : ok ? "yes" : "**no**";
    }

    private static String cell(List<Driver.Run> runs, String peer, double v, int decimals) {
        if (!Double.isNaN(v)) {
            return Driver.fmt(v, decimals);
        }
        boolean failed = runs.stream().anyMatch(r -> r.peer.equals(peer) && r.failure != null);
        return failed ? "FAIL" : "n/a";
    }

    static String join(double[] a) {
        return Arrays.toString(a);
    }
}
