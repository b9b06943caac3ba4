package dev.vigil.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.crash.CrashReporter;
import dev.vigil.watch.Backend;
import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileWatcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.test.StepVerifier;

class VigilAutoConfigurationTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(VigilWatchAutoConfiguration.class,
                    VigilCrashAutoConfiguration.class, VigilEndpointAutoConfiguration.class,
                    VigilHealthAutoConfiguration.class))
            .withPropertyValues("vigil.crash.enabled=false", "management.endpoints.web.exposure.include=vigil");

    @Test
    void eachNamedWatcherIsABeanWhoseNameCannotClashWithBoots() throws Exception {
        Path a = Files.createDirectory(tmp.resolve("a"));
        Path b = Files.createDirectory(tmp.resolve("b"));
        runner.withPropertyValues("vigil.watch.inbox.roots=" + a, "vigil.watch.logs.roots[0]=" + b,
                        "vigil.watch.logs.recursive=false")
                // Boot's SslAutoConfiguration defines a bean of this name
                .withBean("fileWatcher", String.class, () -> "not ours")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBeansOfType(FileWatcher.class))
                            .containsOnlyKeys("vigilFileWatcher_inbox", "vigilFileWatcher_logs");
                    assertThat(ctx.getBean("vigilFileWatcher_inbox", FileWatcher.class).roots()).containsExactly(a);
                    assertThat(ctx.getBean("fileWatcher")).isEqualTo("not ours");
                    assertThat(ctx.getBean(VigilWatchers.class).names()).containsExactly("inbox", "logs");
                });
    }

    @Test
    void includeExcludeAndBackendComeFromTheProperties() throws Exception {
        Path a = Files.createDirectory(tmp.resolve("a"));
        runner.withPropertyValues("vigil.watch.a.roots=" + a, "vigil.watch.a.include=*.txt",
                        "vigil.watch.a.exclude=skip*", "vigil.watch.p.roots=" + a, "vigil.watch.p.backend=polling")
                .run(ctx -> {
                    VigilWatchers watchers = ctx.getBean(VigilWatchers.class);
                    assertThat(watchers.watcher("p").backends()).containsEntry(a, Backend.POLLING);
                    StepVerifier.create(watchers.events("a"))
                            .then(() -> {
                                write(a.resolve("skip.txt"));
                                write(a.resolve("note.md"));
                                write(a.resolve("keep.txt"));
                            })
                            .assertNext(e -> assertThat(e.path()).isEqualTo(a.resolve("keep.txt")))
                            .thenCancel()
                            .verify(WAIT);
                });
    }

    @Test
    void aBadPatternOrNoRootFailsTheContextNamingTheProperty() {
        runner.withPropertyValues("vigil.watch.a.roots=" + tmp, "vigil.watch.a.include=[ab")
                .run(ctx -> assertThat(ctx).getFailure().rootCause().hasMessageContaining("[ab"));
        runner.withPropertyValues("vigil.watch.a.roots=" + tmp, "vigil.watch.a.include=[ab")
                .run(ctx -> assertThat(ctx).getFailure().hasStackTraceContaining("vigil.watch.a:"));
        runner.withPropertyValues("vigil.watch.empty.include=*.txt")
                .run(ctx -> assertThat(ctx).getFailure()
                        .hasStackTraceContaining("vigil.watch.empty.roots is empty"));
    }

    @Test
    void closingTheContextCompletesLiveSessions() {
        runner.withPropertyValues("vigil.watch.a.roots=" + tmp).run(ctx -> {
            FileWatcher watcher = ctx.getBean("vigilFileWatcher_a", FileWatcher.class);
            StepVerifier.create(ctx.getBean(VigilWatchers.class).events("a"))
                    .then(ctx::close)
                    .expectComplete()
                    .verify(WAIT);
            assertThat(watcher.isClosed()).isTrue();
        });
    }

    @Test
    void theCrashReporterIsNamedAfterTheApplicationAndClosedWithTheContext() {
        Path dumps = tmp.resolve("dumps");
        runner.withPropertyValues("vigil.crash.enabled=true", "spring.application.name=orders service",
                "vigil.crash.dir=" + dumps).run(ctx -> {
                    CrashReporter reporter = ctx.getBean(CrashReporter.class);
                    assertThat(reporter.options().name()).isEqualTo("orders-service");
                    assertThat(reporter.dumpDirectory()).isEqualTo(dumps);
                    assertThat(dumps).isDirectory();
                    assertThat(CrashReporter.installed()).isPresent();
                    ctx.close();
                    assertThat(reporter.isClosed()).isTrue();
                    assertThat(CrashReporter.installed()).isEmpty();
                });
        runner.run(ctx -> assertThat(ctx).doesNotHaveBean(CrashReporter.class).doesNotHaveBean(VigilCrashLog.class));
    }

    @Test
    void actuatorSupportOnlyWithTheActuator() {
        runner.run(ctx -> assertThat(ctx).hasSingleBean(VigilEndpoint.class)
                .hasSingleBean(VigilHealthIndicator.class).hasBean("vigilHealthIndicator"));
        runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate",
                        "org.springframework.boot.health"))
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("vigilEndpoint")
                        .doesNotHaveBean("vigilHealthIndicator").hasSingleBean(VigilWatchers.class));
        runner.withPropertyValues("management.health.vigil.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean("vigilHealthIndicator"));
    }

    @Test
    void healthIsDownWhenTheDumpDirectoryIsGone() {
        Path dumps = tmp.resolve("dumps");
        runner.withPropertyValues("vigil.crash.enabled=true", "vigil.crash.dir=" + dumps).run(ctx -> {
            var indicator = ctx.getBean(VigilHealthIndicator.class);
            assertThat(indicator.health().getStatus().getCode()).isEqualTo("UP");
            assertThat(indicator.health().getDetails()).containsEntry("dumpDirectoryWritable", true);
            Files.delete(dumps);
            assertThat(indicator.health().getStatus().getCode()).isEqualTo("DOWN");
            assertThat(indicator.health().getDetails()).containsEntry("dumpDirectoryWritable", false);
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void healthCountsSessionsAndTellsOfARecentOverflow() {
        runner.withPropertyValues("vigil.watch.a.roots=" + tmp, "vigil.watch.a.max-pending-paths=1").run(ctx -> {
            VigilWatchers watchers = ctx.getBean(VigilWatchers.class);
            var indicator = ctx.getBean(VigilHealthIndicator.class);
            StepVerifier.create(watchers.events("a"), 0)
                    .then(() -> {
                        Map<String, Object> a = watcherDetails(indicator.health().getDetails());
                        assertThat(a).containsEntry("sessions", 1).containsEntry("overflowRecently", false);
                        write(tmp.resolve("1"));
                        write(tmp.resolve("2"));
                        write(tmp.resolve("3"));
                        watchers.watcher("a").ready().block(WAIT); // read: the buffer of one path collapsed
                    })
                    .thenRequest(Long.MAX_VALUE)
                    .expectNextMatches(e -> e.kind() == FileEvent.Kind.OVERFLOW)
                    .thenCancel()
                    .verify(WAIT);
            Map<String, Object> a = watcherDetails(indicator.health().getDetails());
            assertThat(a).containsEntry("sessions", 0).containsEntry("overflowRecently", true);
            assertThat(a.get("lastOverflow")).isNotNull();
            assertThat(indicator.health().getStatus().getCode()).isEqualTo("UP");
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> watcherDetails(Map<String, Object> details) {
        return (Map<String, Object>) ((Map<String, Object>) details.get("watchers")).get("a");
    }

    private static void write(Path file) {
        try {
            Files.writeString(file, "x");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
