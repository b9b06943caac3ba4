package dev.vigil.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

/** CrashMetrics over a real installed reporter, read from a SimpleMeterRegistry. */
class CrashMetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dumps;
    private CrashReporter reporter;
    private final MeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void tearDown() {
        try {
            if (reporter != null) {
                reporter.close();
            }
        } finally {
            Hooks.resetOnErrorDropped();
            Schedulers.resetOnHandleError();
            registry.close();
        }
    }

    private double count(String name, String... tags) {
        return registry.get(name).tags("service", "test").tags(tags).functionCounter().count();
    }

    @Test
    void eventsByKindAndDumpsWrittenRefusedAndFailedAreCounted() throws Exception {
        Hooks.onErrorDropped(e -> { }); // chained by the reporter: keeps Reactor's logging of the errors out
        reporter = CrashReporter.install(CrashReporterOptions.defaults().withName("metrics").withDumpDirectory(dumps)
                .withFlightRecorder(false).withPostMortemScan(false)
                .withDumpRateLimit(2, Duration.ofHours(1)));
        new CrashMetrics(reporter, Tags.of("service", "test")).bindTo(registry);
        assertThat(count("vigil.crash.events", "kind", "reactor_dropped_error")).isZero();

        Operators.onErrorDropped(new IllegalStateException("one"), Context.empty()); // its thread dump: permit 1
        await().atMost(WAIT).until(() -> count("vigil.crash.dumps.written", "format", "thread_dump") == 1);
        assertThat(count("vigil.crash.events", "kind", "reactor_dropped_error")).isEqualTo(1);

        assertThat(reporter.dump(DumpFile.Format.THREAD_DUMP).block(WAIT).path()).exists(); // permit 2
        StepVerifier.create(reporter.dump(DumpFile.Format.THREAD_DUMP)).expectError(DumpRefusedException.class)
                .verify(WAIT);
        Operators.onErrorDropped(new IllegalStateException("two"), Context.empty()); // its automatic dump is refused
        await().atMost(WAIT).until(() -> count("vigil.crash.dumps.failed") == 1);

        assertThat(count("vigil.crash.events", "kind", "reactor_dropped_error")).isEqualTo(2);
        assertThat(count("vigil.crash.events", "kind", "uncaught_exception")).isZero();
        assertThat(count("vigil.crash.dumps.written", "format", "thread_dump")).isEqualTo(2);
        assertThat(count("vigil.crash.dumps.written", "format", "flight_recording")).isZero();
        assertThat(count("vigil.crash.dumps.refused")).isEqualTo(2);
        assertThat(count("vigil.crash.events.suppressed")).isZero();
        assertThat(count("vigil.crash.events.dropped")).isZero();

        reporter.close();
        reporter = null;
        assertThat(count("vigil.crash.events", "kind", "reactor_dropped_error"))
                .as("a closed installation keeps its counts").isEqualTo(2);
    }
}
