package dev.vigil.watch.internal;

import dev.vigil.watch.FileEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.function.Supplier;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;

/**
 * The source behind {@code FileWatcher.events()}: each subscription opens a {@link WatchSession}, establishes it
 * on the backend's loop (watch and scan the roots) before {@code onSubscribe}, then drains the session's buffer
 * as demand allows. Delivery is serialised by a work-in-progress counter, so {@code onNext} runs on the loop or
 * on a requesting thread, never concurrently.
 */
public final class FluxWatch extends Flux<FileEvent> {

    private final WatchSpec spec;
    private final Scheduler timer;
    private final Supplier<WatchBackend> backend;
    private final SyncRegistry syncs;

    /** Creates the source; nothing happens until subscription. */
    public FluxWatch(WatchSpec spec, Scheduler timer, Supplier<WatchBackend> backend, SyncRegistry syncs) {
        this.spec = spec;
        this.timer = timer;
        this.backend = backend;
        this.syncs = syncs;
    }

    @Override
    public void subscribe(CoreSubscriber<? super FileEvent> actual) {
        WatchSubscription s = new WatchSubscription(actual, syncs);
        WatchSession session = new WatchSession(spec, timer, s);
        s.session = session;
        try {
            session.checkRoots();
            session.open(backend.get());
            WatchChannel channel = session.channel();
            if (channel.inLoop()) {
                session.establish();
            } else {
                // completed by the establishment, or failed by the backend if its loop dies meanwhile
                CompletableFuture<Void> done = s.established;
                channel.execute(() -> {
                    try {
                        session.establish();
                        done.complete(null);
                    } catch (Throwable t) {
                        done.completeExceptionally(t);
                    }
                });
                try {
                    done.get();
                } catch (ExecutionException e) {
                    throw e.getCause();
                }
            }
        } catch (Throwable t) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            runAll(session.close());
            Operators.error(actual, Operators.onOperatorError(t, actual.currentContext()));
            return;
        }
        syncs.add(session);
        actual.onSubscribe(s);
        s.subscribed = true;
        s.drain();
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
        final CompletableFuture<Void> established = new CompletableFuture<>();
        WatchSession session;
        volatile boolean subscribed;
        volatile boolean cancelled;
        volatile boolean rootsGone;
        volatile Throwable error;
        private boolean terminated;

        volatile long requested;
        static final AtomicLongFieldUpdater<WatchSubscription> REQUESTED =
                AtomicLongFieldUpdater.newUpdater(WatchSubscription.class, "requested");
        volatile int wip;
        static final AtomicIntegerFieldUpdater<WatchSubscription> WIP =
                AtomicIntegerFieldUpdater.newUpdater(WatchSubscription.class, "wip");

        WatchSubscription(CoreSubscriber<? super FileEvent> actual, SyncRegistry syncs) {
            this.actual = actual;
            this.syncs = syncs;
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                Operators.addCap(REQUESTED, this, n);
                drain();
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            drain();
        }

        @Override
        public void fail(Throwable e) {
            if (error == null) {
                error = e;
            }
            established.completeExceptionally(e);
            drain();
        }

        @Override
        public void rootsGone() {
            rootsGone = true;
        }

        private void release() {
            syncs.remove(session);
            runAll(session.close());
        }

        @Override
        public void drain() {
            if (!subscribed || WIP.getAndIncrement(this) != 0) {
                return;
            }
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
                boolean hold = session.dirtyPending();
                while (e != r) {
                    FileEvent ev = buffer.poll(passed, hold);
                    runAll(passed);
                    passed.clear();
                    if (ev == null) {
                        starved = true;
                        break;
                    }
                    actual.onNext(ev);
                    e++;
                    if (cancelled) {
                        break;
                    }
                }
                if (!hold) {
                    buffer.passBarriers(passed);
                    runAll(passed);
                    passed.clear();
                }
                if (e != 0 && r != Long.MAX_VALUE) {
                    REQUESTED.addAndGet(this, -e);
                }
                if (starved && hold) {
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
