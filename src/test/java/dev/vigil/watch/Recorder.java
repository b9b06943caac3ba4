package dev.vigil.watch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import dev.vigil.watch.FileEvent.Kind;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.SignalType;

/** A test subscriber that records events; with {@code oneByOne} it requests one event at a time. */
final class Recorder extends BaseSubscriber<FileEvent> {
    final Queue<FileEvent> events = new ConcurrentLinkedQueue<>();
    volatile Throwable error;
    volatile boolean completed;
    final CountDownLatch subscribed = new CountDownLatch(1);
    private final boolean oneByOne;
    private final long initial;

    private Recorder(boolean oneByOne, long initial) {
        this.oneByOne = oneByOne;
        this.initial = initial;
    }

    /** Subscribes, requests {@code initial} events and nothing more until the test calls {@link #request}. */
    static Recorder stalled(FileWatcher watcher, long initial) {
        return subscribe(watcher, new Recorder(false, initial));
    }

    /** Subscribes to {@code watcher} and returns once the watch is established. */
    static Recorder watch(FileWatcher watcher) {
        return watch(watcher, false);
    }

    static Recorder watch(FileWatcher watcher, boolean oneByOne) {
        return subscribe(watcher, new Recorder(oneByOne, oneByOne ? 1 : Long.MAX_VALUE));
    }

    /** Subscribes with unbounded demand and returns at once, without waiting for {@code onSubscribe}. */
    static Recorder unawaited(FileWatcher watcher) {
        Recorder r = new Recorder(false, Long.MAX_VALUE);
        watcher.events().subscribe(r);
        return r;
    }

    /** Subscribes, then waits for {@code onSubscribe}: the session's readiness signal. */
    private static Recorder subscribe(FileWatcher watcher, Recorder r) {
        watcher.events().subscribe(r);
        try {
            if (!r.subscribed.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("no onSubscribe within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        if (r.error != null) {
            throw new AssertionError("subscription failed", r.error);
        }
        return r;
    }

    @Override
    protected void hookOnSubscribe(Subscription s) {
        subscribed.countDown();
        if (initial > 0) {
            s.request(initial);
        }
    }

    @Override
    protected void hookOnNext(FileEvent e) {
        events.add(e);
        if (oneByOne) {
            request(1);
        }
    }

    @Override
    protected void hookOnError(Throwable t) {
        error = t;
    }

    @Override
    protected void hookOnComplete() {
        completed = true;
    }

    @Override
    protected void hookFinally(SignalType type) {
    }

    /** Waits for the watcher's sync barrier, then returns and forgets what was recorded. */
    List<FileEvent> sync(FileWatcher watcher) {
        watcher.sync().block(Duration.ofSeconds(30));
        if (error != null) {
            throw new AssertionError("stream failed", error);
        }
        List<FileEvent> out = new ArrayList<>();
        for (FileEvent e; (e = events.poll()) != null;) {
            out.add(e);
        }
        return out;
    }

    /** {@code KIND relative-path} lines, for readable assertions. */
    static List<String> lines(Path root, List<FileEvent> events) {
        List<String> out = new ArrayList<>();
        for (FileEvent e : events) {
            String s = e.kind() + " " + rel(root, e.path());
            if (e.previous().isPresent()) {
                s += " <- " + rel(root, e.previous().get());
            }
            out.add(s);
        }
        return out;
    }

    /**
     * Like {@link #lines(Path, List)}, but drops a {@code MODIFIED} that follows a {@code CREATED} or
     * {@code MODIFIED} of the same path with nothing else for that path in between: whether the watcher merged
     * those depends on how fast the subscriber was, so tests compare this timing-free form.
     */
    static List<String> merged(Path root, List<FileEvent> events) {
        List<FileEvent> kept = new ArrayList<>();
        Map<Path, Kind> last = new HashMap<>();
        for (FileEvent e : events) {
            Kind before = last.put(e.path(), e.kind());
            if (e.kind() == Kind.MODIFIED && (before == Kind.CREATED || before == Kind.MODIFIED)) {
                last.put(e.path(), before);
                continue;
            }
            kept.add(e);
        }
        return lines(root, kept);
    }

    static List<String> lines(Path root, List<FileEvent> events, Predicate<FileEvent> keep) {
        return lines(root, events.stream().filter(keep).toList());
    }

    private static String rel(Path root, Path p) {
        String r = root.relativize(p).toString();
        return r.isEmpty() ? "." : r;
    }

    /**
     * Applies events to a model of the tree (path to is-directory) the way a consumer would; OVERFLOW events are
     * ignored because the resync that follows them carries the differences.
     */
    static void apply(Map<Path, Boolean> model, List<FileEvent> events) {
        for (FileEvent e : events) {
            switch (e.kind()) {
                case CREATED:
                case MODIFIED:
                    model.put(e.path(), e.isDirectory());
                    break;
                case DELETED:
                    model.keySet().removeIf(p -> p.startsWith(e.path()));
                    break;
                case RENAMED: {
                    Path from = e.previous().orElseThrow();
                    Map<Path, Boolean> moved = new HashMap<>();
                    model.entrySet().removeIf(x -> {
                        if (x.getKey().startsWith(from)) {
                            moved.put(e.path().resolve(from.relativize(x.getKey())), x.getValue());
                            return true;
                        }
                        return false;
                    });
                    model.keySet().removeIf(p -> p.startsWith(e.path()));
                    model.putAll(moved);
                    model.put(e.path(), e.isDirectory());
                    break;
                }
                default:
                    break;
            }
        }
    }
}
