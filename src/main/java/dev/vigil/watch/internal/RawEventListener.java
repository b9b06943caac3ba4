package dev.vigil.watch.internal;

import java.util.List;

/** Receives what a backend read for one channel. Every method is called on the backend's loop thread. */
public interface RawEventListener {

    /** A batch of events in the order the OS reported them. The list is not retained by the caller. */
    void onEvents(List<RawEvent> batch);

    /** The OS dropped events (e.g. inotify {@code IN_Q_OVERFLOW}) that may concern any watch of this channel. */
    void onOverflow();

    /** The backend failed for good (its loop died); no further calls follow. */
    void onFailure(Throwable error);
}
