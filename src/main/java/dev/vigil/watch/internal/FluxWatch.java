package dev.vigil.watch.internal;

import dev.vigil.watch.FileEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;

/**
 * The source behind {@code FileWatcher.events()}. Subscribing never blocks: it registers a {@link WatchSession} and
 * hands its establishment (choose the backend, watch and list the roots) to the session's executor; {@code
 * onSubscribe} follows once every watch is installed, which makes it the readiness signal (except for Reactor's
 * lambda subscriber, which gets it at once: see {@link #LAMBDA_SUBSCRIBER}). Delivery is serialised
 * by a work-in-progress counter and runs on the thread that calls {@code request(n)} or on a delivery thread, never
 * on a backend's reader thread or on the session's executor: a subscriber that blocks holds up only itself.
 */
public final class FluxWatch extends Flux<FileEvent> {

    private final WatchSpec spec;
    private final Scheduler timer;
    private final Backends.Chooser backend;
    private final SyncRegistry syncs;
    private final StateKeeper state;

    /** Creates the source; nothing happens until subscription. {@code state}: the state file, or null. */
    public FluxWatch(WatchSpec spec, Scheduler timer, Backends.Chooser backend, SyncRegistry syncs, StateKeeper state) {
        this.spec = spec;
        this.timer = timer;
        this.backend = backend;
        this.syncs = syncs;
        this.state = state;
    }

    /**
     * Reactor's subscriber behind {@code subscribe(Consumer...)}. It takes its subscription with a check-then-set
     * that a {@code dispose()} on another thread can slip into, after which the disposal is lost (the session would
     * live on and call the consumer). It therefore gets {@code onSubscribe} at once, on the subscribing thread, as
     * from every Reactor source; its users wait for {@code ready()}, which they could not observe otherwise.
     */
    private static final String LAMBDA_SUBSCRIBER = "reactor.core.publisher.LambdaSubscriber";

    @Override
    public void subscribe(CoreSubscriber<? super FileEvent> actual) {
        WatchSubscription s = new WatchSubscription(actual, syncs, spec.stats());
        WatchSession session = new WatchSession(spec, timer, s, state);
        s.session = session;
        s.early = actual.getClass().getName().equals(LAMBDA_SUBSCRIBER);
        if (!syncs.add(session, s::close)) {
            runAll(session.close()); // the watcher is closed: this stream is over before it began
            Operators.complete(actual);
            return;
        }
        if (s.early) {
            actual.onSubscribe(s); // demand and cancellation wait in s until the session is established
        }
        session.executor.execute(() -> {
            try {
                session.establish(backend);
            } catch (Throwable t) {
                Exceptions.throwIfJvmFatal(t);
                s.release();
                session.establishmentEnded();
                if (s.early) {
                    s.error = Operators.onOperatorError(t, actual.currentContext());
                    WatchThreads.deliver(s::start); // onError through the drain, unless cancelled meanwhile
                } else if (s.closing) {
                    WatchThreads.deliver(() -> Operators.complete(actual));
                } else {
                    WatchThreads.deliver(() -> Operators.error(actual, Operators.onOperatorError(t,
                            actual.currentContext())));
                }
                return;
            }
            session.establishmentEnded();
            WatchThreads.deliver(s::start);
        });
    }

    private static void runAll(List<Runnable> callbacks) {
        for (Runnable r : callbacks) {
            r.run();
        }
    }

    /** The subscription: demand accounting and the drain loop. */
    static final class WatchSubscription implements Subscription, WatchSession.Downstream {
        private final CoreSubscriber<? super FileEvent> actual;
        private final SyncRegistry syncs;
        private final WatchStats stats;
        WatchSession session;
        /** {@code onSubscribe} was signalled at subscription, before establishment (see LAMBDA_SUBSCRIBER). */
        boolean early;
        volatile boolean subscribed;
        volatile boolean cancelled;
        /** The watcher was closed: complete once no {@code onNext} runs. */
        volatile boolean closing;
        volatile boolean rootsGone;
        volatile Throwable error;
        private boolean terminated;
        /** The thread inside {@code onNext}, or null. */
        private volatile Thread inOnNext;

        volatile long requested;
        static final AtomicLongFieldUpdater<WatchSubscription> REQUESTED =
                AtomicLongFieldUpdater.newUpdater(WatchSubscription.class, "requested");
        volatile int wip;
        static final AtomicIntegerFieldUpdater<WatchSubscription> WIP =
                AtomicIntegerFieldUpdater.newUpdater(WatchSubscription.class, "wip");

        WatchSubscription(CoreSubscriber<? super FileEvent> actual, SyncRegistry syncs, WatchStats stats) {
            this.actual = actual;
            this.syncs = syncs;
            this.stats = stats;
        }

        /** The session is established: signal readiness, then deliver what waits. On a pool thread. */
        void start() {
            if (!early) {
                actual.onSubscribe(this);
            }
            subscribed = true;
            drainHere();
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                Operators.addCap(REQUESTED, this, n);
                drainHere();
            }
        }

        /** Releases at once, even while a delivery is stuck in {@code onNext} on another thread. */
        @Override
        public void cancel() {
            if (inOnNext == Thread.currentThread()) {
                session.buffer.delivered(); // the subscriber acted on the event it holds (take(n), or failed on it)
            }
            cancelled = true;
            release();
            drainHere();
        }

        /**
         * The watcher was closed: releases at once (as {@link #cancel()}), then completes on a delivery thread, or
         * right after an {@code onNext} in progress returns.
         */
        void close() {
            if (inOnNext == Thread.currentThread()) {
                session.buffer.delivered(); // closed from the subscriber's onNext: it acted on the event it holds
            }
            closing = true;
            release();
            drain();
        }

        @Override
        public void fail(Throwable e) {
            if (error == null) {
                error = e;
            }
            drain();
        }

        @Override
        public void rootsGone() {
            rootsGone = true;
        }

        /** Idempotent and thread-safe. */
        void release() {
            syncs.remove(session);
            runAll(session.close());
        }

        /** From the session's executor or a reader thread: deliver on a delivery thread, never here. */
        @Override
        public void drain() {
            if (subscribed && WIP.getAndIncrement(this) == 0) {
                WatchThreads.deliver(this::drainLoop);
            }
        }

        /** From the subscriber's own thread (request, cancel): deliver on it. */
        private void drainHere() {
            if (subscribed && WIP.getAndIncrement(this) == 0) {
                drainLoop();
            }
        }

        private void drainLoop() {
            int missed = 1;
            List<Runnable> passed = new ArrayList<>();
            EventBuffer buffer = session.buffer;
            for (;;) {
                if (terminated) {
                    return;
                }
                if (cancelled) {
                    terminated = true;
                    release();
                    return;
                }
                if (closing) {
                    terminated = true; // released by close(); what was not delivered is dropped
                    actual.onComplete();
                    return;
                }
                Throwable err = error;
                if (err != null) {
                    terminated = true;
                    try {
                        actual.onError(err);
                    } finally {
                        release(); // after the signal: a sync waiting on this session then sees the error
                    }
                    return;
                }
                long r = requested;
                long e = 0;
                boolean starved = false;
                while (e != r) {
                    FileEvent ev = buffer.poll(passed);
                    runAll(passed);
                    passed.clear();
                    if (ev == null) {
                        starved = true;
                        break;
                    }
                    inOnNext = Thread.currentThread();
                    stats.delivered(ev.kind());
                    try {
                        actual.onNext(ev);
                    } finally {
                        inOnNext = null;
                    }
                    buffer.delivered();
                    e++;
                    if (cancelled || closing) {
                        break;
                    }
                }
                buffer.passBarriers(passed);
                runAll(passed);
                passed.clear();
                if (e != 0 && r != Long.MAX_VALUE) {
                    REQUESTED.addAndGet(this, -e);
                }
                if (starved && session.dirtyPending()) {
                    session.requestRescan();
                }
                if (rootsGone && !cancelled && buffer.isEmpty() && !session.dirtyPending()) {
                    terminated = true;
                    try {
                        actual.onComplete();
                    } finally {
                        release();
                    }
                    return;
                }
                missed = WIP.addAndGet(this, -missed);
                if (missed == 0) {
                    return;
                }
            }
        }
    }
}
