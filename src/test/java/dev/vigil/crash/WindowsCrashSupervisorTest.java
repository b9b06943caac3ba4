package dev.vigil.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.crash.fixtures.Jdks;
import dev.vigil.crash.fixtures.Wine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.test.StepVerifier;

/**
 * Real child JVMs (this Windows JRE's {@code java.exe}) that crash or exit with {@code NTSTATUS} codes, supervised
 * in a Windows JVM. On Windows JNA catches a fault in native code and throws an {@code Error}, so the native crash
 * is {@code Unsafe.putAddress(0, ..)}, which faults inside {@code jvm.dll}.
 */
@EnabledOnOs(OS.WINDOWS)
@Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES) // HotSpot's full-memory .mdmp takes 60 to 110 s under Wine
class WindowsCrashSupervisorTest {

    private static final Duration WAIT = Duration.ofMinutes(3);
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

    private CrashReporterOptions options() {
        return CrashReporterOptions.defaults().withName("sup").withDumpDirectory(dumps).withFlightRecorder(false);
    }

    private CrashSupervisor.Child launch(CrashSupervisor supervisor, String mode, String... props) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Jdks.crasher(Jdks.current(), mode, props))
                .directory(cwd.toFile())
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child-" + mode + ".out").toFile());
        return supervisor.launch(pb);
    }

    private CrashEvent onlyEvent(CrashSupervisor.Child child) throws Exception {
        List<CrashEvent> events = child.events().collectList().block(WAIT);
        assertThat(events).as(childOutput()).hasSize(1);
        CrashEvent e = events.get(0);
        assertThat(e.source()).isEqualTo(CrashEvent.Source.SUPERVISOR);
        assertThat(e.pid()).isEqualTo(child.process().pid());
        return e;
    }

    private String childOutput() throws Exception {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(tmp)) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".out")).toList()) {
                out.add(p.getFileName() + ": " + Files.readString(p, StandardCharsets.ISO_8859_1));
            }
        }
        return String.join("\n", out);
    }

    private List<String> dumpNames() throws Exception {
        try (Stream<Path> s = Files.list(dumps)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private void assertNothingLeftBehind(CrashSupervisor.Child child) throws Exception {
        assertThat(child.runDirectory()).doesNotExist();
        try (Stream<Path> s = Files.list(cwd)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("hs_err"));
        }
    }

    @Test
    void aNativeCrashIsFoundWithItsHsErrReportAndEmergencyRecordingAndNoMinidumpByDefault() throws Exception {
        CrashSupervisor.Child child = launch(CrashSupervisor.create(options()
                .withFlightRecorder(Duration.ofMinutes(1), 8L << 20)), "unsafe-null-write");
        CrashEvent e = onlyEvent(child);
        assertThat(e.kind()).isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
        assertThat(e.exitCode()).hasValue(1);
        CrashEvent.NativeCrash report = e.nativeCrash().orElseThrow();
        assertThat(report.error()).isEqualTo("EXCEPTION_ACCESS_VIOLATION");
        assertThat(report.code()).isEqualTo("0xc0000005");
        assertThat(report.problematicFrame()).startsWith("V").contains("jvm.dll");
        assertThat(report.jreVersion()).contains("(" + Runtime.version().feature() + "."); // the child is this JRE
        assertThat(report.complete()).isTrue();
        assertThat(e.message()).contains("died of EXCEPTION_ACCESS_VIOLATION (0xc0000005)").endsWith("[exit status 1]");
        assertThat(e.artifacts()).extracting(DumpFile::format)
                .containsExactlyInAnyOrder(DumpFile.Format.HS_ERR, DumpFile.Format.FLIGHT_RECORDING);
        assertThat(dumpNames()).hasSize(2).allMatch(n -> n.matches("sup_" + STAMP + "\\.(log|jfr)"));
        String hsErr = Files.readString(e.dump().block(WAIT).path(), StandardCharsets.ISO_8859_1);
        assertThat(hsErr).contains("CreateCoredumpOnCrash turned off, no core file dumped");
        assertNothingLeftBehind(child);
    }

    @Test
    void withCoreDumpsHotSpotsFullMinidumpFromTheWorkingDirectoryIsClaimed() throws Exception {
        // HotSpot's minidump holds all memory (300 to 430 MB under Wine, 1 to 2 min): the smallest JVM we can get.
        // Its error reporting, minidump included, is killed with exit -1 after ErrorLogTimeout (120 s by default),
        // which a slow run under Wine reached once (123 s): give it room.
        CrashSupervisor.Child child = launch(CrashSupervisor.create(options()).withCoreDumps(true),
                "unsafe-null-write", "-Xint", "-Xmx8m", "-Xms8m", "-Xss256k", "-XX:+UseSerialGC",
                "-XX:ReservedCodeCacheSize=4m", "-Xshare:off", "-XX:ErrorLogTimeout=600");
        CrashEvent e = onlyEvent(child);
        assertThat(e.kind()).isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
        assertThat(e.exitCode()).as("HotSpot exits with 1 after writing the minidump").hasValue(1);
        assertThat(e.artifacts()).extracting(DumpFile::format)
                .containsExactlyInAnyOrder(DumpFile.Format.HS_ERR, DumpFile.Format.WINDOWS_MINIDUMP);
        assertThat(dumpNames()).hasSize(2).allMatch(n -> n.matches("sup_" + STAMP + "\\.(log|mdmp)"));
        assertThat(Files.readString(e.dump().block(WAIT).path(), StandardCharsets.ISO_8859_1))
                .contains("Core dump will be written. Default location: " + cwd.toAbsolutePath() + "\\hs_err_pid"
                        + e.pid() + ".mdmp");
        DumpFile mdmp = e.dump(DumpFile.Format.WINDOWS_MINIDUMP).block(WAIT);
        MinidumpFile parsed = MinidumpFile.read(mdmp.path());
        assertThat(parsed.signature()).isEqualTo(MinidumpFile.MDMP);
        assertThat(parsed.flags()).as("HotSpot's flags, which MinidumpFlag.FULL copies")
                .isEqualTo(MinidumpFlag.toType(MinidumpFlag.FULL));
        assertThat(parsed.streams()).containsKeys(MinidumpFile.SYSTEM_INFO, MinidumpFile.THREAD_LIST,
                MinidumpFile.MODULE_LIST);
        assertThat(parsed.moduleFileNames()).contains("java.exe", "jvm.dll");
        assertNothingLeftBehind(child);
    }

    @ParameterizedTest
    @CsvSource({
        "C0000005, NATIVE_CRASH, STATUS_ACCESS_VIOLATION",
        "C00000FD, NATIVE_CRASH, STATUS_STACK_OVERFLOW",
        "C0000409, NATIVE_ABORT, STATUS_STACK_BUFFER_OVERRUN",
        "C000013A, KILLED, STATUS_CONTROL_C_EXIT",
        "86, ABNORMAL_EXIT, exited with status 134",
    })
    void exitCodesAreReadAsWindowsStatuses(String hex, CrashEvent.Kind kind, String cause) throws Exception {
        CrashSupervisor.Child child = launch(CrashSupervisor.create(options()), "halt", "-Dcrasher.status=" + hex);
        CrashEvent e = onlyEvent(child);
        int status = Integer.parseUnsignedInt(hex, 16);
        assertThat(e.exitCode()).as(childOutput()).hasValue(status);
        assertThat(e.kind()).isEqualTo(kind);
        assertThat(e.message()).contains(cause).endsWith("[exit status "
                + (status < 0 ? "0x" + hex : Integer.toString(status)) + "]");
        assertThat(e.artifacts()).isEmpty();
        assertNothingLeftBehind(child);
    }

    @Test
    void abortInTheCRuntimeIsAFailFastOnWindowsAndStatusThreeUnderWine() throws Exception {
        CrashEvent e = onlyEvent(launch(CrashSupervisor.create(options()), "abort"));
        if (Wine.isRunning()) {
            assertThat(e.exitCode()).as("Wine's ucrtbase abort() is raise(SIGABRT) then _exit(3)").hasValue(3);
            assertThat(e.kind()).isEqualTo(CrashEvent.Kind.ABNORMAL_EXIT);
            assertThat(e.message()).contains("abort()");
        } else {
            assertThat(e.exitCode()).hasValue(0xC0000409);
            assertThat(e.kind()).isEqualTo(CrashEvent.Kind.NATIVE_ABORT);
        }
    }

    @Test
    void theLauncherIsStartedDirectlyAndADestroyedChildIsAnAbnormalExitWithStatusOne() throws Exception {
        if (Wine.isRunning()) {
            assertThat(Path.of("/bin/sh")).as("the trap: the Linux shell is visible through Z:").exists();
        }
        CrashSupervisor.Child child = launch(CrashSupervisor.create(options()), "sleep");
        child.process().destroy();
        StepVerifier.create(child.events()).assertNext(e -> {
            assertThat(e.kind()).isEqualTo(CrashEvent.Kind.ABNORMAL_EXIT);
            assertThat(e.exitCode()).as("TerminateProcess(h, 1)").hasValue(1);
            assertThat(e.message()).contains("TerminateProcess");
        }).verifyComplete();
    }

    @Test
    void theChildIsTheJavaLauncherItself() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Jdks.crasher(Jdks.current(), "sleep")).directory(cwd.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        CrashSupervisor.Child child = CrashSupervisor.create(options()).launch(pb);
        try {
            Jdks.awaitLine(child.process().getInputStream(), "READY", WAIT);
            assertThat(child.process().info().command()).hasValueSatisfying(c -> assertThat(c.toLowerCase())
                    .endsWith("\\bin\\java.exe"));
        } finally {
            child.process().destroyForcibly();
        }
        assertThat(child.events().blockLast(WAIT).kind()).isEqualTo(CrashEvent.Kind.ABNORMAL_EXIT);
    }

    @Test
    void javaToolOptionsWithASpaceAndAQuoteInThePathPutTheReportThere() throws Exception {
        Path odd = tmp.resolve("o'brien dumps");
        CrashReporterOptions opts = options().withDumpDirectory(odd).withName("tool");
        String toolOptions = CrashSupervisor.create(opts).javaToolOptions();
        assertThat(toolOptions).contains("\"-XX:ErrorFile=" + odd.toAbsolutePath() + "\\hs_err_pid%p.log\"");
        Files.createDirectories(odd);
        ProcessBuilder pb = new ProcessBuilder(Jdks.crasher(Jdks.current(), "unsafe-null-write"))
                .directory(cwd.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("tool.out").toFile());
        pb.environment().put("JAVA_TOOL_OPTIONS", toolOptions);
        Process p = pb.start();
        assertThat(p.onExit().get(3, TimeUnit.MINUTES).exitValue()).as(childOutput()).isEqualTo(1);
        try (Stream<Path> s = Files.list(odd)) {
            assertThat(s.map(f -> f.getFileName().toString())).containsExactly("hs_err_pid" + p.pid() + ".log");
        }
        try (CrashReporter reporter = CrashReporter.install(opts.withSources(java.util.Set.of()))) {
            CrashEvent e = reporter.events().blockFirst(WAIT);
            assertThat(e.kind()).isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
            assertThat(e.source()).isEqualTo(CrashEvent.Source.POST_MORTEM);
            assertThat(e.pid()).isEqualTo(p.pid());
            assertThat(e.nativeCrash().orElseThrow().error()).isEqualTo("EXCEPTION_ACCESS_VIOLATION");
        }
    }
}
