package dev.vigil.watch.internal;

import java.io.IOException;
import java.util.Optional;

/**
 * A source of raw file-system facts for one operating-system mechanism (inotify, ReadDirectoryChangesW,
 * FSEvents, the JDK WatchService, polling).
 *
 * <p>A backend owns its OS resource and exactly one thread (its <em>loop</em>). It never pairs, filters,
 * buffers or debounces: it hands {@link RawEvent} batches to the {@link RawEventListener} of each
 * {@link WatchChannel} on its loop thread. A backend instance may be shared by any number of channels.
 */
public interface WatchBackend {

    /** Short stable name used in messages and in {@code -Dvigil.watch.backend=NAME}. */
    String name();

    /** Higher wins when several backends are available; polling is the lowest. */
    int priority();

    /** Empty when this backend works on this machine; otherwise why not (kept for error messages). */
    Optional<Throwable> unavailabilityCause();

    /**
     * Opens a channel: the unit of ownership for one watch session. Watches added through it are released
     * when it closes.
     *
     * @throws IOException when the OS resource cannot be created (the message names the call and errno)
     */
    WatchChannel open(RawEventListener listener) throws IOException;

    /** How the pipeline lists directories for this backend's file systems; {@link DirectoryLister#JDK} by default. */
    default DirectoryLister lister() {
        return DirectoryLister.JDK;
    }
}
