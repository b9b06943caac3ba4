package dev.vigil.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/** The post-mortem scan at install and the live watch of dump directories. */
class PostMortemScanTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String HEADER = """
            #
            # A fatal error has been detected by the Java Runtime Environment:
            #
            #  SIGBUS (0x7) at pc=0x0000000000001234, pid=%d, tid=2
            #
            # JRE version: OpenJDK Runtime Environment (17.0.15+6) (build 17.0.15+6)
            # Java VM: OpenJDK 64-Bit Server VM (17.0.15+6, mixed mode, linux-amd64)
            # Problematic frame:
            # C  [libfixture.so+0x10]  crash_here+0x4
            #
            END.
            """;

    @TempDir
    Path tmp;
    Path crashes;
    Path dumps;

    @BeforeEach
    void setUp() throws Exception {
        crashes = Files.createDirectories(tmp.resolve("crashes"));
        dumps = tmp.resolve("dumps");
    }

    private CrashReporterOptions options() {
        return CrashReporterOptions.defaults().withName("pm").withDumpDirectory(dumps).withFlightRecorder(false)
                .withSources(Set.of()).withCrashDirectories(List.of(crashes));
    }

    /** A pid that belonged to a process that has exited. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-version")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.onExit().get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).pid();
    }

    private List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void filesOfDeadJvmsArePublishedOnceAndMovedIntoTheDumpDirectory() throws Exception {
        long dead = deadPid();
        Files.writeString(crashes.resolve("hs_err_pid" + dead + ".log"), HEADER.formatted(dead));
        Files.writeString(crashes.resolve("hs_err_pid" + dead + ".jfr"), "FLR\0");
        long deadOfOom = deadPid();
        Files.writeString(crashes.resolve("java_pid" + deadOfOom + ".hprof"), "JAVA PROFILE 1.0.2");
        long self = ProcessHandle.current().pid();
        Instant beforeStart = Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()).minusSeconds(60);
        Path previousIncarnation = Files.writeString(crashes.resolve("hs_err_pid" + self + ".log"),
                HEADER.formatted(self));
        Files.setLastModifiedTime(previousIncarnation, FileTime.from(beforeStart));
        Path ours = Files.writeString(crashes.resolve("java_pid" + self + ".hprof"), "being written by this JVM");

        try (CrashReporter reporter = CrashReporter.install(options())) {
            List<CrashEvent> events = reporter.events().take(3).collectList().block(WAIT);
            assertThat(events).allSatisfy(e -> assertThat(e.source()).isEqualTo(CrashEvent.Source.POST_MORTEM));
            CrashEvent crash = events.stream().filter(e -> e.pid() == dead
                    && e.kind() == CrashEvent.Kind.NATIVE_CRASH).findFirst().orElseThrow();
            assertThat(crash.nativeCrash().orElseThrow().error()).isEqualTo("SIGBUS");
            assertThat(crash.nativeCrash().orElseThrow().problematicFrame()).contains("crash_here");
            assertThat(crash.artifacts()).extracting(DumpFile::format)
                    .containsExactly(DumpFile.Format.HS_ERR, DumpFile.Format.FLIGHT_RECORDING);
            assertThat(crash.dump().block(WAIT).path().getFileName().toString()).matches("pm_\\d{8}-\\d{6}\\.log");
            assertThat(events).anySatisfy(e -> {
                assertThat(e.pid()).isEqualTo(self);
                assertThat(e.kind()).isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
            });
            assertThat(events).anySatisfy(e -> assertThat(e.kind()).isEqualTo(CrashEvent.Kind.OUT_OF_MEMORY));
            assertThat(names(crashes)).containsExactly(ours.getFileName().toString());
            assertThat(names(dumps)).hasSize(4).allMatch(n -> n.startsWith("pm_"));
        }
        try (CrashReporter again = CrashReporter.install(options())) {
            StepVerifier.create(again.events()).then(again::close).as("published once").verifyComplete();
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void dumpsWrittenByOtherProcessesInAWatchedDirectoryArePublishedWhenComplete() throws Exception {
        Path watched = Files.createDirectories(tmp.resolve("watched"));
        long dead = deadPid();
        try (CrashReporter reporter = CrashReporter.install(options().withWatchedDirectories(List.of(watched)))) {
            StepVerifier.create(reporter.events())
                    .then(() -> write(watched.resolve("hs_err_pid" + dead + ".log"), HEADER.formatted(dead)))
                    .assertNext(e -> {
                        assertThat(e.kind()).isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
                        assertThat(e.source()).isEqualTo(CrashEvent.Source.POST_MORTEM);
                        assertThat(e.pid()).isEqualTo(dead);
                        assertThat(e.nativeCrash().orElseThrow().complete()).isTrue();
                    })
                    .thenCancel()
                    .verify(WAIT);
            assertThat(names(watched)).isEmpty();
        }
    }

    private static void write(Path p, String content) {
        try {
            Files.writeString(p, content);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
