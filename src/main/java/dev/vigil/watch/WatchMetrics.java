package dev.vigil.watch;

import dev.vigil.watch.internal.SyncRegistry;
import dev.vigil.watch.internal.WatchStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * Micrometer meters over one or more {@link FileWatcher}s: their live sessions, the OS watches they hold, the paths
 * waiting for slow subscribers, and counts of the events they delivered, the losses and the rescans.
 *
 * <pre>{@code
 * FileWatcher watcher = FileWatcher.of(Path.of("/srv/inbox"));
 * new WatchMetrics(List.of(watcher), Tags.of("watcher", "inbox")).bindTo(registry);
 * }</pre>
 *
 * <h2>Meters</h2>
 * Each meter is the sum over the watchers given, with the tags given (plus {@code kind} where shown):
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>Name</th><th>Type</th><th>Base unit</th><th>Tags</th><th>What</th></tr>
 *   <tr><td>{@code vigil.watch.sessions}</td><td>gauge</td><td>sessions</td><td></td>
 *       <td>Live watch sessions: subscriptions to {@link FileWatcher#events()} not yet ended (cancelled,
 *       completed, failed, or closed with the watcher).</td></tr>
 *   <tr><td>{@code vigil.watch.native.watches}</td><td>gauge</td><td>watches</td><td></td>
 *       <td>OS watches the live sessions hold: one per watched directory with a per-directory backend (inotify,
 *       {@code WatchService}, a polled directory), one per root with a recursive one (Windows, FSEvents). Each
 *       session counts its own: two sessions watching one directory count 2, though on inotify they share one
 *       kernel watch of the JVM's one inotify instance.</td></tr>
 *   <tr><td>{@code vigil.watch.pending}</td><td>gauge</td><td>paths</td><td></td>
 *       <td>Distinct paths waiting in the sessions' buffers for their subscribers' demand (bounded per session by
 *       {@link FileWatcher.Builder#maxPendingPaths(int)}).</td></tr>
 *   <tr><td>{@code vigil.watch.events}</td><td>function counter</td><td>events</td><td>{@code kind}: {@code created},
 *       {@code modified}, {@code deleted}, {@code renamed}, {@code overflow}</td>
 *       <td>Events handed to subscribers ({@code onNext}). With {@link FileWatcher.Builder#awaitWriteFinish(java.time.Duration)
 *       awaitWriteFinish}, the events handed to the stage that holds them until the writes finish.</td></tr>
 *   <tr><td>{@code vigil.watch.overflows}</td><td>function counter</td><td>events</td><td></td>
 *       <td>Losses: the kernel's event queue or a session's own queue overflowed, or a session's buffer reached its
 *       bound; each is followed by a rescan (or, with {@link OverflowStrategy#ERROR}, ends the session).</td></tr>
 *   <tr><td>{@code vigil.watch.rescans}</td><td>function counter</td><td>events</td><td></td>
 *       <td>Subtrees rescanned after a loss (each delivered as an {@code OVERFLOW} event naming it, then the
 *       difference found).</td></tr>
 * </table>
 *
 * <h2>Cost</h2>
 * The watchers count whether or not a registry is bound (one {@code LongAdder} increment per delivered event, none
 * allocating); binding changes nothing in their behaviour. The gauges are computed when the registry reads them: the
 * pending count takes each session's buffer lock for a moment, the others read without locking (a moment stale at
 * worst).
 *
 * <h2>Lifetime</h2>
 * The registry keeps this binder, and through it the watchers, reachable until its meters are removed. Counters
 * count from the watcher's creation, not from binding. Binding the same watchers twice to one registry with the same
 * tags registers nothing new (Micrometer returns the existing meters).
 *
 * <h2>Class path</h2>
 * Micrometer ({@code io.micrometer:micrometer-core}) is an optional dependency of Vigil: only this class and
 * {@code dev.vigil.crash.CrashMetrics} need it; everything else loads and works without it.
 */
@SuppressWarnings("exports") // Micrometer types in the API: the module requires micrometer.core statically
public final class WatchMetrics implements MeterBinder {

    private final List<FileWatcher> watchers;
    private final Tags tags;

    /**
     * Meters over {@code watchers}, with {@code tags} on each.
     *
     * @param watchers the watchers to sum over (at least one)
     * @param tags     tags added to every meter, for example the watcher's purpose
     */
    public WatchMetrics(List<FileWatcher> watchers, Iterable<Tag> tags) {
        this.watchers = List.copyOf(Objects.requireNonNull(watchers, "watchers"));
        if (this.watchers.isEmpty()) {
            throw new IllegalArgumentException("no watcher to measure: give at least one FileWatcher");
        }
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    /** Meters over {@code watchers}, without tags of their own. */
    public WatchMetrics(FileWatcher... watchers) {
        this(List.of(watchers), Tags.empty());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, "vigil.watch.sessions", "sessions", "Live watch sessions", SyncRegistry::count);
        gauge(registry, "vigil.watch.native.watches", "watches", "OS watches held by the live watch sessions",
                SyncRegistry::nativeWatches);
        gauge(registry, "vigil.watch.pending", "paths", "Distinct paths waiting for subscribers' demand",
                SyncRegistry::pendingPaths);
        for (FileEvent.Kind kind : FileEvent.Kind.values()) {
            FunctionCounter.builder("vigil.watch.events", this, m -> m.sum(s -> s.events(kind)))
                    .tags(tags).tag("kind", kind.name().toLowerCase(Locale.ROOT))
                    .baseUnit("events").description("File events delivered to subscribers, by kind")
                    .register(registry);
        }
        FunctionCounter.builder("vigil.watch.overflows", this, m -> m.sum(WatchStats::overflows))
                .tags(tags).baseUnit("events").description("Losses of events followed by a rescan")
                .register(registry);
        FunctionCounter.builder("vigil.watch.rescans", this, m -> m.sum(WatchStats::rescans))
                .tags(tags).baseUnit("events").description("Subtrees rescanned after a loss of events")
                .register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String unit, String description,
            ToLongFunction<SyncRegistry> of) {
        // strong: the registry keeps this binder (and so the function counters' weak reference to it) alive
        Gauge.builder(name, this, m -> {
            long n = 0;
            for (FileWatcher w : m.watchers) {
                n += of.applyAsLong(w.sessions());
            }
            return n;
        }).tags(tags).baseUnit(unit).description(description).strongReference(true).register(registry);
    }

    private double sum(ToLongFunction<WatchStats> of) {
        long n = 0;
        for (FileWatcher w : watchers) {
            n += of.applyAsLong(w.stats());
        }
        return n;
    }

    @Override
    public String toString() {
        return "WatchMetrics[" + watchers.size() + (watchers.size() == 1 ? " watcher" : " watchers") + ", " + tags
                + "]";
    }
}
