package dev.vigil.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/**
 * Faults of the dump directory while the reporter runs (issue #9): deleted, on a read-only file system, on a full
 * one. Each time the crash event still arrives, its dump fails with an error that names the directory, the cause and
 * what to do, no file under a dump name ({@code <name>_<yyyyMMdd-HHmmss>...}) is left partial, no temporary file is
 * left, and once the fault is repaired the next dump is written.
 *
 * <p>Read-only and full are real: a tmpfs mounted in the test's temporary directory, remounted read-only
 * ({@code mount -o remount,ro}: root ignores permission bits, but not a read-only mount, so the write really fails
 * with {@code EROFS}), or 64 KiB large and filled but for one page (the dump really fails with {@code ENOSPC} after
 * writing part of its temporary file). Mounting needs root (CI runs as root) and the right to mount: without them
 * these two tests are skipped by an assumption that says which was missing. Mounts are removed in
 * {@link #tearDown()}, also when a test fails.
 */
class DumpDirectoryFaultsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String DUMP_NAME = "example_\\d{8}-\\d{6}.*";

    @TempDir
    Path tmp;
    CrashReporter reporter;
    Thread.UncaughtExceptionHandler originalDefault;
    final List<Throwable> previousHandlerGot = new CopyOnWriteArrayList<>();
    final List<Path> mounts = new ArrayList<>();

    @BeforeEach
    void setUp() {
        originalDefault = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> previousHandlerGot.add(e));
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (reporter != null) {
                reporter.close();
            }
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(originalDefault);
            List<String> failures = new ArrayList<>();
            for (Path m : mounts) {
                String out = run("umount", m.toString());
                if (out != null) {
                    failures.add("umount " + m + ": " + out + "; detached lazily: " + run("umount", "-l", m.toString()));
                }
            }
            assertThat(failures).as("mounts removed").isEmpty();
        }
    }

    private static CrashReporterOptions options(Path dumps) {
        return CrashReporterOptions.defaults()
                .withName("example")
                .withDumpDirectory(dumps)
                .withFlightRecorder(false)
                .withPostMortemScan(false)
                .withAutomaticDumps(EnumSet.of(DumpFile.Format.THREAD_DUMP));
    }

    @Test
    void dumpDirectoryDeletedWhileRunning() throws Exception {
        Path dumps = tmp.resolve("dumps");
        reporter = CrashReporter.install(options(dumps));
        Files.delete(dumps);

        CrashEvent event = crash("deleted");
        assertThat(event.artifacts()).isEmpty();
        assertThat(event.message()).contains("could not write [THREAD_DUMP]", "no longer exists");
        for (var dump : List.of(event.dump(), reporter.dump(DumpFile.Format.THREAD_DUMP))) {
            StepVerifier.create(dump).expectErrorSatisfies(e -> {
                assertThat(e).isInstanceOf(NoSuchFileException.class)
                        .hasMessageStartingWith(dumps.toAbsolutePath() + ": could not write a THREAD_DUMP dump in the "
                                + "dump directory (")
                        .hasMessageContaining("it no longer exists (was it deleted while the reporter ran?); create it "
                                + "again, or close every CrashReporter handle and install again");
                assertThat(((FileSystemException) e).getFile()).isEqualTo(dumps.toAbsolutePath().toString());
                assertThat(e.getCause()).isInstanceOf(NoSuchFileException.class);
            }).verify(WAIT);
        }
        assertThat(dumps).as("not recreated behind the user's back").doesNotExist();

        Files.createDirectory(dumps);
        assertWritesAgain(dumps);
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void dumpDirectoryOnAReadOnlyFileSystem() throws Exception {
        Path dumps = mountTmpfs("ro", "size=1m");
        reporter = CrashReporter.install(options(dumps));
        mount("-o", "remount,ro", dumps.toString());

        CrashEvent event = crash("read-only");
        assertThat(event.artifacts()).isEmpty();
        for (var dump : List.of(event.dump(), reporter.dump(DumpFile.Format.THREAD_DUMP))) {
            StepVerifier.create(dump).expectErrorSatisfies(e -> {
                assertThat(e).isInstanceOf(FileSystemException.class)
                        .hasMessageStartingWith(dumps + ": could not write a THREAD_DUMP dump in the dump directory (")
                        .hasMessageContaining("Read-only file system")
                        .hasMessageContaining("is mounted read-only; remount it read-write, or choose a writable "
                                + "directory with CrashReporterOptions.withDumpDirectory");
                assertThat(((FileSystemException) e).getFile()).isEqualTo(dumps.toString());
            }).verify(WAIT);
        }
        assertThat(names(dumps)).isEmpty();

        mount("-o", "remount,rw", dumps.toString());
        assertWritesAgain(dumps);
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void dumpDirectoryOnAFullFileSystem() throws Exception {
        Path dumps = mountTmpfs("full", "size=64k");
        reporter = CrashReporter.install(options(dumps));
        long usable = Files.getFileStore(dumps).getUsableSpace();
        Path filler = Files.write(dumps.resolve("filler"), new byte[(int) usable - 4096]);
        assertThat(Files.getFileStore(dumps).getUsableSpace()).as("one page left").isEqualTo(4096);

        CrashEvent event = crash("full");
        assertThat(event.artifacts()).isEmpty();
        for (var dump : List.of(event.dump(), reporter.dump(DumpFile.Format.THREAD_DUMP))) {
            StepVerifier.create(dump).expectErrorSatisfies(e -> {
                assertThat(e).isInstanceOf(FileSystemException.class)
                        .hasMessageStartingWith(dumps + ": could not write a THREAD_DUMP dump in the dump directory (")
                        .hasMessageContaining("No space left on device")
                        .hasMessageContaining("is full (")
                        .hasMessageContaining("free space there, keep fewer dumps with "
                                + "CrashReporterOptions.withRetention, or choose a larger file system");
                assertThat(((FileSystemException) e).getFile()).isEqualTo(dumps.toString());
            }).verify(WAIT);
        }
        assertThat(names(dumps)).as("the partial temporary files are removed").containsExactly("filler");
        assertThat(Files.getFileStore(dumps).getUsableSpace()).isEqualTo(4096);

        Files.delete(filler);
        assertWritesAgain(dumps);
    }

    /** A thread dies of an uncaught exception; returns its event, which must arrive whatever the dump did. */
    private CrashEvent crash(String why) throws InterruptedException {
        IllegalStateException boom = new IllegalStateException("crash with the dump directory " + why);
        Thread t = new Thread(() -> {
            throw boom;
        }, "crashing-" + why);
        CrashEvent[] seen = new CrashEvent[1];
        StepVerifier.create(reporter.events().filter(e -> e.throwable().orElse(null) == boom))
                .then(t::start)
                .assertNext(e -> seen[0] = e)
                .thenCancel()
                .verify(WAIT);
        t.join(WAIT.toMillis());
        assertThat(previousHandlerGot).as("the previous handler ran after the failed dump").contains(boom);
        assertThat(seen[0].kind()).isEqualTo(CrashEvent.Kind.UNCAUGHT_EXCEPTION);
        return seen[0];
    }

    /** Once the fault is repaired, a dump is written in full under a dump name, and nothing else is left. */
    private void assertWritesAgain(Path dumps) throws IOException {
        DumpFile file = reporter.dump(DumpFile.Format.THREAD_DUMP).block(WAIT);
        assertThat(file.path().getFileName().toString()).matches(DUMP_NAME);
        assertThat(Files.size(file.path())).isEqualTo(file.size());
        assertThat(Files.readString(file.path(), StandardCharsets.UTF_8)).contains("Full thread dump")
                .as("complete").contains("JNI global refs:");
        assertThat(names(dumps)).filteredOn(n -> n.matches(DUMP_NAME) || n.startsWith("."))
                .containsExactly(file.path().getFileName().toString());
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    // ------------------------------------------------------------------------------------------------ mounts

    /** Mounts a tmpfs on a new directory, or skips the test saying why it cannot. */
    private Path mountTmpfs(String name, String size) throws Exception {
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        assumeTrue(Integer.valueOf(0).equals(uid), "mounting a tmpfs needs root (uid " + uid + ")");
        Path dir = Files.createDirectory(tmp.resolve(name));
        String refused = run("mount", "-t", "tmpfs", "-o", size + ",mode=0700", "vigil-test-" + name, dir.toString());
        assumeTrue(refused == null, () -> "mount refused (no CAP_SYS_ADMIN in this container?): " + refused);
        mounts.add(dir);
        return dir;
    }

    private static void mount(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "mount";
        System.arraycopy(args, 0, command, 1, args.length);
        assertThat(run(command)).as(String.join(" ", command)).isNull();
    }

    /** Runs a command; null when it succeeded, else its exit status and output. */
    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            return "timed out";
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out;
    }
}
