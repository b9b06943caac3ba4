package dev.vigil.watch;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A root given to {@link FileWatcher} cannot be watched. The subscription fails with this error before any
 * watch is installed (nothing is left behind).
 */
public final class WatchRootException extends WatchException {
    private static final long serialVersionUID = 1L;

    /** Why the root cannot be watched. */
    public enum Reason {
        /** Nothing exists at the path. */
        MISSING,
        /** The path exists but is not a directory (a regular file, a device...). */
        NOT_A_DIRECTORY,
        /** The directory exists but cannot be listed by this process. */
        NOT_READABLE
    }

    private final Reason reason;

    /**
     * @param root the root
     * @param reason why it cannot be watched
     * @param cause the underlying failure, or {@code null}
     */
    public WatchRootException(Path root, Reason reason, Throwable cause) {
        super(message(root, reason), root, null, 0, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Why the root cannot be watched. */
    public Reason reason() {
        return reason;
    }

    private static String message(Path root, Reason reason) {
        switch (reason) {
            case MISSING:
                return "cannot watch " + root + ": it does not exist; create the directory first or fix the path";
            case NOT_A_DIRECTORY:
                return "cannot watch " + root + ": it is not a directory; watch its parent directory and filter on its name";
            default:
                return "cannot watch " + root + ": the directory is not readable by this process; grant read and execute permission";
        }
    }
}
