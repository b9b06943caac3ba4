package dev.vigil.crash.internal;

import java.time.Duration;
import java.util.function.LongSupplier;

/** A fixed-window rate limit: at most {@code permits} per window, counting what it refuses. Thread-safe. */
public final class RateWindow {
    private final int permits;
    private final long windowNanos;
    private final LongSupplier nanoClock;
    private long windowStart;
    private int used;
    private long refused;
    private long refusedTotal;

    /** A limit of {@code permits} per {@code window}, timed by {@code nanoClock}. */
    public RateWindow(int permits, Duration window, LongSupplier nanoClock) {
        this.permits = permits;
        this.windowNanos = window.toNanos();
        this.nanoClock = nanoClock;
        this.windowStart = nanoClock.getAsLong();
    }

    /** Takes a permit if the current window has one left; otherwise counts a refusal. */
    public synchronized boolean tryAcquire() {
        long now = nanoClock.getAsLong();
        if (now - windowStart >= windowNanos) {
            windowStart = now;
            used = 0;
        }
        if (used < permits) {
            used++;
            return true;
        }
        refused++;
        refusedTotal++;
        return false;
    }

    /** The refusals since the last call, resetting that count. */
    public synchronized long drainRefused() {
        long r = refused;
        refused = 0;
        return r;
    }

    /** Every refusal so far. */
    public synchronized long refusedTotal() {
        return refusedTotal;
    }

    /** The limit, for messages. */
    public String describe() {
        return permits + " per " + Duration.ofNanos(windowNanos).toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
