package dev.vigil.crash.internal;

import dev.vigil.crash.CrashEvent;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The hot stream of events: a replay-limited sink fed through a queue-drain loop, so that any number of threads (and
 * a subscriber publishing from inside {@code onNext}) can publish without blocking each other or failing.
 */
public final class EventBus {
    private final Sinks.Many<CrashEvent> sink;
    private final Queue<CrashEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    /** Events published, by kind's ordinal (metrics). */
    private final java.util.concurrent.atomic.AtomicLongArray byKind =
            new java.util.concurrent.atomic.AtomicLongArray(CrashEvent.Kind.values().length);
    private final int subscriberBuffer;
    private volatile boolean completeRequested;
    private boolean completed;

    /** A bus replaying {@code replay} events and buffering {@code subscriberBuffer} per slow subscriber. */
    public EventBus(int replay, int subscriberBuffer) {
        this.sink = Sinks.unsafe().many().replay().limit(replay);
        this.subscriberBuffer = subscriberBuffer;
    }

    /** Publishes an event from any thread. */
    public void publish(CrashEvent event) {
        queue.offer(event);
        drain();
    }

    /** Events of {@code kind} published so far. */
    public long published(CrashEvent.Kind kind) {
        return byKind.get(kind.ordinal());
    }

    /** Completes the stream after the events already published. */
    public void complete() {
        completeRequested = true;
        drain();
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        for (;;) {
            CrashEvent e;
            while ((e = queue.poll()) != null) {
                if (completed) {
                    dropped.incrementAndGet();
                    continue;
                }
                Sinks.EmitResult r = sink.tryEmitNext(e);
                if (r.isSuccess()) {
                    published.incrementAndGet();
                    byKind.incrementAndGet(e.kind().ordinal());
                } else {
                    dropped.incrementAndGet();
                }
            }
            if (completeRequested && !completed) {
                completed = true;
                sink.tryEmitComplete();
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    /** The stream one subscriber sees: replay, then live events, with a bounded per-subscriber buffer. */
    public Flux<CrashEvent> flux() {
        return sink.asFlux().onBackpressureBuffer(subscriberBuffer, e -> dropped.incrementAndGet(),
                BufferOverflowStrategy.DROP_OLDEST);
    }

    /** Events dropped for slow subscribers (or published after completion). */
    public long dropped() {
        return dropped.get();
    }

    /** Events published. */
    public long published() {
        return published.get();
    }
}
