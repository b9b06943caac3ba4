package dev.vigil.watch.internal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * One session's view of a {@link WatchBackend}: the directory watches it added, and a way to run code on
 * the backend's loop thread, ordered with the events.
 *
 * <p>Threading: {@link #add} and {@link #remove} must be called on the loop thread ({@link #inLoop()});
 * {@link #execute} and {@link #close} may be called from any thread.
 */
public interface WatchChannel extends AutoCloseable {

    /**
     * Starts watching the direct children of {@code dir} (and {@code dir} itself: deletion, move).
     *
     * @return the key that {@link RawEvent#key()} will carry for events in this directory
     * @throws java.nio.file.NoSuchFileException when {@code dir} vanished or is not a directory (a race
     *     the caller resolves through the events that follow)
     * @throws dev.vigil.watch.WatchLimitException when an OS limit on watches is reached
     * @throws dev.vigil.watch.WatchException any other failure, naming the call, the path and the OS error
     */
    Object add(Path dir) throws IOException;

    /** Stops watching the directory registered under {@code key}; unknown keys are ignored. */
    void remove(Object key);

    /** Runs {@code task} on the loop thread after the events already read. Ignored once closed. */
    void execute(Runnable task);

    /** Whether the caller runs on this backend's loop thread. */
    boolean inLoop();

    /** Removes every watch of this channel. Idempotent; after it, the listener receives nothing more. */
    @Override
    void close();
}
