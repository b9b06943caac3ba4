package dev.vigil.watch.internal;

import dev.vigil.watch.Backend;
import dev.vigil.watch.OverflowStrategy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import reactor.core.scheduler.Scheduler;

/**
 * The validated options of one {@link dev.vigil.watch.FileWatcher}; {@code scheduler} is null for the default;
 * {@code backend} is the builder's choice (the system property may override it when a session starts);
 * {@code pollBeyondWatchLimit}: directories refused by an OS watch limit are polled instead of ending the session;
 * {@code stats}: the watcher's counters, shared by its sessions (not an option).
 */
public record WatchSpec(List<Path> roots, boolean recursive, PathFilter filter, boolean coalesce, int maxPendingPaths,
        OverflowStrategy overflowStrategy, Duration renameWindow, Scheduler scheduler, Backend backend,
        Duration pollInterval, boolean pollBeyondWatchLimit, WatchStats stats) {

    /** Default poll interval of the polling backend. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    /** The options with the defaults for the backend choice and the poll interval (tests). */
    public WatchSpec(List<Path> roots, boolean recursive, PathFilter filter, boolean coalesce, int maxPendingPaths,
            OverflowStrategy overflowStrategy, Duration renameWindow, Scheduler scheduler) {
        this(roots, recursive, filter, coalesce, maxPendingPaths, overflowStrategy, renameWindow, scheduler,
                Backend.AUTO, DEFAULT_POLL_INTERVAL, false, new WatchStats());
    }

    /** Default bound on undelivered distinct paths per session. */
    public static final int DEFAULT_MAX_PENDING_PATHS = 65_536;

    /** Default rename-pairing window. */
    public static final Duration DEFAULT_RENAME_WINDOW = Duration.ofMillis(50);
}
