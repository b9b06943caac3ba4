package dev.vigil.crash.internal;

import dev.vigil.crash.CrashEvent;
import dev.vigil.crash.DumpFile;
import java.util.Map;

/**
 * Classifies the death of a supervised JVM from its exit status and the files it left, following what HotSpot was
 * measured to do: an {@code hs_err} report means a native crash whatever the status (134 with core dumps on, 1 with
 * {@code -XX:-CreateCoredumpOnCrash}, 1 on Windows); 134 without one is {@code abort()}; {@code 128 + n} is signal
 * {@code n}; a negative status is a Windows exception code.
 */
public final class ExitClassifier {

    /** A classification: the kind and what caused it, for the message. */
    public record Verdict(CrashEvent.Kind kind, String cause) {
    }

    private static final Map<Integer, String> SIGNALS = Map.ofEntries(
            Map.entry(1, "SIGHUP"), Map.entry(2, "SIGINT"), Map.entry(3, "SIGQUIT"), Map.entry(4, "SIGILL"),
            Map.entry(5, "SIGTRAP"), Map.entry(6, "SIGABRT"), Map.entry(7, "SIGBUS"), Map.entry(8, "SIGFPE"),
            Map.entry(9, "SIGKILL"), Map.entry(11, "SIGSEGV"), Map.entry(13, "SIGPIPE"), Map.entry(14, "SIGALRM"),
            Map.entry(15, "SIGTERM"), Map.entry(24, "SIGXCPU"), Map.entry(25, "SIGXFSZ"), Map.entry(31, "SIGSYS"));

    private ExitClassifier() {
    }

    /** The name of signal {@code n}, or {@code signal n}. */
    public static String signalName(int n) {
        return SIGNALS.getOrDefault(n, "signal " + n);
    }

    /** The verdict, or null for a clean exit that left nothing. */
    public static Verdict classify(int exit, PostMortem.Claimed claimed) {
        if (claimed.first(DumpFile.Format.HS_ERR) != null) {
            return new Verdict(CrashEvent.Kind.NATIVE_CRASH, null);
        }
        if (claimed.first(DumpFile.Format.HEAP_DUMP) != null) {
            return new Verdict(CrashEvent.Kind.OUT_OF_MEMORY, "ran out of memory (exit status " + exit + ")");
        }
        if (exit == 0) {
            return null;
        }
        if (exit < 0) {
            return new Verdict(CrashEvent.Kind.NATIVE_CRASH, "died of exception 0x" + Integer.toHexString(exit)
                    + " without an hs_err report");
        }
        if (exit > 128 && exit <= 128 + 64) {
            int signal = exit - 128;
            String name = signalName(signal);
            return switch (signal) {
                case 6 -> new Verdict(CrashEvent.Kind.NATIVE_ABORT, "was aborted (" + name + ", exit status " + exit
                        + ") without an hs_err report: abort() in native code bypasses HotSpot's error reporting");
                case 4, 7, 8, 11 -> new Verdict(CrashEvent.Kind.NATIVE_CRASH, "died of " + name + " (exit status "
                        + exit + ") without an hs_err report");
                case 9 -> new Verdict(CrashEvent.Kind.KILLED, "was killed by SIGKILL (exit status " + exit
                        + "), possibly by the kernel's OOM killer");
                default -> new Verdict(CrashEvent.Kind.KILLED, "was ended by " + name + " (exit status " + exit + ")");
            };
        }
        return new Verdict(CrashEvent.Kind.ABNORMAL_EXIT, "exited with status " + exit);
    }
}
