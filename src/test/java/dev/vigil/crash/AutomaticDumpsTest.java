package dev.vigil.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

/** Per-kind automatic dumps: what a Reactor dropped error writes by default, by override, and under the rate limit. */
class AutomaticDumpsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Set<DumpFile.Format> BOTH = EnumSet.of(DumpFile.Format.THREAD_DUMP,
            DumpFile.Format.FLIGHT_RECORDING);

    @TempDir
    Path dumps;
    private final List<CrashReporter> handles = new ArrayList<>();

    @AfterEach
    void tearDown() {
        try {
            handles.forEach(CrashReporter::close);
        } finally {
            Hooks.resetOnErrorDropped();
            Schedulers.resetOnHandleError();
        }
    }

    /** The defaults, with the flight recorder on (so a missing recording is the kind's setting, not its absence). */
    private CrashReporterOptions options() {
        return CrashReporterOptions.defaults().withName("auto").withDumpDirectory(dumps).withPostMortemScan(false);
    }

    private CrashReporter install(CrashReporterOptions options) throws Exception {
        Hooks.onErrorDropped(e -> { }); // chained by the reporter: keeps Reactor's logging of the errors out
        CrashReporter r = CrashReporter.install(options);
        handles.add(r);
        return r;
    }

    /** Drops an error, and returns its event once the dump thread has done everything queued with it. */
    private CrashEvent dropAndSettle(CrashReporter reporter, String what) {
        CrashEvent[] seen = new CrashEvent[1];
        var sub = reporter.events().filter(e -> e.throwable().map(t -> t.getMessage().equals(what)).orElse(false))
                .subscribe(e -> seen[0] = e);
        try {
            Operators.onErrorDropped(new IllegalStateException(what), Context.empty());
            org.awaitility.Awaitility.await().atMost(WAIT).until(() -> seen[0] != null);
        } finally {
            sub.dispose();
        }
        // one dump thread, first in first out: a dump asked for now is written after the event's automatic ones
        DumpFile barrier = reporter.dump(DumpFile.Format.THREAD_DUMP).block(WAIT);
        try {
            Files.delete(barrier.path());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return seen[0];
    }

    private List<String> extensions() throws Exception {
        try (Stream<Path> s = Files.list(dumps)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
                    .map(n -> n.substring(n.lastIndexOf('.') + 1)).sorted().toList();
        }
    }

    @Test
    void defaultsGiveFatalKindsBothAndNonFatalKindsAThreadDump() {
        CrashReporterOptions d = CrashReporterOptions.defaults();
        for (CrashEvent.Kind k : List.of(CrashEvent.Kind.OUT_OF_MEMORY, CrashEvent.Kind.DEADLOCK,
                CrashEvent.Kind.STALL)) {
            assertThat(d.automaticDumps(k)).as("%s", k).isEqualTo(BOTH);
        }
        for (CrashEvent.Kind k : List.of(CrashEvent.Kind.UNCAUGHT_EXCEPTION, CrashEvent.Kind.REACTOR_DROPPED_ERROR,
                CrashEvent.Kind.REACTOR_SCHEDULER_ERROR)) {
            assertThat(d.automaticDumps(k)).as("%s", k).containsExactly(DumpFile.Format.THREAD_DUMP);
        }
        assertThat(d.automaticDumps(CrashEvent.Kind.NATIVE_CRASH)).isEmpty();
        assertThat(d.automaticDumps()).hasSize(6);
        assertThat(d.automaticDumpRate()).isEqualTo(CrashReporterOptions.DEFAULT_AUTOMATIC_DUMP_RATE);
        assertThat(d.withAutomaticDumps(Set.of()).automaticDumps().values()).allMatch(Set::isEmpty);
    }

    @Test
    void aDroppedErrorWritesOnlyAThreadDumpByDefault() throws Exception {
        CrashReporter reporter = install(options());
        CrashEvent event = dropAndSettle(reporter, "default");
        assertThat(extensions()).containsExactly("tdump");
        assertThat(event.dump().block(WAIT).format()).isEqualTo(DumpFile.Format.THREAD_DUMP);
        assertThat(reporter.failedDumpCount()).isZero();
    }

    @Test
    void overridingTheKindWritesWhatItSays() throws Exception {
        CrashReporter reporter = install(options().withAutomaticDumps(CrashEvent.Kind.REACTOR_DROPPED_ERROR, BOTH));
        dropAndSettle(reporter, "both");
        assertThat(extensions()).containsExactly("jfr", "tdump");
    }

    @Test
    void aKindWithNoAutomaticDumpsWritesNothingUntilAsked() throws Exception {
        CrashReporter reporter = install(options().withAutomaticDumps(CrashEvent.Kind.REACTOR_DROPPED_ERROR,
                Set.of()));
        CrashEvent event = dropAndSettle(reporter, "none");
        assertThat(extensions()).isEmpty();
        DumpFile lazy = event.dump().block(WAIT); // lazy: written when asked
        assertThat(lazy.format()).isEqualTo(DumpFile.Format.THREAD_DUMP);
        assertThat(extensions()).containsExactly("tdump");
    }

    @Test
    void theAutomaticDumpRateLimitCountsEachKindApart() throws Exception {
        CrashReporter reporter = install(options().withFlightRecorder(false)
                .withAutomaticDumpRateLimit(1, Duration.ofHours(1)));
        dropAndSettle(reporter, "first");
        CrashEvent second = dropAndSettle(reporter, "second");
        assertThat(extensions()).as("the second of the kind in the period gets none").containsExactly("tdump");
        assertThat(reporter.failedDumpCount()).as("skipped, not failed").isZero();
        assertThat(second.dump().block(WAIT).path()).exists(); // its dump is lazy
        Schedulers.single().schedule(() -> {
            throw new IllegalStateException("scheduler");
        });
        org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(extensions())
                .as("another kind has its own window").containsExactly("tdump", "tdump", "tdump"));
    }

    @Test
    void optionsAreEqualWhateverTheOrderAndTheDifferenceNamesTheKind() throws Exception {
        CrashReporterOptions a = options().withAutomaticDumps(CrashEvent.Kind.STALL, Set.of())
                .withAutomaticDumps(CrashEvent.Kind.REACTOR_DROPPED_ERROR, Set.of());
        CrashReporterOptions b = options().withAutomaticDumps(CrashEvent.Kind.REACTOR_DROPPED_ERROR, Set.of())
                .withAutomaticDumps(CrashEvent.Kind.STALL, Set.of());
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        CrashReporter first = install(a.withFlightRecorder(false));
        CrashReporter shared = install(b.withFlightRecorder(false));
        assertThat(shared.dumpDirectory()).isEqualTo(first.dumpDirectory());

        assertThatThrownBy(() -> CrashReporter.install(b.withFlightRecorder(false)
                .withAutomaticDumps(CrashEvent.Kind.REACTOR_DROPPED_ERROR, Set.of(DumpFile.Format.THREAD_DUMP))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("automaticDumps[REACTOR_DROPPED_ERROR]: [] vs [THREAD_DUMP]")
                .hasMessageNotContaining("STALL");
        assertThatThrownBy(() -> CrashReporter.install(b.withFlightRecorder(false)
                .withAutomaticDumpRateLimit(9, Duration.ofMinutes(1))))
                .hasMessageContaining("automaticDumpRate: 3 vs 9");
    }

    @Test
    void onlyInProcessKindsAndAutomaticFormatsAreAccepted() {
        CrashReporterOptions d = CrashReporterOptions.defaults();
        assertThatThrownBy(() -> d.withAutomaticDumps(CrashEvent.Kind.NATIVE_CRASH, Set.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NATIVE_CRASH")
                .hasMessageContaining("in-process");
        assertThatThrownBy(() -> d.withAutomaticDumps(CrashEvent.Kind.STALL, Set.of(DumpFile.Format.HEAP_DUMP)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HEAP_DUMP");
        assertThatThrownBy(() -> d.withAutomaticDumpRateLimit(0, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
