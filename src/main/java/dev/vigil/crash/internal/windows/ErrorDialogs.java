package dev.vigil.crash.internal.windows;

import com.sun.jna.Platform;
import java.io.IOException;

/**
 * Runs an action (starting a child process, writing a minidump) with the Windows process error mode including
 * {@link ErrorMode#UNATTENDED}, so that no critical-error or fault dialog can block it or a child started meanwhile
 * (a child inherits the mode), then restores the mode the process had. Overlapping actions share one change: the
 * first sets the mode, the last one to finish restores it, and none waits for another. A no-op elsewhere.
 */
public final class ErrorDialogs {
    private static final Object LOCK = new Object();
    private static int active;
    private static int saved;

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
            if (active++ == 0) {
                saved = ErrorMode.INSTANCE.GetErrorMode();
                ErrorMode.INSTANCE.SetErrorMode(saved | ErrorMode.UNATTENDED);
            }
        }
        try {
            return action.run();
        } finally {
            synchronized (LOCK) {
                if (--active == 0) {
                    ErrorMode.INSTANCE.SetErrorMode(saved);
                }
            }
        }
    }
}
