package dev.vigil.crash.internal;

import dev.vigil.crash.CrashEvent;
import dev.vigil.crash.DumpFile;
import java.util.Map;

/**
 * Classifies the death of a supervised JVM from its exit status and the files it left, following what HotSpot was
 * measured to do. On every OS an {@code hs_err} report means a native crash whatever the status (134 with core dumps
 * on, 1 with {@code -XX:-CreateCoredumpOnCrash}, always 1 on Windows), and an out-of-memory heap dump means
 * {@code OUT_OF_MEMORY}. Without such files the status is read by the OS's convention ({@link HostOs}): on POSIX,
 * 134 is {@code abort()} and {@code 128 + n} is signal {@code n}; on Windows, a status with the {@code NTSTATUS}
 * error severity ({@code 0xC0000000}) is the exception that ended the process.
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

    /** An {@code NTSTATUS} a Windows process may die of: its name, the kind of death and what it means. */
    private record NtStatus(String name, CrashEvent.Kind kind, String meaning) {
    }

    private static final Map<Integer, NtStatus> NTSTATUS = Map.ofEntries(
            nt(0xC0000005, "STATUS_ACCESS_VIOLATION", CrashEvent.Kind.NATIVE_CRASH, "an access violation"),
            nt(0xC0000006, "STATUS_IN_PAGE_ERROR", CrashEvent.Kind.NATIVE_CRASH, "a page that could not be read in"),
            nt(0xC000001D, "STATUS_ILLEGAL_INSTRUCTION", CrashEvent.Kind.NATIVE_CRASH, "an illegal instruction"),
            nt(0xC0000094, "STATUS_INTEGER_DIVIDE_BY_ZERO", CrashEvent.Kind.NATIVE_CRASH, "an integer division by zero"),
            nt(0xC0000096, "STATUS_PRIVILEGED_INSTRUCTION", CrashEvent.Kind.NATIVE_CRASH, "a privileged instruction"),
            nt(0xC00000FD, "STATUS_STACK_OVERFLOW", CrashEvent.Kind.NATIVE_CRASH, "a native stack overflow"),
            nt(0xC0000374, "STATUS_HEAP_CORRUPTION", CrashEvent.Kind.NATIVE_CRASH, "a corrupted native heap"),
            nt(0x80000003, "STATUS_BREAKPOINT", CrashEvent.Kind.NATIVE_CRASH, "a breakpoint with no debugger"),
            nt(0xC0000409, "STATUS_STACK_BUFFER_OVERRUN", CrashEvent.Kind.NATIVE_ABORT,
                    "a fail-fast exit: abort() in the C runtime, __fastfail or a /GS stack cookie check"),
            nt(0xC0000602, "STATUS_FAIL_FAST_EXCEPTION", CrashEvent.Kind.NATIVE_ABORT,
                    "a fail-fast exit (RaiseFailFastException)"),
            nt(0xC0000420, "STATUS_ASSERTION_FAILURE", CrashEvent.Kind.NATIVE_ABORT, "a failed native assertion"),
            nt(0xC000013A, "STATUS_CONTROL_C_EXIT", CrashEvent.Kind.KILLED,
                    "Ctrl-C, Ctrl-Break or the console being closed"),
            nt(0x40010004, "DBG_TERMINATE_PROCESS", CrashEvent.Kind.KILLED, "a debugger ending the process"),
            nt(0xC0000017, "STATUS_NO_MEMORY", CrashEvent.Kind.ABNORMAL_EXIT, "the system running out of memory"),
            nt(0xC0000135, "STATUS_DLL_NOT_FOUND", CrashEvent.Kind.ABNORMAL_EXIT,
                    "a DLL that could not be found at start"),
            nt(0xC0000142, "STATUS_DLL_INIT_FAILED", CrashEvent.Kind.ABNORMAL_EXIT,
                    "a DLL whose initialisation failed at start"));

    private static Map.Entry<Integer, NtStatus> nt(int code, String name, CrashEvent.Kind kind, String meaning) {
        return Map.entry(code, new NtStatus(name, kind, meaning));
    }

    private ExitClassifier() {
    }

    /** The name of signal {@code n}, or {@code signal n}. */
    public static String signalName(int n) {
        return SIGNALS.getOrDefault(n, "signal " + n);
    }

    /** The exit status as the running OS reports it: decimal on POSIX, {@code 0x} hex for Windows exception codes. */
    public static String describeStatus(HostOs os, int exit) {
        return os == HostOs.WINDOWS && (exit < 0 || NTSTATUS.containsKey(exit))
                ? "0x" + String.format("%08X", exit) : Integer.toString(exit);
    }

    /** The verdict by the running OS's convention, or null for a clean exit that left nothing. */
    public static Verdict classify(int exit, PostMortem.Claimed claimed) {
        return classify(HostOs.current(), exit, claimed);
    }

    /** The verdict by {@code os}'s convention, or null for a clean exit that left nothing. */
    public static Verdict classify(HostOs os, int exit, PostMortem.Claimed claimed) {
        if (claimed.first(DumpFile.Format.HS_ERR) != null) {
            return new Verdict(CrashEvent.Kind.NATIVE_CRASH, null);
        }
        if (claimed.first(DumpFile.Format.HEAP_DUMP) != null) {
            return new Verdict(CrashEvent.Kind.OUT_OF_MEMORY, "ran out of memory (exit status "
                    + describeStatus(os, exit) + ")");
        }
        if (exit == 0) {
            return null;
        }
        return os == HostOs.WINDOWS ? windows(exit) : posix(exit);
    }

    private static Verdict posix(int exit) {
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

    private static Verdict windows(int exit) {
        String status = describeStatus(HostOs.WINDOWS, exit);
        NtStatus known = NTSTATUS.get(exit);
        if (known != null) {
            String cause = switch (known.kind()) {
                case NATIVE_CRASH -> "died of " + known.name() + " (" + status + ", " + known.meaning()
                        + ") without an hs_err report";
                case NATIVE_ABORT -> "was aborted by " + known.name() + " (" + status + ", " + known.meaning()
                        + ") without an hs_err report: a fail-fast exit bypasses HotSpot's error reporting";
                case KILLED -> "was ended by " + known.name() + " (" + status + ", " + known.meaning() + ")";
                default -> "exited with " + known.name() + " (" + status + ", " + known.meaning() + ")";
            };
            return new Verdict(known.kind(), cause);
        }
        if ((exit & 0xC000_0000) == 0xC000_0000) {
            return new Verdict(CrashEvent.Kind.NATIVE_CRASH, "died of exception " + status
                    + " (an NTSTATUS error) without an hs_err report");
        }
        if (exit == 1) {
            return new Verdict(CrashEvent.Kind.ABNORMAL_EXIT, "exited with status 1 (also the status of a process "
                    + "ended by TerminateProcess, as Process.destroy() does on Windows)");
        }
        if (exit == 3) {
            return new Verdict(CrashEvent.Kind.ABNORMAL_EXIT, "exited with status 3 (also the status of abort() in "
                    + "a C runtime without fail-fast, as under Wine, and of -XX:+ExitOnOutOfMemoryError)");
        }
        return new Verdict(CrashEvent.Kind.ABNORMAL_EXIT, "exited with status " + status);
    }
}
