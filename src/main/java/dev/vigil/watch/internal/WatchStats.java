package dev.vigil.watch.internal;

import dev.vigil.watch.FileEvent;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one watcher, shared by its sessions: events handed to subscribers by kind, losses, rescans. Always
 * counting (a {@link LongAdder} increment, no allocation), read by {@code WatchMetrics} when a registry is bound.
 */
public final class WatchStats {

    private static final FileEvent.Kind[] KINDS = FileEvent.Kind.values();

    private final LongAdder[] events = new LongAdder[KINDS.length];
    private final LongAdder overflows = new LongAdder();
    private final LongAdder rescans = new LongAdder();

    /** Counters at zero. */
    public WatchStats() {
        for (int i = 0; i < events.length; i++) {
            events[i] = new LongAdder();
        }
    }

    void delivered(FileEvent.Kind kind) {
        events[kind.ordinal()].increment();
    }

    void overflowed() {
        overflows.increment();
    }

    void rescanned() {
        rescans.increment();
    }

    /** Events of {@code kind} handed to subscribers ({@code onNext}) so far. */
    public long events(FileEvent.Kind kind) {
        return events[kind.ordinal()].sum();
    }

    /** Losses so far: each time events were lost or merged into a rescan (kernel queue, session queue, bound). */
    public long overflows() {
        return overflows.sum();
    }

    /** Dirty subtrees rescanned so far. */
    public long rescans() {
        return rescans.sum();
    }
}
