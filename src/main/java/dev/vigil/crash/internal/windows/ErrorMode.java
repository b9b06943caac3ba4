package dev.vigil.crash.internal.windows;

import com.sun.jna.Native;
import com.sun.jna.win32.StdCallLibrary;
import com.sun.jna.win32.W32APIOptions;

/** {@code SetErrorMode}/{@code GetErrorMode} and their {@code SEM_*} flags, which jna-platform lacks. Non-API. */
public interface ErrorMode extends StdCallLibrary {
    /** {@code SEM_FAILCRITICALERRORS}: no critical-error message box; the error goes to the caller. */
    int SEM_FAILCRITICALERRORS = 0x0001;
    /** {@code SEM_NOGPFAULTERRORBOX}: no Windows Error Reporting dialog (and no WER report) on a fault. */
    int SEM_NOGPFAULTERRORBOX = 0x0002;
    /** {@code SEM_NOALIGNMENTFAULTEXCEPT}: fix alignment faults silently (ignored on x64). */
    int SEM_NOALIGNMENTFAULTEXCEPT = 0x0004;
    /** {@code SEM_NOOPENFILEERRORBOX}: no message box when {@code OpenFile} fails to find a file. */
    int SEM_NOOPENFILEERRORBOX = 0x8000;
    /** The flags a supervisor sets so that no dialog blocks an unattended child: the child inherits them. */
    int UNATTENDED = SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX;

    /** Loaded on first use; only touched on Windows. */
    ErrorMode INSTANCE = Native.load("kernel32", ErrorMode.class, W32APIOptions.DEFAULT_OPTIONS);

    /** {@code UINT SetErrorMode(UINT uMode)}: sets the process error mode, returns the previous one. */
    int SetErrorMode(int mode);

    /** {@code UINT GetErrorMode()}: the process error mode. */
    int GetErrorMode();
}
