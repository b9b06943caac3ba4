package dev.vigil.crash;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters over a {@link CrashReporter}: the crash events it published by kind, and the dumps it wrote,
 * refused and failed to write.
 *
 * <pre>{@code
 * CrashReporter reporter = CrashReporter.install(CrashReporterOptions.defaults().withName("orders"));
 * new CrashMetrics(reporter, Tags.of("service", "orders")).bindTo(registry);
 * }</pre>
 *
 * <h2>Meters</h2>
 * All are function counters over the reporter's installation (shared by all its handles), with the tags given (plus
 * the one shown):
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>Name</th><th>Base unit</th><th>Tags</th><th>What</th></tr>
 *   <tr><td>{@code vigil.crash.events}</td><td>events</td><td>{@code kind}: the {@link CrashEvent.Kind} in lower
 *       case ({@code uncaught_exception}, {@code reactor_dropped_error}, {@code out_of_memory}, {@code deadlock},
 *       {@code stall}, {@code native_crash}, {@code suppressed}, ...)</td>
 *       <td>Events published on {@link CrashReporter#events()} (post-mortem ones found at install included; those
 *       over the event rate limit are not published: see {@code vigil.crash.events.suppressed}).</td></tr>
 *   <tr><td>{@code vigil.crash.events.suppressed}</td><td>events</td><td></td>
 *       <td>{@link CrashReporter#suppressedCount()}: events over the event rate limit.</td></tr>
 *   <tr><td>{@code vigil.crash.events.dropped}</td><td>events</td><td></td>
 *       <td>{@link CrashReporter#droppedCount()}: events lost by subscribers that did not keep up.</td></tr>
 *   <tr><td>{@code vigil.crash.dumps.written}</td><td>files</td><td>{@code format}: the {@link DumpFile.Format} in
 *       lower case ({@code thread_dump}, {@code flight_recording}, {@code heap_dump}, {@code windows_minidump},
 *       {@code hs_err}, {@code core})</td>
 *       <td>Files placed in the dump directory: written in process, or claimed from dead JVMs.</td></tr>
 *   <tr><td>{@code vigil.crash.dumps.refused}</td><td>files</td><td></td>
 *       <td>{@link CrashReporter#refusedDumpCount()}: dumps the dump rate limit refused (asked for or
 *       automatic).</td></tr>
 *   <tr><td>{@code vigil.crash.dumps.failed}</td><td>files</td><td></td>
 *       <td>{@link CrashReporter#failedDumpCount()}: automatic dumps that could not be written (refusals by the
 *       rate limit included).</td></tr>
 * </table>
 *
 * <h2>Cost and lifetime</h2>
 * The reporter counts whether or not a registry is bound; binding only adds functions the registry reads. As with
 * every Micrometer function counter, the registry refers to the handle weakly: keep it (it has to be kept to be
 * closed anyway). After the installation ends, the counters keep their last values. Binding a second handle to the same installation, with the same tags, to one
 * registry registers nothing new.
 *
 * <h2>Class path</h2>
 * Micrometer ({@code io.micrometer:micrometer-core}) is an optional dependency of Vigil: only this class and
 * {@code dev.vigil.watch.WatchMetrics} need it; everything else loads and works without it.
 */
@SuppressWarnings("exports") // Micrometer types in the API: the module requires micrometer.core statically
public final class CrashMetrics implements MeterBinder {

    private final CrashReporter reporter;
    private final Tags tags;

    /**
     * Meters over {@code reporter}'s installation, with {@code tags} on each.
     *
     * @param reporter a handle (or the {@linkplain CrashReporter#installed() view})
     * @param tags     tags added to every meter
     */
    public CrashMetrics(CrashReporter reporter, Iterable<Tag> tags) {
        this.reporter = Objects.requireNonNull(reporter, "reporter");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    /** Meters over {@code reporter}'s installation, without tags of their own. */
    public CrashMetrics(CrashReporter reporter) {
        this(reporter, Tags.empty());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (CrashEvent.Kind kind : CrashEvent.Kind.values()) {
            counter(registry, "vigil.crash.events", "events", "Crash events published, by kind",
                    r -> r.publishedCount(kind), Tags.of("kind", kind.name().toLowerCase(Locale.ROOT)));
        }
        counter(registry, "vigil.crash.events.suppressed", "events", "Crash events over the event rate limit",
                CrashReporter::suppressedCount, Tags.empty());
        counter(registry, "vigil.crash.events.dropped", "events", "Crash events lost by slow subscribers",
                CrashReporter::droppedCount, Tags.empty());
        for (DumpFile.Format format : DumpFile.Format.values()) {
            counter(registry, "vigil.crash.dumps.written", "files", "Dump files placed in the dump directory",
                    r -> r.placedCount(format), Tags.of("format", format.name().toLowerCase(Locale.ROOT)));
        }
        counter(registry, "vigil.crash.dumps.refused", "files", "Dumps refused by the dump rate limit",
                CrashReporter::refusedDumpCount, Tags.empty());
        counter(registry, "vigil.crash.dumps.failed", "files", "Automatic dumps that could not be written",
                CrashReporter::failedDumpCount, Tags.empty());
    }

    private void counter(MeterRegistry registry, String name, String unit, String description,
            ToDoubleFunction<CrashReporter> count, Tags own) {
        FunctionCounter.builder(name, reporter, count).tags(tags).tags(own).baseUnit(unit).description(description)
                .register(registry);
    }

    @Override
    public String toString() {
        return "CrashMetrics[" + reporter + ", " + tags + "]";
    }
}
