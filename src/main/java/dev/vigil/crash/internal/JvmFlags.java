package dev.vigil.crash.internal;

import dev.vigil.crash.CrashReporterOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The HotSpot flags a supervised JVM gets: where to write its crash files, a JFR ring, OOM heap dumps, cores. */
public final class JvmFlags {
    /** The file the child's ring recording is dumped to on a clean JVM exit (shutdown hooks ran). */
    public static final String EXIT_RECORDING = "exit-recording.jfr";

    private JvmFlags() {
    }

    /** The flags for a child whose crash files go to {@code dir}. */
    public static List<String> flags(CrashReporterOptions options, Path dir, boolean coreDumps, String onError,
                                     boolean exitRecording) {
        List<String> f = new ArrayList<>();
        f.add("-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log"));
        if (options.heapDumps()) {
            f.add("-XX:+HeapDumpOnOutOfMemoryError");
            f.add("-XX:HeapDumpPath=" + dir);
        }
        if (options.flightRecorder()) {
            String rec = "-XX:StartFlightRecording=name=" + FlightRing.NAME + ",maxage="
                    + Math.max(1, options.recordingMaxAge().toSeconds()) + "s,maxsize=" + options.recordingMaxBytes();
            if (exitRecording) {
                rec += ",dumponexit=true,filename=" + dir.resolve(EXIT_RECORDING);
            }
            f.add(rec);
            f.add("-Xlog:jfr+startup=off");
        }
        f.add(coreDumps ? "-XX:+CreateCoredumpOnCrash" : "-XX:-CreateCoredumpOnCrash");
        if (onError != null) {
            f.add("-XX:OnError=" + onError);
        }
        return f;
    }

    /**
     * The flags as one {@code JAVA_TOOL_OPTIONS} value, which HotSpot splits at white space and in which both
     * {@code "} and {@code '} quote (they are removed; there is no escape character, so a backslash in a Windows path
     * stays as it is). A flag with white space or a quote is written as adjacent quoted runs that HotSpot joins into
     * one argument: {@code "..."} around runs without {@code "}, {@code '...'} around runs of {@code "}.
     */
    public static String toolOptions(List<String> flags) {
        StringBuilder sb = new StringBuilder();
        for (String flag : flags) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            quote(flag, sb);
        }
        return sb.toString();
    }

    private static void quote(String flag, StringBuilder sb) {
        if (flag.chars().noneMatch(c -> Character.isWhitespace(c) || c == '"' || c == '\'')) {
            sb.append(flag);
            return;
        }
        int i = 0;
        while (i < flag.length()) {
            boolean quotes = flag.charAt(i) == '"';
            int j = i;
            while (j < flag.length() && (flag.charAt(j) == '"') == quotes) {
                j++;
            }
            char q = quotes ? '\'' : '"';
            sb.append(q).append(flag, i, j).append(q);
            i = j;
        }
    }
}
