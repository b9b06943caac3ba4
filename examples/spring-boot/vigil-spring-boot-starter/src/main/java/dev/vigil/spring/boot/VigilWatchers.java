package dev.vigil.spring.boot;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileWatcher;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Flux;

/**
 * The named watchers of the application ({@code vigil.watch.<name>}), and the way to watch them so that the health
 * indicator and the {@code vigil} endpoint see the sessions.
 *
 * <h2>Lifecycle</h2>
 * The watchers are closed when the context stops, in the first lifecycle phase to stop
 * ({@link SmartLifecycle#DEFAULT_PHASE}), before the web server's graceful shutdown: every open event stream (a
 * server-sent-events response, say) then completes at once instead of holding the shutdown until its timeout. A
 * stopped context's watchers stay closed; they are closed again, harmlessly, when their beans are destroyed.
 *
 * <h2>Sessions</h2>
 * {@link #events(String)} is the watcher's {@link FileWatcher#events()} with bookkeeping: the sessions alive, the
 * time of the last {@code OVERFLOW}, the last error. Sessions opened through the {@code FileWatcher} bean directly
 * work the same but are not counted.
 */
public final class VigilWatchers implements SmartLifecycle {

    /** The prefix of the bean name of each watcher: {@code vigilFileWatcher_<name>}. */
    public static final String BEAN_PREFIX = "vigilFileWatcher_";

    private final Map<String, Tracked> watchers;
    private volatile boolean running;

    VigilWatchers(Map<String, FileWatcher> watchers) {
        Map<String, Tracked> m = new LinkedHashMap<>();
        watchers.forEach((name, w) -> m.put(name, new Tracked(w)));
        this.watchers = Collections.unmodifiableMap(m);
    }

    /** The names of the watchers, in the order of the configuration. */
    public List<String> names() {
        return List.copyOf(watchers.keySet());
    }

    /** The watcher named {@code name}. @throws NoSuchElementException naming the configured ones */
    public FileWatcher watcher(String name) {
        return tracked(name).watcher;
    }

    /**
     * A cold stream of the changes of the watcher named {@code name}: {@link FileWatcher#events()}, counted. Each
     * subscription is one watch session; it completes when the context stops.
     *
     * @throws NoSuchElementException when no watcher has that name, naming the configured ones
     */
    public Flux<FileEvent> events(String name) {
        Tracked t = tracked(name);
        return t.watcher.events()
                .doOnSubscribe(s -> {
                    t.sessions.incrementAndGet();
                    t.lastError.set(null);
                })
                .doOnNext(e -> {
                    if (e.kind() == FileEvent.Kind.OVERFLOW) {
                        t.lastOverflow.set(Instant.now());
                    }
                })
                .doOnError(t.lastError::set)
                .doFinally(s -> t.sessions.decrementAndGet());
    }

    /** What the health indicator and the endpoint report about the watcher named {@code name}. */
    public Status status(String name) {
        Tracked t = tracked(name);
        Throwable error = t.lastError.get();
        return new Status(name, t.watcher.roots().stream().map(Object::toString).toList(), t.sessions.get(),
                t.watcher.isClosed(), Optional.ofNullable(t.lastOverflow.get()),
                Optional.ofNullable(error).map(e -> e.getClass().getSimpleName() + ": " + e.getMessage()));
    }

    /**
     * The state of one watcher.
     *
     * @param name         its name in {@code vigil.watch}
     * @param roots        its roots
     * @param sessions     the sessions opened by {@link #events(String)} that are alive
     * @param closed       whether it was closed (the context stopped)
     * @param lastOverflow when one of its sessions last delivered an {@code OVERFLOW} event
     * @param lastError    the error that ended its last failed session, until a new session starts
     */
    public record Status(String name, List<String> roots, int sessions, boolean closed,
            Optional<Instant> lastOverflow, Optional<String> lastError) {
    }

    private Tracked tracked(String name) {
        Tracked t = watchers.get(name);
        if (t == null) {
            throw new NoSuchElementException("no watcher named '" + name + "': configure vigil.watch." + name
                    + ".roots, or use one of " + watchers.keySet());
        }
        return t;
    }

    @Override
    public void start() {
        running = true;
    }

    /** Closes every watcher: their sessions complete. */
    @Override
    public void stop() {
        running = false;
        watchers.values().forEach(t -> t.watcher.close());
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return DEFAULT_PHASE;
    }

    private static final class Tracked {
        final FileWatcher watcher;
        final AtomicInteger sessions = new AtomicInteger();
        final AtomicReference<Instant> lastOverflow = new AtomicReference<>();
        final AtomicReference<Throwable> lastError = new AtomicReference<>();

        Tracked(FileWatcher watcher) {
            this.watcher = watcher;
        }
    }
}
