package dev.vigil.watch;

/**
 * What a watch session does when it learns that events were lost: the OS queue overflowed (inotify
 * {@code IN_Q_OVERFLOW}, a zero-byte ReadDirectoryChangesW completion), the session's own bounded buffer
 * filled up because its subscriber was slow, or a directory could not be watched (permission denied).
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
