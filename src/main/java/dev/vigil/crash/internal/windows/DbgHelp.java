package dev.vigil.crash.internal.windows;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.win32.StdCallLibrary;
import com.sun.jna.win32.W32APIOptions;

/**
 * The part of {@code dbghelp.dll} that jna-platform does not map. Non-API. DbgHelp is single-threaded: callers
 * serialise every call (see {@link WindowsMinidumps}).
 */
public interface DbgHelp extends StdCallLibrary {

    /** Loaded on first use; only touched after {@link WindowsMinidumps#isAvailable()}. */
    DbgHelp INSTANCE = Native.load("dbghelp", DbgHelp.class, W32APIOptions.DEFAULT_OPTIONS);

    /**
     * {@code BOOL MiniDumpWriteDump(HANDLE hProcess, DWORD ProcessId, HANDLE hFile, MINIDUMP_TYPE DumpType,
     * PMINIDUMP_EXCEPTION_INFORMATION ExceptionParam, PMINIDUMP_USER_STREAM_INFORMATION UserStreamParam,
     * PMINIDUMP_CALLBACK_INFORMATION CallbackParam)}: writes a minidump of {@code hProcess} (opened with
     * {@code PROCESS_QUERY_INFORMATION | PROCESS_VM_READ}, plus {@code PROCESS_DUP_HANDLE} for handle data) to
     * {@code hFile}. On failure returns false and {@code GetLastError} holds an {@code HRESULT}.
     */
    boolean MiniDumpWriteDump(WinNT.HANDLE hProcess, int processId, WinNT.HANDLE hFile, int dumpType,
                              MinidumpExceptionInformation exceptionParam, Pointer userStreamParam,
                              Pointer callbackParam);
}
