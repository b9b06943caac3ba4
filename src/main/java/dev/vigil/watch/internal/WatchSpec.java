package dev.vigil.watch.internal;

import dev.vigil.watch.OverflowStrategy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import reactor.core.scheduler.Scheduler;

/** The validated options of one {@link dev.vigil.watch.FileWatcher}; {@code scheduler} is null for the default. */
public record WatchSpec(List<Path> roots, boolean recursive, PathFilter filter, boolean coalesce, int maxPendingPaths,
        OverflowStrategy overflowStrategy, Duration renameWindow, Scheduler scheduler) {

    /** Default bound on undelivered distinct paths per session. */
    public static final int DEFAULT_MAX_PENDING_PATHS = 65_536;

    /** Default rename-pairing window. */
    public static final Duration DEFAULT_RENAME_WINDOW = Duration.ofMillis(50);
}
