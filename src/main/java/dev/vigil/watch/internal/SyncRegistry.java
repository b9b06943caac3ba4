package dev.vigil.watch.internal;

import java.nio.file.Path;
import java.util.List;
import reactor.core.publisher.Mono;

/** Sync barriers of one watcher (placeholder). */
public final class SyncRegistry {
    /** A barrier over the live sessions. */
    public Mono<Void> sync(List<Path> roots) {
        return Mono.empty();
    }
}
