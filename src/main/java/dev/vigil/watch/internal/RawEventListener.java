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

    /** The backend failed for good (its reader died); no further calls follow. */
    void onFailure(Throwable error);
}
