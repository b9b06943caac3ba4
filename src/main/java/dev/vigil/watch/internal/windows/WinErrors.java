package dev.vigil.watch.internal.windows;

import dev.vigil.watch.WatchException;
import dev.vigil.watch.WatchLimitException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Turns a Win32 error code into the exception the backend throws, naming the call, the path, the code and the OS's
 * own text ({@code FormatMessageW}): the single place where Windows failures are translated. Touches no native code
 * itself (the text comes from a function), so it is tested on any OS.
 */
final class WinErrors {

    static final int ERROR_INVALID_FUNCTION = 1;
    static final int ERROR_FILE_NOT_FOUND = 2;
    static final int ERROR_PATH_NOT_FOUND = 3;
    static final int ERROR_TOO_MANY_OPEN_FILES = 4;
    static final int ERROR_ACCESS_DENIED = 5;
    static final int ERROR_INVALID_HANDLE = 6;
    static final int ERROR_NOT_ENOUGH_MEMORY = 8;
    static final int ERROR_NOT_READY = 21;
    static final int ERROR_BAD_NETPATH = 53;
    static final int ERROR_NETNAME_DELETED = 64;
    static final int ERROR_BAD_NET_NAME = 67;
    static final int ERROR_INVALID_PARAMETER = 87;
    static final int ERROR_INSUFFICIENT_BUFFER = 122;
    static final int ERROR_INVALID_NAME = 123;
    static final int ERROR_DIRECTORY = 267;
    static final int WAIT_TIMEOUT = 258;
    static final int ERROR_NOT_SUPPORTED = 50;
    static final int ERROR_HANDLES_CLOSED = 676;
    static final int ERROR_NOTIFY_CLEANUP = 745;
    static final int ERROR_OPERATION_ABORTED = 995;
    static final int ERROR_NOTIFY_ENUM_DIR = 1022;
    static final int ERROR_NOT_FOUND = 1168;
    static final int ERROR_NO_SYSTEM_RESOURCES = 1450;
    static final int ERROR_NOT_ENOUGH_QUOTA = 1816;

    /** NTSTATUS values seen in {@code OVERLAPPED_ENTRY.Internal} for directory reads. */
    static final int STATUS_SUCCESS = 0;
    static final int STATUS_NOTIFY_CLEANUP = 0x10B;
    static final int STATUS_NOTIFY_ENUM_DIR = 0x10C;
    static final int STATUS_HANDLES_CLOSED = 0x8000000A;
    static final int STATUS_CANCELLED = 0xC0000120;
    static final int STATUS_ACCESS_DENIED = 0xC0000022;
    static final int STATUS_DELETE_PENDING = 0xC0000056;

    /** Symbolic names of the codes above, for messages. */
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(ERROR_INVALID_FUNCTION, "ERROR_INVALID_FUNCTION"),
            Map.entry(ERROR_FILE_NOT_FOUND, "ERROR_FILE_NOT_FOUND"),
            Map.entry(ERROR_PATH_NOT_FOUND, "ERROR_PATH_NOT_FOUND"),
            Map.entry(ERROR_TOO_MANY_OPEN_FILES, "ERROR_TOO_MANY_OPEN_FILES"),
            Map.entry(ERROR_ACCESS_DENIED, "ERROR_ACCESS_DENIED"),
            Map.entry(ERROR_INVALID_HANDLE, "ERROR_INVALID_HANDLE"),
            Map.entry(ERROR_NOT_ENOUGH_MEMORY, "ERROR_NOT_ENOUGH_MEMORY"),
            Map.entry(ERROR_NOT_READY, "ERROR_NOT_READY"),
            Map.entry(ERROR_NOT_SUPPORTED, "ERROR_NOT_SUPPORTED"),
            Map.entry(ERROR_BAD_NETPATH, "ERROR_BAD_NETPATH"),
            Map.entry(ERROR_NETNAME_DELETED, "ERROR_NETNAME_DELETED"),
            Map.entry(ERROR_BAD_NET_NAME, "ERROR_BAD_NET_NAME"),
            Map.entry(ERROR_INVALID_PARAMETER, "ERROR_INVALID_PARAMETER"),
            Map.entry(ERROR_INSUFFICIENT_BUFFER, "ERROR_INSUFFICIENT_BUFFER"),
            Map.entry(ERROR_INVALID_NAME, "ERROR_INVALID_NAME"),
            Map.entry(WAIT_TIMEOUT, "WAIT_TIMEOUT"),
            Map.entry(ERROR_DIRECTORY, "ERROR_DIRECTORY"),
            Map.entry(ERROR_HANDLES_CLOSED, "ERROR_HANDLES_CLOSED"),
            Map.entry(ERROR_NOTIFY_CLEANUP, "ERROR_NOTIFY_CLEANUP"),
            Map.entry(ERROR_OPERATION_ABORTED, "ERROR_OPERATION_ABORTED"),
            Map.entry(ERROR_NOTIFY_ENUM_DIR, "ERROR_NOTIFY_ENUM_DIR"),
            Map.entry(ERROR_NOT_FOUND, "ERROR_NOT_FOUND"),
            Map.entry(ERROR_NO_SYSTEM_RESOURCES, "ERROR_NO_SYSTEM_RESOURCES"),
            Map.entry(ERROR_NOT_ENOUGH_QUOTA, "ERROR_NOT_ENOUGH_QUOTA"));

    private final IntFunction<String> text;

    /** @param text the OS's text for a code ({@code FormatMessageW}), or {@code null} when it has none */
    WinErrors(IntFunction<String> text) {
        this.text = text;
    }

    /** E.g. {@code "Access is denied. (ERROR_ACCESS_DENIED 5)"}, or {@code "Win32 error 1234"} when nothing is known. */
    String describe(int code) {
        String name = NAMES.get(code);
        String os = text.apply(code);
        String id = (name == null ? "Win32 error " : name + " ") + code;
        return os == null || os.isBlank() ? id : os.strip() + " (" + id + ")";
    }

    /** A failed call with nothing more specific to say. */
    WatchException call(String call, Path path, int code) {
        return new WatchException(call + "(" + (path == null ? "" : path) + ") failed: " + describe(code), path, call,
                code, null);
    }

    /** Whether {@code code}, from a directory's read or its open, means the directory is gone. */
    static boolean gone(int code) {
        return code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND || code == ERROR_ACCESS_DENIED
                || code == ERROR_DIRECTORY || code == ERROR_NETNAME_DELETED;
    }

    /** What failing to watch {@code dir} with {@code e} means to the caller. */
    IOException watch(Path dir, Kernel.Win32Exception e) {
        String failed = e.call + "(" + dir + ") failed: " + describe(e.code);
        switch (e.code) {
            case ERROR_FILE_NOT_FOUND:
            case ERROR_PATH_NOT_FOUND:
            case ERROR_DIRECTORY:
            case ERROR_INVALID_NAME:
                NoSuchFileException missing = new NoSuchFileException(dir.toString(), null, failed);
                missing.initCause(e);
                return missing;
            case ERROR_ACCESS_DENIED:
                return new WatchException(failed + ": the process may not list this directory; grant it read access"
                        + " (FILE_LIST_DIRECTORY) or watch a directory it can read", dir, e.call, e.code, e);
            case ERROR_INVALID_FUNCTION:
            case ERROR_NOT_SUPPORTED:
                return new WatchException(failed + ": the file system of " + dir + " does not report changes (some"
                        + " network and virtual file systems do not); no polling backend exists yet to fall back to",
                        dir, e.call, e.code, e);
            case ERROR_INVALID_PARAMETER:
                return new WatchException(failed + ": the file system refused the request (network shares accept"
                        + " buffers of at most 64 KiB, and some servers refuse recursive watches)", dir, e.call,
                        e.code, e);
            case ERROR_TOO_MANY_OPEN_FILES:
            case ERROR_NO_SYSTEM_RESOURCES:
            case ERROR_NOT_ENOUGH_QUOTA:
            case ERROR_NOT_ENOUGH_MEMORY:
                return new WatchLimitException(failed + ": the system ran out of handles or of non-paged pool for"
                        + " pending reads; watch fewer roots, or close other watchers and handles", dir, e.call,
                        e.code, "handles and non-paged pool");
            default:
                return new WatchException(failed, dir, e.call, e.code, e);
        }
    }
}
