package dev.vigil.watch.internal;

import java.util.List;

/**
 * Receives what a backend read for one channel. Called on the backend's reader thread, which must never wait: an
 * implementation only hands the events over (the pipeline queues them for the session's own executor).
 */
public interface RawEventListener {

    /**
     * A batch of events in the order the OS reported them, overflows ({@link RawEvent.RawKind#OVERFLOW}) included
     * where they occurred. The list is not retained by the caller.
     */
    void onEvents(List<RawEvent> batch);

    /**
     * The channel failed for good: the backend's reader died, or it can no longer watch the whole tree (a watch
     * failed for a reason that is not the directory's own, such as the kernel's memory). No further calls follow.
     * Called on the reader thread, or on the thread whose {@link WatchChannel#add} found the failure (before that
     * call throws it).
     */
    void onFailure(Throwable error);
}
