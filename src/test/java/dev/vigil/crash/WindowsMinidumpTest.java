package dev.vigil.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.Kernel32Util;
import com.sun.jna.platform.win32.WinError;
import dev.vigil.crash.fixtures.Wine;
import dev.vigil.crash.internal.windows.ErrorMode;
import dev.vigil.crash.internal.windows.WindowsMinidumps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * MiniDumpWriteDump for real: this process and a child with the presets, each file's header and stream directory
 * parsed (minidumper's test_mdmp_size, plus the content). Wine writes the header's flags as given but ignores
 * {@code MiniDumpWithHandleData} and {@code MiniDumpWithThreadInfo} (no HandleData or ThreadInfoList stream) and
 * the referenced-memory flags (the dump is no larger), so only the streams every dump has are asserted there.
 */
@EnabledOnOs(OS.WINDOWS)
@Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES) // full-memory minidumps take up to two minutes under Wine
class WindowsMinidumpTest {

    private static final Duration WAIT = Duration.ofMinutes(2);

    @TempDir
    Path tmp;
    private int processErrorMode;

    @BeforeEach
    void clearErrorMode() {
        processErrorMode = ErrorMode.INSTANCE.SetErrorMode(0);
    }

    @AfterEach
    void restoreErrorMode() {
        ErrorMode.INSTANCE.SetErrorMode(processErrorMode);
    }

    private CrashReporterOptions options(Set<MinidumpFlag> flags) {
        return CrashReporterOptions.defaults().withName("win").withDumpDirectory(tmp).withFlightRecorder(false)
                .withPostMortemScan(false).withMinidumpFlags(flags);
    }

    private static MinidumpFile assertMinidump(DumpFile dump, Set<MinidumpFlag> preset, String module)
            throws IOException {
        assertThat(dump.format()).isEqualTo(DumpFile.Format.WINDOWS_MINIDUMP);
        assertThat(dump.path().getFileName().toString()).matches("win_\\d{8}-\\d{6}(-\\d+)?\\.mdmp");
        assertThat(dump.size()).isEqualTo(Files.size(dump.path()));
        MinidumpFile mdmp = MinidumpFile.read(dump.path());
        assertThat(mdmp.signature()).as("MDMP").isEqualTo(MinidumpFile.MDMP);
        assertThat(mdmp.version() & 0xffff).isEqualTo(MinidumpFile.MINIDUMP_VERSION);
        assertThat(mdmp.flags()).as("the MINIDUMP_TYPE recorded in the header").isEqualTo(MinidumpFlag.toType(preset));
        assertThat(mdmp.streamCount()).as("a stream type may appear twice in the directory (Wine's does)")
                .isGreaterThanOrEqualTo(mdmp.streams().size());
        assertThat(mdmp.streams()).containsKeys(MinidumpFile.SYSTEM_INFO, MinidumpFile.THREAD_LIST,
                MinidumpFile.MODULE_LIST);
        assertThat(mdmp.processorArchitecture()).isEqualTo(MinidumpFile.PROCESSOR_ARCHITECTURE_AMD64);
        assertThat(Instant.ofEpochSecond(mdmp.timeDateStamp() & 0xffffffffL))
                .isBetween(Instant.now().minus(Duration.ofMinutes(10)), Instant.now().plusSeconds(60));
        assertThat(mdmp.threadIds()).isNotEmpty();
        assertThat(mdmp.moduleFileNames()).contains(module);
        return mdmp;
    }

    @Test
    void minidumpsOfThisProcessWithThePresets() throws Exception {
        int testThread = Kernel32.INSTANCE.GetCurrentThreadId();
        long normal = 0;
        for (Set<MinidumpFlag> preset : java.util.List.of(Set.<MinidumpFlag>of(), MinidumpFlag.SMALL,
                MinidumpFlag.WITH_REFERENCED_MEMORY)) {
            try (CrashReporter r = CrashReporter.install(options(preset))) {
                DumpFile dump = r.dump(DumpFile.Format.WINDOWS_MINIDUMP).block(WAIT);
                MinidumpFile mdmp = assertMinidump(dump, preset, "java.exe");
                assertThat(mdmp.moduleFileNames()).contains("jvm.dll", "dbghelp.dll");
                assertThat(mdmp.threadIds()).as("every thread, this one too").contains(testThread);
                if (preset.isEmpty()) {
                    normal = dump.size();
                } else if (preset.equals(MinidumpFlag.WITH_REFERENCED_MEMORY) && !Wine.isRunning()) {
                    // Wine 8 ignores the referenced-memory flags: both dumps came out 2,591,587 bytes once
                    assertThat(dump.size()).as("referenced memory makes it larger").isGreaterThan(normal);
                }
            }
        }
    }

    @Test
    void minidumpsOfAnotherProcessSmallAndFull() throws Exception {
        Process child = new ProcessBuilder("cmd.exe", "/c", "pause").start();
        try {
            for (Set<MinidumpFlag> preset : java.util.List.of(MinidumpFlag.SMALL, MinidumpFlag.FULL)) {
                try (CrashReporter r = CrashReporter.install(options(preset))) {
                    assertMinidump(r.minidump(child.pid()).block(WAIT), preset, "cmd.exe");
                }
            }
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void theErrorModeIsSetDuringADumpAndRestoredAfter() throws Exception {
        assertThat(ErrorMode.INSTANCE.GetErrorMode()).isZero();
        CompletableFuture<Void> dump = CompletableFuture.runAsync(() -> {
            try {
                WindowsMinidumps.write(ProcessHandle.current().pid(), tmp.resolve("during.mdmp"), 0);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        await().atMost(WAIT).pollInterval(Duration.ofMillis(10))
                .until(() -> ErrorMode.INSTANCE.GetErrorMode() == ErrorMode.UNATTENDED || dump.isDone());
        assertThat(dump).as("the dump was still running when the mode was seen").isNotDone();
        dump.get();
        assertThat(ErrorMode.INSTANCE.GetErrorMode()).as("restored").isZero();
        assertThat(MinidumpFile.read(tmp.resolve("during.mdmp")).signature()).isEqualTo(MinidumpFile.MDMP);
    }

    @Test
    void failuresNameTheCallTheCodeAndTheSystemMessageAndRestoreTheErrorMode() throws Exception {
        Path taken = Files.createFile(tmp.resolve("taken.mdmp"));
        assertThatThrownBy(() -> WindowsMinidumps.write(ProcessHandle.current().pid(), taken, 0))
                .isInstanceOf(IOException.class)
                .hasMessage("CreateFile(..) failed for " + taken + ": "
                        + Kernel32Util.formatMessage(WinError.ERROR_FILE_EXISTS).trim() + " (0x50)");
        assertThat(ErrorMode.INSTANCE.GetErrorMode()).isZero();
        assertThatThrownBy(() -> WindowsMinidumps.write(0xFFFF_FFF0L, tmp.resolve("nobody.mdmp"), 0))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("OpenProcess(..) failed for pid 4294967280: ")
                .hasMessageEndingWith(": " + Kernel32Util.formatMessage(WinError.ERROR_INVALID_PARAMETER).trim()
                        + " (0x57)");
        assertThat(ErrorMode.INSTANCE.GetErrorMode()).isZero();
    }
}
