package dev.vigil.watch;

import java.nio.file.Path;

/**
 * Events under {@link #path()} were lost. Delivered as the {@link FileEvent#cause()} of every
 * {@link FileEvent.Kind#OVERFLOW} event, and as the error that ends the stream under
 * {@link OverflowStrategy#ERROR}.
 */
public final class WatchOverflowException extends WatchException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what overflowed and why
     * @param scope the directory or root whose events may be lost
     * @param cause the underlying failure, or {@code null}
     */
    public WatchOverflowException(String message, Path scope, Throwable cause) {
        super(message, scope, null, 0, cause);
    }
}
