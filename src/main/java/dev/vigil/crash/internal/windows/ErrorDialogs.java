package dev.vigil.crash.internal.windows;

import com.sun.jna.Platform;
import java.io.IOException;

/**
 * Runs an action (starting a child process) with the Windows error mode set so that no critical-error or fault
 * dialog can block an unattended child, which inherits the mode; restores the mode afterwards. A no-op elsewhere.
 */
public final class ErrorDialogs {
    private static final Object LOCK = new Object();

    private ErrorDialogs() {
    }

    /** An action that may fail with an {@link IOException}. */
    @FunctionalInterface
    public interface IoAction<T> {
        /** Runs the action. */
        T run() throws IOException;
    }

    /** Runs {@code action} with dialogs suppressed (on Windows). */
    public static <T> T suppressedWhile(IoAction<T> action) throws IOException {
        if (!Platform.isWindows()) {
            return action.run();
        }
        synchronized (LOCK) {
            int previous = ErrorMode.INSTANCE.GetErrorMode();
            ErrorMode.INSTANCE.SetErrorMode(previous | ErrorMode.UNATTENDED);
            try {
                return action.run();
            } finally {
                ErrorMode.INSTANCE.SetErrorMode(previous);
            }
        }
    }
}
