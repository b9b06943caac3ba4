package dev.vigil.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.crash.fixtures.Jdks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.test.StepVerifier;

/** Real child JVMs that crash, supervised; every event, kind, file, name and place is asserted. */
@EnabledOnOs(OS.LINUX)
class CrashSupervisorTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String STAMP = "\\d{8}-\\d{6}(-\\d+)?";

    @TempDir
    Path tmp;
    Path dumps;
    Path cwd;

    @BeforeEach
    void setUp() throws Exception {
        dumps = tmp.resolve("dumps");
        cwd = Files.createDirectories(tmp.resolve("cwd"));
    }

    static List<Path> jdks() {
        return Jdks.all();
    }

    private CrashReporterOptions options() {
        return CrashReporterOptions.defaults().withName("sup").withDumpDirectory(dumps)
                .withFlightRecorder(Duration.ofMinutes(1), 8L << 20);
    }

    private CrashSupervisor.Child launch(CrashSupervisor supervisor, Path jdk, String mode, String... props)
            throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Jdks.crasher(jdk, mode, props))
                .directory(cwd.toFile())
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child-" + mode + ".out").toFile());
        return supervisor.launch(pb);
    }

    private static CrashEvent onlyEvent(CrashSupervisor.Child child) {
        List<CrashEvent> events = child.events().collectList().block(WAIT);
        assertThat(events).hasSize(1);
        CrashEvent e = events.get(0);
        assertThat(e.source()).isEqualTo(CrashEvent.Source.SUPERVISOR);
        assertThat(e.pid()).isEqualTo(child.process().pid());
        return e;
    }

    private List<String> dumpNames() throws Exception {
        try (Stream<Path> s = Files.list(dumps)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private void assertNothingLeftBehind(CrashSupervisor.Child child) throws Exception {
        assertThat(child.runDirectory()).doesNotExist();
        try (Stream<Path> s = Files.list(cwd)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("hs_err")
                    || n.startsWith("core") || n.endsWith(".hprof"));
        }
    }

    @ParameterizedTest
    @MethodSource("jdks")
    void jnaNullReadIsANativeCrashWithTheHsErrReportAndTheEmergencyRecording(Path jdk) throws Exception {
        CrashSupervisor.Child child = launch(CrashSupervisor.create(options()), jdk, "jna-null-read");
        CrashEvent e = onlyEvent(child);
        assertThat(e.kind()).isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
        assertThat(e.exitCode()).hasValue(1);
        CrashEvent.NativeCrash report = e.nativeCrash().orElseThrow();
        assertThat(report.error()).isEqualTo("SIGSEGV");
        assertThat(report.code()).isEqualTo("0xb");
        assertThat(report.problematicFrame()).contains("Java_com_sun_jna_Native_getInt");
        assertThat(report.jreVersion()).contains("(" + Jdks.feature(jdk) + ".");
        assertThat(report.complete()).isTrue();
        assertThat(e.message()).contains("died of SIGSEGV (0xb)");
        assertThat(e.artifacts()).extracting(DumpFile::format)
                .containsExactlyInAnyOrder(DumpFile.Format.HS_ERR, DumpFile.Format.FLIGHT_RECORDING);
        assertThat(dumpNames()).hasSize(2).allMatch(n -> n.matches("sup_" + STAMP + "\\.(log|jfr)"));
        DumpFile hsErr = e.dump().block(WAIT);
        assertThat(hsErr.format()).isEqualTo(DumpFile.Format.HS_ERR);
        assertThat(Files.readString(hsErr.path(), StandardCharsets.ISO_8859_1))
                .contains("A fatal error has been detected by the Java Runtime Environment");
        // the emergency recording is a real recording of the child's last moments, not just a file named .jfr
        Path jfr = e.artifacts().stream().filter(a -> a.format() == DumpFile.Format.FLIGHT_RECORDING).findFirst()
                .orElseThrow().path();
        List<RecordedEvent> recorded = RecordingFile.readAllEvents(jfr);
        assertThat(recorded).isNotEmpty();
        assertThat(recorded).anySatisfy(r -> assertThat(r.getEventType().getName()).startsWith("jdk."));
        StepVerifier.create(e.dump(DumpFile.Format.THREAD_DUMP)).verifyError(UnsupportedOperationException.class);
        assertNothingLeftBehind(child);
    }

    @Test
    void unsafeWriteToAddressZeroIsANativeCrashInTheVm() throws Exception {
        CrashSupervisor.Child child = launch(CrashSupervisor.create(options().withFlightRecorder(false)),
                Jdks.current(), "unsafe-null-write");
        CrashEvent e = onlyEvent(child);
        assertThat(e.kind()).isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
        assertThat(e.nativeCrash().orElseThrow().error()).isEqualTo("SIGSEGV");
        assertThat(e.nativeCrash().orElseThrow().problematicFrame()).startsWith("V");
        assertThat(e.artifacts()).extracting(DumpFile::format).containsExactly(DumpFile.Format.HS_ERR);
        assertThat(dumpNames()).singleElement().matches(n -> n.matches("sup_" + STAMP + "\\.log"));
        assertNothingLeftBehind(child);
    }

    @ParameterizedTest
    @MethodSource("jdks")
    void abortIsANativeAbortThatLeftNothing(Path jdk) throws Exception {
        CrashSupervisor.Child child = launch(CrashSupervisor.create(options()), jdk, "abort");
        CrashEvent e = onlyEvent(child);
        assertThat(e.kind()).isEqualTo(CrashEvent.Kind.NATIVE_ABORT);
        assertThat(e.exitCode()).hasValue(134);
        assertThat(e.artifacts()).isEmpty();
        assertThat(e.message()).contains("SIGABRT").contains("left no files");
        StepVerifier.create(e.dump()).verifyErrorSatisfies(x -> assertThat(x)
                .isInstanceOf(java.nio.file.NoSuchFileException.class).hasMessageContaining("abort()"));
        assertThat(dumps).isEmptyDirectory();
        assertNothingLeftBehind(child);
    }

    @Test
    void outOfMemoryWithHeapDumpsLeavesTheHeapDumpAndTheExitRecording() throws Exception {
        CrashSupervisor.Child child = launch(CrashSupervisor.create(options().withHeapDumps(true)), Jdks.current(),
                "oom");
        CrashEvent e = onlyEvent(child);
        assertThat(e.kind()).isEqualTo(CrashEvent.Kind.OUT_OF_MEMORY);
        assertThat(e.exitCode()).hasValue(1);
        assertThat(e.artifacts()).extracting(DumpFile::format)
                .containsExactlyInAnyOrder(DumpFile.Format.HEAP_DUMP, DumpFile.Format.FLIGHT_RECORDING);
        assertThat(e.dump().block(WAIT).path().getFileName().toString()).matches("sup_" + STAMP + "\\.hprof");
        assertNothingLeftBehind(child);
    }

    @Test
    void outOfMemoryWithoutHeapDumpsIsOnlyAnAbnormalExitSeenFromOutside() throws Exception {
        CrashSupervisor.Child child = launch(CrashSupervisor.create(options()), Jdks.current(), "oom");
        CrashEvent e = onlyEvent(child);
        assertThat(e.kind()).isEqualTo(CrashEvent.Kind.ABNORMAL_EXIT);
        assertThat(e.artifacts()).extracting(DumpFile::format).containsExactly(DumpFile.Format.FLIGHT_RECORDING);
        assertThat(dumpNames()).singleElement().matches(n -> n.matches("sup_" + STAMP + "\\.jfr"));
    }

    @Test
    void exitOneWithoutFlightRecorderIsAnAbnormalExitWithNoFiles() throws Exception {
        CrashSupervisor.Child child = launch(CrashSupervisor.create(options().withFlightRecorder(false)),
                Jdks.current(), "exit1");
        CrashEvent e = onlyEvent(child);
        assertThat(e.kind()).isEqualTo(CrashEvent.Kind.ABNORMAL_EXIT);
        assertThat(e.exitCode()).hasValue(1);
        assertThat(e.artifacts()).isEmpty();
        StepVerifier.create(e.dump()).verifyError(java.nio.file.NoSuchFileException.class);
        assertNothingLeftBehind(child);
    }

    @Test
    void cleanExitGivesNoEventAndLeavesNothing() throws Exception {
        CrashSupervisor.Child child = launch(CrashSupervisor.create(options()), Jdks.current(), "exit0");
        StepVerifier.create(child.events()).expectComplete().verify(WAIT);
        assertThat(dumps).isEmptyDirectory();
        assertNothingLeftBehind(child);
    }

    @Test
    void sigkillIsKilledWithNothingAndSigtermIsKilledWithTheExitRecording() throws Exception {
        CrashSupervisor supervisor = CrashSupervisor.create(options());
        CrashSupervisor.Child killed = launchAndAwaitReady(supervisor, "sleep");
        killed.process().destroyForcibly();
        CrashEvent k = onlyEvent(killed);
        assertThat(k.kind()).isEqualTo(CrashEvent.Kind.KILLED);
        assertThat(k.exitCode()).hasValue(137);
        assertThat(k.message()).contains("SIGKILL");
        assertThat(k.artifacts()).isEmpty();

        CrashSupervisor.Child terminated = launchAndAwaitReady(supervisor, "sleep");
        terminated.process().destroy();
        CrashEvent t = onlyEvent(terminated);
        assertThat(t.kind()).isEqualTo(CrashEvent.Kind.KILLED);
        assertThat(t.exitCode()).hasValue(143);
        assertThat(t.message()).contains("SIGTERM");
        assertThat(t.artifacts()).extracting(DumpFile::format).containsExactly(DumpFile.Format.FLIGHT_RECORDING);
    }

    private CrashSupervisor.Child launchAndAwaitReady(CrashSupervisor supervisor, String mode) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Jdks.crasher(Jdks.current(), mode)).directory(cwd.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        CrashSupervisor.Child child = supervisor.launch(pb);
        Jdks.awaitLine(child.process().getInputStream(), "READY", WAIT);
        return child;
    }

    @ParameterizedTest
    @MethodSource("jdks")
    void uncaughtExceptionInChildIsDumpedInProcessAndSeenAsAnAbnormalExit(Path jdk) throws Exception {
        Path inproc = tmp.resolve("inproc");
        CrashSupervisor.Child child = launch(CrashSupervisor.create(options().withFlightRecorder(false)), jdk,
                "uncaught", "-Dcrasher.dir=" + inproc, "-Dcrasher.name=example");
        CrashEvent e = onlyEvent(child);
        assertThat(e.kind()).isEqualTo(CrashEvent.Kind.ABNORMAL_EXIT);
        assertThat(e.exitCode()).hasValue(1);
        try (Stream<Path> s = Files.list(inproc)) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(names).hasSize(2);
            assertThat(names).anyMatch(n -> n.matches("example_" + STAMP + "\\.tdump"));
            assertThat(names).anyMatch(n -> n.matches("example_" + STAMP + "\\.jfr"));
        }
        Path tdump;
        try (Stream<Path> s = Files.list(inproc)) {
            tdump = s.filter(p -> p.toString().endsWith(".tdump")).findFirst().orElseThrow();
        }
        // the dying thread's stack is already unwound when the default handler runs; the thread is still there
        assertThat(Files.readString(tdump)).contains("\"main\"").contains("dispatchUncaughtException");
    }

    @Test
    void outOfMemoryInChildWithHeapDumpsSwitchedOnAtRuntimeIsDumpedInProcess() throws Exception {
        Path inproc = tmp.resolve("inproc-oom");
        CrashSupervisor.Child child = launch(CrashSupervisor.create(options().withFlightRecorder(false)),
                Jdks.current(), "oom", "-Dcrasher.dir=" + inproc, "-Dcrasher.name=oom", "-Dcrasher.heap=true",
                "-Dcrasher.nojfr=true");
        CrashEvent e = onlyEvent(child);
        assertThat(e.kind()).as("seen from outside: the heap dump was claimed in process").isEqualTo(
                CrashEvent.Kind.ABNORMAL_EXIT);
        try (Stream<Path> s = Files.list(inproc)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
                    .hasSize(2)
                    .anyMatch(n -> n.matches("oom_" + STAMP + "\\.hprof"))
                    .anyMatch(n -> n.matches("oom_" + STAMP + "\\.tdump"));
        }
    }

    @ParameterizedTest
    @MethodSource("jdks")
    void deadlockInChildIsDetectedAndDumped(Path jdk) throws Exception {
        assertInProcessDumps(jdk, "deadlock", "Found one Java-level deadlock");
    }

    @Test
    void stallInChildIsDetectedAndDumped() throws Exception {
        assertInProcessDumps(Jdks.current(), "stall", "\"single-1\"");
    }

    private void assertInProcessDumps(Path jdk, String mode, String expected) throws Exception {
        Path inproc = tmp.resolve("inproc-" + mode);
        CrashSupervisor.Child child = launch(CrashSupervisor.create(options()), jdk, mode,
                "-Dcrasher.dir=" + inproc, "-Dcrasher.name=" + mode);
        StepVerifier.create(child.events()).expectComplete().verify(WAIT);
        List<String> out = Files.readAllLines(tmp.resolve("child-" + mode + ".out"));
        List<String> dumpLines = out.stream().filter(l -> l.startsWith("DUMP ")).toList();
        assertThat(dumpLines).as(String.join("\n", out)).hasSize(2);
        Path tdump = Path.of(dumpLines.get(0).split(" ", 4)[3]);
        Path jfr = Path.of(dumpLines.get(1).split(" ", 4)[3]);
        assertThat(tdump.getParent()).isEqualTo(inproc.toAbsolutePath());
        assertThat(tdump.getFileName().toString()).matches(mode + "_" + STAMP + "\\.tdump");
        assertThat(jfr.getFileName().toString()).matches(mode + "_" + STAMP + "\\.jfr");
        assertThat(Files.readString(tdump)).contains(expected);
        assertThat(dumpLines.get(0)).startsWith("DUMP " + (mode.equals("stall") ? "STALL" : "DEADLOCK")
                + " THREAD_DUMP ");
    }

    @Test
    void javaToolOptionsGiveTheSameFlagsAndTheReporterFindsTheCrashAtNextStart() throws Exception {
        CrashReporterOptions opts = options().withFlightRecorder(false).withName("tool");
        String toolOptions = CrashSupervisor.create(opts).javaToolOptions();
        assertThat(toolOptions).contains("-XX:ErrorFile=" + dumps.toAbsolutePath() + "/hs_err_pid%p.log")
                .contains("-XX:-CreateCoredumpOnCrash");
        Files.createDirectories(dumps);
        ProcessBuilder pb = new ProcessBuilder(Jdks.crasher(Jdks.current(), "jna-null-read"))
                .directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("tool.out").toFile());
        pb.environment().put("JAVA_TOOL_OPTIONS", toolOptions);
        Process p = pb.start();
        assertThat(p.onExit().get(90, java.util.concurrent.TimeUnit.SECONDS).exitValue()).isEqualTo(1);
        assertThat(dumpNames()).containsExactly("hs_err_pid" + p.pid() + ".log");

        try (CrashReporter reporter = CrashReporter.install(opts.withSources(java.util.Set.of()))) {
            CrashEvent e = reporter.events().blockFirst(WAIT);
            assertThat(e.kind()).isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
            assertThat(e.source()).isEqualTo(CrashEvent.Source.POST_MORTEM);
            assertThat(e.pid()).isEqualTo(p.pid());
            assertThat(e.nativeCrash().orElseThrow().error()).isEqualTo("SIGSEGV");
            assertThat(dumpNames()).singleElement().matches(n -> n.matches("tool_" + STAMP + "\\.log"));
        }
        try (CrashReporter again = CrashReporter.install(opts.withSources(java.util.Set.of()))) {
            StepVerifier.create(again.events()).then(again::close).verifyComplete();
        }
    }
}
