package dev.vigil.watch.internal;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileEvent.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;

/**
 * Holds the {@code CREATED} and {@code MODIFIED} events of files until the file's size and modification time have
 * stayed the same for a stability period (see {@code FileWatcher.Builder#awaitWriteFinish}). Every other event
 * passes at once, with the rules that keep each path's story consistent:
 * <ul>
 *   <li>a further {@code CREATED}/{@code MODIFIED} of a held file restarts its period, the held kind stays;</li>
 *   <li>{@code DELETED} of a held file merges with it: a held {@code CREATED} and the deletion both vanish, a held
 *       {@code MODIFIED} becomes the {@code DELETED};</li>
 *   <li>a {@code RENAMED} or {@code DELETED} that moves or removes a held file or one of its directories releases
 *       the held events first (a rename is how writers publish a finished file), then passes;</li>
 *   <li>when the stream ends (completion or error), held events are released before the end, except on a
 *       completion because the watcher was closed: then what is held or waits for demand is dropped.</li>
 * </ul>
 * Events of different paths may therefore be reordered; the events of one path never are.
 *
 * <p>Threading: stability checks are timed on {@code timer} (virtual time in tests) and read the files on
 * {@code io}; the state is guarded by the subscriber's lock and delivery is serialised by a work-in-progress
 * counter, so {@code onNext} is never called concurrently. Backpressure: upstream is asked only for what downstream
 * wants beyond the events already released (at most {@value #PREFETCH} at a time), so a slow subscriber leaves
 * changes to the watcher's coalescing buffer; held files are bounded by {@code maxHeld}, beyond which the oldest is
 * released early. Cancellation disposes the pending check and drops what is held.
 */
public final class WriteFinish extends FluxOperator<FileEvent, FileEvent> {

    static final int PREFETCH = 32;

    private final long stabilityNanos;
    private final Duration poll;
    private final int maxHeld;
    private final Scheduler timer;
    private final Scheduler io;
    private final BooleanSupplier closed;

    /** Like {@link #WriteFinish(Flux, Duration, Duration, int, Scheduler, Scheduler, BooleanSupplier)}, never closed. */
    public WriteFinish(Flux<FileEvent> source, Duration stability, Duration poll, int maxHeld, Scheduler timer,
            Scheduler io) {
        this(source, stability, poll, maxHeld, timer, io, () -> false);
    }

    /**
     * @param stability how long size and time must stay unchanged
     * @param poll how often held files are checked
     * @param maxHeld how many files may be held at once
     * @param timer times the checks and stamps the period
     * @param io reads the files' attributes (may block)
     * @param closed whether the watcher was closed (its completion then drops what waits here)
     */
    public WriteFinish(Flux<FileEvent> source, Duration stability, Duration poll, int maxHeld, Scheduler timer,
            Scheduler io, BooleanSupplier closed) {
        super(source);
        this.closed = closed;
        this.stabilityNanos = stability.toNanos();
        this.poll = poll;
        this.maxHeld = maxHeld;
        this.timer = timer;
        this.io = io;
    }

    @Override
    public void subscribe(CoreSubscriber<? super FileEvent> actual) {
        source.subscribe(new Hold(actual));
    }

    /** One held file: the event to deliver, and what its attributes were at the last check. */
    private static final class Held {
        final FileEvent event;
        long stableSince;
        long size = -1;
        long modified;
        boolean statted;

        Held(FileEvent event, long now) {
            this.event = event;
            this.stableSince = now;
        }
    }

    private record Key(Path root, Path path) {
    }

    private final class Hold implements CoreSubscriber<FileEvent>, Subscription {
        private final CoreSubscriber<? super FileEvent> actual;
        private final AtomicInteger wip = new AtomicInteger();
        private Subscription upstream;
        // guarded by this
        private final Map<Key, Held> held = new LinkedHashMap<>();
        private final ArrayDeque<FileEvent> ready = new ArrayDeque<>();
        private long requested;
        private long outstanding;
        private boolean done;
        private Throwable error;
        private boolean cancelled;
        private boolean terminated;
        private Disposable check;

        Hold(CoreSubscriber<? super FileEvent> actual) {
            this.actual = actual;
        }

        @Override
        public reactor.util.context.Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                actual.onSubscribe(this);
            }
        }

        @Override
        public void onNext(FileEvent e) {
            synchronized (this) {
                outstanding--;
                accept(e);
                scheduleCheck();
            }
            drain();
        }

        @Override
        public void onError(Throwable t) {
            end(t);
        }

        @Override
        public void onComplete() {
            end(null);
        }

        private void end(Throwable t) {
            synchronized (this) {
                done = true;
                error = t;
                if (t == null && closed.getAsBoolean()) {
                    held.clear();
                    ready.clear();
                }
                releaseWhere(k -> true);
                cancelCheck();
            }
            drain();
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                synchronized (this) {
                    requested = Operators.addCap(requested, n);
                }
                drain();
            }
        }

        @Override
        public void cancel() {
            synchronized (this) {
                cancelled = true;
                cancelCheck();
                held.clear();
                ready.clear();
            }
            upstream.cancel();
        }

        // -------------------------------------------------------------------------------- under the lock

        private void accept(FileEvent e) {
            if (e.kind() == Kind.OVERFLOW) {
                ready.add(e);
                return;
            }
            Key key = new Key(e.root(), e.path());
            if (e.kind() == Kind.RENAMED) {
                Path previous = e.previous().orElseThrow();
                releaseWhere(k -> k.root().equals(e.root()) && (k.path().startsWith(previous) || k.path().startsWith(e.path())));
                ready.add(e);
                return;
            }
            if (e.isDirectory()) {
                if (e.kind() == Kind.DELETED) {
                    releaseWhere(k -> k.root().equals(e.root()) && k.path().startsWith(e.path()));
                }
                ready.add(e);
                return;
            }
            Held h = held.get(key);
            switch (e.kind()) {
                case CREATED, MODIFIED -> {
                    if (h != null) {
                        h.stableSince = now();
                        h.statted = false;
                        return;
                    }
                    if (held.size() >= maxHeld) {
                        Iterator<Held> eldest = held.values().iterator();
                        ready.add(eldest.next().event);
                        eldest.remove();
                    }
                    held.put(key, new Held(e, now()));
                }
                case DELETED -> {
                    if (h == null) {
                        ready.add(e);
                        return;
                    }
                    held.remove(key);
                    if (h.event.kind() != Kind.CREATED) {
                        ready.add(e);
                    }
                }
                default -> ready.add(e);
            }
        }

        /** Moves the held events whose key passes {@code which} to the ready queue, in the order they were held. */
        private void releaseWhere(java.util.function.Predicate<Key> which) {
            for (Iterator<Map.Entry<Key, Held>> it = held.entrySet().iterator(); it.hasNext();) {
                Map.Entry<Key, Held> entry = it.next();
                if (which.test(entry.getKey())) {
                    ready.add(entry.getValue().event);
                    it.remove();
                }
            }
        }

        private void scheduleCheck() {
            if (check == null && !held.isEmpty() && !cancelled && !done) {
                check = timer.schedule(() -> io.schedule(this::check), poll.toNanos(), TimeUnit.NANOSECONDS);
            }
        }

        private void cancelCheck() {
            if (check != null) {
                check.dispose();
                check = null;
            }
        }

        private long now() {
            return timer.now(TimeUnit.NANOSECONDS);
        }

        // -------------------------------------------------------------------------------- the check (io)

        /** Reads every held file's size and time, outside the lock, then releases those stable long enough. */
        private void check() {
            List<Map.Entry<Key, Held>> snapshot;
            synchronized (this) {
                check = null;
                if (cancelled || done) {
                    return;
                }
                snapshot = new ArrayList<>(held.entrySet());
            }
            long[][] stats = new long[snapshot.size()][];
            for (int i = 0; i < stats.length; i++) {
                stats[i] = stat(snapshot.get(i).getKey().path());
            }
            synchronized (this) {
                long now = now();
                for (int i = 0; i < stats.length; i++) {
                    Key key = snapshot.get(i).getKey();
                    Held h = snapshot.get(i).getValue();
                    if (held.get(key) != h || stats[i] == MISSING) {
                        continue; // replaced meanwhile, or gone: its DELETED or RENAMED is on its way
                    }
                    if (stats[i] == UNREADABLE) {
                        ready.add(held.remove(key).event); // no way to judge: deliver rather than hold for good
                    } else if (!h.statted || h.size != stats[i][0] || h.modified != stats[i][1]) {
                        if (h.statted) {
                            h.stableSince = now;
                        }
                        h.statted = true;
                        h.size = stats[i][0];
                        h.modified = stats[i][1];
                    } else if (now - h.stableSince >= stabilityNanos) {
                        ready.add(held.remove(key).event);
                    }
                }
                scheduleCheck();
            }
            drain();
        }

        // -------------------------------------------------------------------------------- delivery

        private void drain() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            do {
                for (;;) {
                    FileEvent next = null;
                    long ask = 0;
                    boolean finish = false;
                    Throwable failure = null;
                    synchronized (this) {
                        if (cancelled || terminated) {
                            break;
                        }
                        if (requested > 0 && !ready.isEmpty()) {
                            next = ready.poll();
                            if (requested != Long.MAX_VALUE) {
                                requested--;
                            }
                        } else if (done) {
                            finish = ready.isEmpty();
                            terminated = finish;
                            failure = error;
                        } else {
                            ask = Math.min(requested - ready.size(), PREFETCH) - outstanding;
                            ask = Math.max(ask, 0);
                            outstanding += ask;
                        }
                    }
                    if (next != null) {
                        actual.onNext(next);
                        continue;
                    }
                    if (ask > 0) {
                        upstream.request(ask);
                    }
                    if (finish) {
                        if (failure != null) {
                            actual.onError(failure);
                        } else {
                            actual.onComplete();
                        }
                    }
                    break;
                }
            } while (wip.decrementAndGet() != 0);
        }
    }

    private static final long[] MISSING = new long[0];
    private static final long[] UNREADABLE = new long[0];

    /** {size, modified in nanoseconds}, or {@link #MISSING}, or {@link #UNREADABLE}. */
    private static long[] stat(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return new long[] {a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS)};
        } catch (NoSuchFileException gone) {
            return MISSING;
        } catch (IOException | RuntimeException unreadable) {
            return UNREADABLE;
        }
    }
}
