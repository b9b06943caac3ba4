package dev.vigil.watch.internal;

import dev.vigil.watch.FileEvent;
import java.util.function.Supplier;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;

/** The watch source operator (placeholder). */
public final class FluxWatch extends Flux<FileEvent> {
    /** Creates the source. */
    public FluxWatch(WatchSpec spec, Scheduler timer, Supplier<WatchBackend> backend, SyncRegistry syncs) {
    }

    @Override
    public void subscribe(CoreSubscriber<? super FileEvent> actual) {
        Operators.error(actual, new UnsupportedOperationException("not yet"));
    }
}
