package dev.vigil.watch.internal.windows;

import com.sun.jna.Pointer;

/**
 * The Win32 calls of the Windows backend, one method per call: the seam between {@link IocpLoop} and the OS. The
 * real one is {@link NativeKernel}; tests drive the loop with a fake that completes reads from scripted bytes.
 *
 * <p>Handles are pointer-sized values held in a {@code long} (the backend runs on 64-bit Windows only). A failed
 * call throws {@link Win32Exception} with its {@code GetLastError} code; translating it for users is
 * {@link WinErrors}' job.
 */
interface Kernel {

    /** {@code GENERIC_READ}-free directory access for change notifications. */
    int FILE_LIST_DIRECTORY = 0x0001;
    int FILE_ATTRIBUTE_DIRECTORY = 0x10;
    int INVALID_FILE_ATTRIBUTES = -1;

    /** What every watch asks for: names, sizes, writes, attributes and creation times. */
    int NOTIFY_FILTER = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x40;
    /** What a root's parent is watched for: the root's own removal or rename. */
    int NOTIFY_DIR_NAME = 0x2;

    /** {@code CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1)}: a new port. */
    long createPort() throws Win32Exception;

    /**
     * {@code CreateFileW(path, FILE_LIST_DIRECTORY, FILE_SHARE_READ|WRITE|DELETE, NULL, OPEN_EXISTING,
     * FILE_FLAG_BACKUP_SEMANTICS|FILE_FLAG_OVERLAPPED, NULL)}: a directory handle for overlapped reads.
     */
    long openDirectory(String path) throws Win32Exception;

    /** {@code CreateIoCompletionPort(handle, port, key, 0)}: completions of {@code handle} go to {@code port}. */
    void associate(long port, long handle, long key) throws Win32Exception;

    /**
     * Issues one overlapped {@code ReadDirectoryChangesW}, or {@code ReadDirectoryChangesExW} with
     * {@code ReadDirectoryNotifyExtendedInformation} when {@code extended}. The buffer and the overlapped structure
     * belong to the OS until the completion for {@code overlapped} is dequeued.
     */
    void readChanges(long dir, Pointer buffer, int length, boolean subtree, int filter, Pointer overlapped,
            boolean extended) throws Win32Exception;

    /**
     * {@code GetQueuedCompletionStatusEx(port, entries, max, &removed, millis, FALSE)}: waits for completions and
     * writes up to {@code max} {@code OVERLAPPED_ENTRY} records (see {@link Layouts}). Returns how many were removed,
     * 0 on a timeout.
     */
    int dequeue(long port, Pointer entries, int max, int millis) throws Win32Exception;

    /** {@code PostQueuedCompletionStatus(port, 0, key, NULL)}. */
    void post(long port, long key) throws Win32Exception;

    /**
     * {@code CancelIoEx(handle, overlapped)}: the read completes with {@code STATUS_CANCELLED} (or already has:
     * {@code ERROR_NOT_FOUND}, 1168).
     */
    void cancel(long handle, Pointer overlapped) throws Win32Exception;

    /** {@code CloseHandle(handle)}. */
    void close(long handle) throws Win32Exception;

    /** {@code GetFileAttributesW(path)}. */
    int attributes(String path) throws Win32Exception;

    /** {@code GetDriveTypeW}: a network drive (remote file system). */
    int DRIVE_REMOTE = 4;

    /**
     * {@code GetDriveTypeW(rootPath)}: the kind of drive of a root directory ({@code C:\}, {@code \\server\share\});
     * {@code DRIVE_UNKNOWN} (0) or {@code DRIVE_NO_ROOT_DIR} (1) when it cannot tell. Never fails.
     */
    int driveType(String rootPath);

    /** {@code GetLongPathNameW(path)}: the path with 8.3 short names expanded. */
    String longPathName(String path) throws Win32Exception;

    /** Whether {@code ReadDirectoryChangesExW} exists (Windows 10 1709 and later; not Wine 8). */
    boolean extendedAvailable();

    /** {@code RtlNtStatusToDosError}: the Win32 error code of an {@code NTSTATUS}. */
    int errorOf(int ntStatus);

    /** {@code FormatMessageW}: the OS text of a Win32 error code, or {@code null}. */
    String message(int error);

    /** A failed Win32 call and its {@code GetLastError} code. */
    final class Win32Exception extends Exception {
        private static final long serialVersionUID = 1L;
        final String call;
        final int code;

        Win32Exception(String call, int code) {
            super(call + " failed: Win32 error " + code, null, false, false);
            this.call = call;
            this.code = code;
        }
    }
}
