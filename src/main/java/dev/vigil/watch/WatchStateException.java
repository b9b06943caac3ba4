package dev.vigil.watch;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A watcher's {@linkplain FileWatcher.Builder#stateFile(Path) state file} cannot be used or written. When reading
 * fails, the subscription fails with this error before any event (see {@link StateRecovery} for the alternative), and
 * the file is left as it is; {@link #path()} is the state file. The message names the file, what is wrong and how to
 * fix it.
 */
public final class WatchStateException extends WatchException {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the state file. */
    public enum Reason {
        /** No file at the path (and {@link StateRecovery#FAIL} asked for one). */
        MISSING,
        /** Not a state file, truncated, or its checksum does not match its content. */
        CORRUPT,
        /** Written by a version of Vigil whose format this one does not read. */
        UNSUPPORTED_VERSION,
        /** Saved for other roots, or other options that change what is reported (filters, recursion). */
        FOREIGN,
        /** Another session of this JVM uses the file. */
        IN_USE,
        /** Reading or writing it failed (permissions, disk full, ...); the cause says why. */
        IO_ERROR
    }

    private final Reason reason;

    /**
     * @param file the state file
     * @param reason what is wrong
     * @param message what is wrong in detail and how to fix it
     * @param cause the underlying failure, or {@code null}
     */
    public WatchStateException(Path file, Reason reason, String message, Throwable cause) {
        super(message, file, null, 0, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** What is wrong with the state file. */
    public Reason reason() {
        return reason;
    }
}
