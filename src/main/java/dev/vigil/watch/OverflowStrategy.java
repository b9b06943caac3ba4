package dev.vigil.watch;

/**
 * What a watch session does when it learns that events were lost: the OS's event queue overflowed, the
 * session's own bounded buffer filled up because its subscriber was slow, or a directory could not be watched
 * (permission denied).
 *
 * <h2>Platform differences</h2>
 * The OS reports its overflow as {@code IN_Q_OVERFLOW} on Linux (inotify); a zero-byte
 * {@code ReadDirectoryChangesW} completion on Windows; {@code MustScanSubDirs} or a dropped flag with FSEvents on
 * macOS.
 */
public enum OverflowStrategy {
    /**
     * The default. Deliver {@link FileEvent.Kind#OVERFLOW} naming the scope, then rescan the scope and deliver
     * the true difference between what the subscriber was told and what is on disk (one event per changed
     * path). Nothing is lost; some {@code MODIFIED} events may be conservative.
     */
    RESYNC,
    /** Fail the stream with {@link WatchOverflowException} naming the scope. */
    ERROR,
    /**
     * Deliver {@link FileEvent.Kind#OVERFLOW} naming the scope and go on without rescanning: the subscriber is
     * responsible for reconciling its own state.
     */
    SIGNAL_ONLY
}
