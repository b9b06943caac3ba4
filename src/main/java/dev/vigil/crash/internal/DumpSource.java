package dev.vigil.crash.internal;

import dev.vigil.crash.CrashEvent;
import dev.vigil.crash.DumpFile;
import reactor.core.publisher.Mono;

/** Produces the dumps of an event on demand; the public {@link CrashEvent} caches what it returns. */
@FunctionalInterface
public interface DumpSource {
    /** A cold {@code Mono} that writes (or finds) the dump; never empty. */
    Mono<DumpFile> dump(CrashEvent event, DumpFile.Format format);
}
