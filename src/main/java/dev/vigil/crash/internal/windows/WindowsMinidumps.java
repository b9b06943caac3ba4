package dev.vigil.crash.internal.windows;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.Kernel32Util;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes Windows minidumps with {@code MiniDumpWriteDump}, of this process or another one. The probe is the only code
 * that decides whether DbgHelp may be touched; every call is serialised (DbgHelp is single-threaded).
 */
public final class WindowsMinidumps {
    private static final Object DBGHELP = new Object();
    private static final String UNAVAILABLE;

    static {
        String cause = null;
        if (!Platform.isWindows()) {
            cause = "MiniDumpWriteDump is Windows-only; on Linux use a thread dump, a flight recording or a heap dump "
                    + "of a live JVM, and the hs_err report (plus a core, if core dumps are enabled) of a dead one";
        } else {
            try {
                Native.getLastError();
                DbgHelp probe = DbgHelp.INSTANCE;
                if (probe == null) {
                    cause = "dbghelp.dll could not be loaded";
                }
            } catch (LinkageError e) {
                cause = "dbghelp.dll could not be loaded: " + e;
            }
        }
        UNAVAILABLE = cause;
    }

    private WindowsMinidumps() {
    }

    /** Whether minidumps can be written here. */
    public static boolean isAvailable() {
        return UNAVAILABLE == null;
    }

    /** Why not, or null when they can. */
    public static String unavailabilityCause() {
        return UNAVAILABLE;
    }

    /**
     * Writes a minidump of process {@code pid} of the given {@code MINIDUMP_TYPE} to the new file {@code target}, with
     * the error mode set so that no dialog can block the call ({@link ErrorDialogs}).
     *
     * @throws IOException naming the failed call ({@code OpenProcess}, {@code CreateFile}, {@code MiniDumpWriteDump},
     *                     {@code CloseHandle}), its subject, the system's message and the code
     */
    public static void write(long pid, Path target, int type) throws IOException {
        if (UNAVAILABLE != null) {
            throw new UnsupportedOperationException(UNAVAILABLE);
        }
        ErrorDialogs.suppressedWhile(() -> {
            writeUnattended(pid, target, type);
            return null;
        });
    }

    private static void writeUnattended(long pid, Path target, int type) throws IOException {
        Kernel32 k32 = Kernel32.INSTANCE;
        boolean self = pid == ProcessHandle.current().pid();
        WinNT.HANDLE process = self ? k32.GetCurrentProcess()
                : k32.OpenProcess(WinNT.PROCESS_QUERY_INFORMATION | WinNT.PROCESS_VM_READ | WinNT.PROCESS_DUP_HANDLE,
                        false, (int) pid);
        if (process == null) {
            throw failure("OpenProcess", "pid " + pid, Native.getLastError());
        }
        IOException failed = null;
        try {
            WinNT.HANDLE file = k32.CreateFile(target.toString(), WinNT.GENERIC_WRITE, 0, null, WinNT.CREATE_NEW,
                    WinNT.FILE_ATTRIBUTE_NORMAL, null);
            if (file == null || WinBase.INVALID_HANDLE_VALUE.equals(file)) {
                throw failure("CreateFile", target.toString(), Native.getLastError());
            }
            try {
                boolean ok;
                int error;
                synchronized (DBGHELP) {
                    ok = DbgHelp.INSTANCE.MiniDumpWriteDump(process, (int) pid, file, type, null, null, null);
                    error = ok ? 0 : Native.getLastError();
                }
                if (!ok) {
                    throw failure("MiniDumpWriteDump", "pid " + pid + " (type 0x" + Integer.toHexString(type) + ")",
                            error);
                }
            } finally {
                if (!k32.CloseHandle(file)) {
                    throw failure("CloseHandle", target.toString(), Native.getLastError());
                }
            }
        } catch (IOException e) {
            failed = e;
            throw e;
        } finally {
            if (!self && !k32.CloseHandle(process)) {
                IOException close = failure("CloseHandle", "the handle of pid " + pid, Native.getLastError());
                if (failed == null) {
                    throw close;
                }
                failed.addSuppressed(close);
            }
        }
    }

    private static IOException failure(String call, String subject, int code) {
        return new IOException(call + "(..) failed for " + subject + ": " + Kernel32Util.formatMessage(code).trim()
                + " (0x" + Integer.toHexString(code) + ")");
    }
}
