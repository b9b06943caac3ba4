package dev.vigil.watch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A watch failed, or part of it could not be established. The message always names what failed, where,
 * and, where it applies, how to fix it.
 *
 * <p>When the failure comes from the operating system, {@link #call()} names the native call and
 * {@link #errorCode()} holds the OS's error code; the message carries the OS's own text.
 *
 * <h2>Platform differences</h2>
 * The error code is {@code errno} on Linux and macOS and {@code GetLastError()} on Windows. A Linux example:
 * {@code inotify_add_watch(/srv/data) failed: Permission denied (EACCES 13)}; a Windows one:
 * {@code CreateFileW(D:\data) failed: Access is denied. (ERROR_ACCESS_DENIED 5): ...}.
 */
public class WatchException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path path;
    private final String call;
    private final int errorCode;

    /**
     * @param message the full message
     * @param path the path concerned, or {@code null}
     * @param call the native call that failed, or {@code null}
     * @param errorCode the OS error code, or 0
     * @param cause the underlying failure, or {@code null}
     */
    public WatchException(String message, Path path, String call, int errorCode, Throwable cause) {
        super(message, cause);
        this.path = path;
        this.call = call;
        this.errorCode = errorCode;
    }

    /** The file or directory concerned, when there is one. */
    public Optional<Path> path() {
        return Optional.ofNullable(path);
    }

    /** The native call that failed, when the failure comes from the OS. */
    public Optional<String> call() {
        return Optional.ofNullable(call);
    }

    /** The OS error code ({@code errno} or {@code GetLastError()}), or 0 when there is none. */
    public int errorCode() {
        return errorCode;
    }
}
