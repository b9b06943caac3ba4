package dev.vigil.watch.internal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * One session's view of a {@link WatchBackend}: the watches it added, and a read barrier.
 *
 * <p>Threading: every method may be called from any thread; the pipeline calls {@link #add} and {@link #remove}
 * of one channel from one thread at a time (its session's executor), never from the backend's reader thread. An
 * event for a watch is never dropped because it was read while {@link #add} was returning.
 */
public interface WatchChannel extends AutoCloseable {

    /**
     * Starts watching {@code dir}: its direct children (per-directory backends) or its whole subtree
     * ({@linkplain WatchBackend.Capabilities#recursive() recursive} backends), and {@code dir} itself (deletion,
     * move).
     *
     * @return the key that {@link RawEvent#key()} will carry for events of this watch
     * @throws java.nio.file.NoSuchFileException when {@code dir} vanished or is not a directory (a race the
     *     caller resolves through the events that follow)
     * @throws dev.vigil.watch.WatchLimitException when an OS limit on watches is reached; the channel keeps its
     *     other watches, and the caller decides what follows (end the session, or watch the directory otherwise)
     * @throws dev.vigil.watch.WatchException any other failure, naming the call, the path and the OS error; when
     *     the failure is not the directory's own, the channel has failed too ({@link RawEventListener#onFailure})
     */
    Object add(Path dir) throws IOException;

    /** Stops the watch registered under {@code key}; unknown keys are ignored. */
    void remove(Object key);

    /**
     * Read barrier: runs {@code task} on the backend's reader thread once every OS event queued before this call
     * has been read and handed to the listener. The task must be short and must not block. Ignored once closed.
     */
    void execute(Runnable task);

    /**
     * Like {@link #execute}, but once every change made on disk before this call has been read, not only every OS
     * event queued: where events are read as the OS queues them (inotify, Windows, {@code WatchService}) that is the
     * same read barrier, and so it is for FSEvents, whose barrier flushes the events its latency still holds
     * ({@code FSEventStreamFlushSync}); a polling channel polls first. Ignored once closed.
     */
    default void catchUp(Runnable task) {
        execute(task);
    }

    /** Removes every watch of this channel. Idempotent; after it, the listener receives nothing more. */
    @Override
    void close();
}
