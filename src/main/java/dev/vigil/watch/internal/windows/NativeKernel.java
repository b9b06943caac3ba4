package dev.vigil.watch.internal.windows;

import com.sun.jna.Function;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.Kernel32Util;

/**
 * The real {@link Kernel}: JNA direct mappings of {@code kernel32} and {@code ntdll} that jna-platform lacks or maps
 * through structures ({@code ReadDirectoryChangesExW}, {@code CancelIoEx}, {@code GetQueuedCompletionStatusEx}). Strings
 * go in as NUL-terminated UTF-16 {@code char[]}; buffers and {@code OVERLAPPED}s as raw pointers, so that JNA never
 * copies a structure over memory the OS owns. Loading this class on another OS fails: {@link WindowsBackend} probes
 * the platform first.
 */
final class NativeKernel implements Kernel {

    static final NativeKernel INSTANCE = new NativeKernel();

    private static final long INVALID_HANDLE_VALUE = -1L;
    private static final int OPEN_EXISTING = 3;
    private static final int FILE_SHARE_ALL = 1 | 2 | 4;
    private static final int FILE_FLAG_BACKUP_SEMANTICS = 0x02000000;
    private static final int FILE_FLAG_OVERLAPPED = 0x40000000;
    private static final int INFINITE_MARKER = -1;
    /** {@code ReadDirectoryNotifyExtendedInformation}. */
    private static final int EXTENDED_CLASS = 2;

    /** {@code ReadDirectoryChangesExW}, or {@code null} where kernel32 lacks it. */
    private final Function readChangesEx;

    private NativeKernel() {
        Function f;
        try {
            f = NativeLibrary.getInstance("kernel32").getFunction("ReadDirectoryChangesExW");
        } catch (UnsatisfiedLinkError absent) {
            f = null;
        }
        readChangesEx = f;
    }

    @Override
    public long createPort() throws Win32Exception {
        long port = K32.CreateIoCompletionPort(INVALID_HANDLE_VALUE, 0, 0, 1);
        if (port == 0) {
            throw failed("CreateIoCompletionPort");
        }
        return port;
    }

    @Override
    public long openDirectory(String path) throws Win32Exception {
        long h = K32.CreateFileW(wide(path), FILE_LIST_DIRECTORY, FILE_SHARE_ALL, null, OPEN_EXISTING,
                FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OVERLAPPED, 0);
        if (h == INVALID_HANDLE_VALUE) {
            throw failed("CreateFileW");
        }
        return h;
    }

    @Override
    public void associate(long port, long handle, long key) throws Win32Exception {
        if (K32.CreateIoCompletionPort(handle, port, key, 0) == 0) {
            throw failed("CreateIoCompletionPort");
        }
    }

    @Override
    public void readChanges(long dir, Pointer buffer, int length, boolean subtree, int filter, Pointer overlapped,
            boolean extended) throws Win32Exception {
        if (extended) {
            int ok = readChangesEx.invokeInt(new Object[] {new Pointer(dir), buffer, length, subtree ? 1 : 0, filter,
                null, overlapped, null, EXTENDED_CLASS});
            if (ok == 0) {
                throw failed("ReadDirectoryChangesExW");
            }
        } else if (!K32.ReadDirectoryChangesW(dir, buffer, length, subtree, filter, null, overlapped, null)) {
            throw failed("ReadDirectoryChangesW");
        }
    }

    @Override
    public int dequeue(long port, Pointer entries, int max, int millis) throws Win32Exception {
        int[] removed = new int[1];
        if (!K32.GetQueuedCompletionStatusEx(port, entries, max, removed, millis < 0 ? INFINITE_MARKER : millis,
                false)) {
            int code = Native.getLastError();
            if (code == WinErrors.WAIT_TIMEOUT) {
                return 0;
            }
            throw new Win32Exception("GetQueuedCompletionStatusEx", code);
        }
        return removed[0];
    }

    @Override
    public void post(long port, long key) throws Win32Exception {
        if (!K32.PostQueuedCompletionStatus(port, 0, key, null)) {
            throw failed("PostQueuedCompletionStatus");
        }
    }

    @Override
    public void cancel(long handle, Pointer overlapped) throws Win32Exception {
        if (!K32.CancelIoEx(handle, overlapped)) {
            throw failed("CancelIoEx");
        }
    }

    @Override
    public void close(long handle) throws Win32Exception {
        if (!K32.CloseHandle(handle)) {
            throw failed("CloseHandle");
        }
    }

    @Override
    public int attributes(String path) throws Win32Exception {
        int a = K32.GetFileAttributesW(wide(path));
        if (a == INVALID_FILE_ATTRIBUTES) {
            throw failed("GetFileAttributesW");
        }
        return a;
    }

    @Override
    public int driveType(String rootPath) {
        return K32.GetDriveTypeW(wide(rootPath));
    }

    @Override
    public String longPathName(String path) throws Win32Exception {
        char[] in = wide(path);
        char[] out = new char[Math.max(in.length, 260) + 1];
        for (int attempt = 0; attempt < 3; attempt++) {
            int n = K32.GetLongPathNameW(in, out, out.length);
            if (n == 0) {
                throw failed("GetLongPathNameW");
            }
            if (n < out.length) {
                return new String(out, 0, n);
            }
            out = new char[n + 1]; // n is the size needed, NUL included
        }
        throw new Win32Exception("GetLongPathNameW", WinErrors.ERROR_INSUFFICIENT_BUFFER);
    }

    @Override
    public boolean extendedAvailable() {
        return readChangesEx != null;
    }

    @Override
    public int errorOf(int ntStatus) {
        return Ntdll.RtlNtStatusToDosError(ntStatus);
    }

    @Override
    public String message(int error) {
        try {
            return Kernel32Util.formatMessage(error).trim();
        } catch (RuntimeException e) { // no text for this code
            return null;
        }
    }

    private static Win32Exception failed(String call) {
        return new Win32Exception(call, Native.getLastError());
    }

    private static char[] wide(String s) {
        char[] c = new char[s.length() + 1];
        s.getChars(0, s.length(), c, 0);
        return c;
    }

    /** Direct mappings of kernel32 (JNA saves {@code GetLastError} after each call). */
    private static final class K32 {
        static {
            Native.register(NativeLibrary.getInstance("kernel32"));
        }

        static native long CreateIoCompletionPort(long file, long existingPort, long key, int threads);

        static native long CreateFileW(char[] name, int access, int share, Pointer security, int disposition,
                int flags, long template);

        static native boolean ReadDirectoryChangesW(long dir, Pointer buffer, int length, boolean subtree, int filter,
                Pointer bytesReturned, Pointer overlapped, Pointer routine);

        static native boolean GetQueuedCompletionStatusEx(long port, Pointer entries, int count, int[] removed,
                int millis, boolean alertable);

        static native boolean PostQueuedCompletionStatus(long port, int bytes, long key, Pointer overlapped);

        static native boolean CancelIoEx(long handle, Pointer overlapped);

        static native boolean CloseHandle(long handle);

        static native int GetFileAttributesW(char[] path);

        static native int GetLongPathNameW(char[] shortPath, char[] longPath, int length);

        static native int GetDriveTypeW(char[] rootPathName);
    }

    /** Direct mapping of ntdll. */
    private static final class Ntdll {
        static {
            Native.register(NativeLibrary.getInstance("ntdll"));
        }

        static native int RtlNtStatusToDosError(int status);
    }
}
