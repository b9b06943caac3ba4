package dev.vigil.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** MiniDumpWriteDump for real: this process and a child, two presets of different sizes (minidumper's test_mdmp_size). */
@EnabledOnOs(OS.WINDOWS)
class WindowsMinidumpTest {

    @TempDir
    Path tmp;

    @Test
    void minidumpsOfThisProcessAndOfAChildWithTwoPresets() throws Exception {
        CrashReporterOptions base = CrashReporterOptions.defaults().withName("win").withDumpDirectory(tmp)
                .withFlightRecorder(false).withPostMortemScan(false);
        long small;
        try (CrashReporter r = CrashReporter.install(base.withMinidumpFlags(java.util.Set.of()))) {
            DumpFile self = r.dump(DumpFile.Format.WINDOWS_MINIDUMP).block(Duration.ofMinutes(1));
            assertThat(self.path().getFileName().toString()).startsWith("win_").endsWith(".mdmp");
            assertMagic(self.path());
            small = self.size();
            Process child = new ProcessBuilder("cmd.exe", "/c", "pause").start();
            try {
                DumpFile other = r.minidump(child.pid()).block(Duration.ofMinutes(1));
                assertMagic(other.path());
            } finally {
                child.destroyForcibly();
            }
        }
        try (CrashReporter r = CrashReporter.install(base.withMinidumpFlags(MinidumpFlag.WITH_REFERENCED_MEMORY))) {
            DumpFile bigger = r.dump(DumpFile.Format.WINDOWS_MINIDUMP).block(Duration.ofMinutes(1));
            assertThat(bigger.size()).isNotEqualTo(small);
        }
    }

    private static void assertMagic(Path p) throws Exception {
        byte[] magic = new byte[4];
        try (InputStream in = Files.newInputStream(p)) {
            assertThat(in.read(magic)).isEqualTo(4);
        }
        assertThat(new String(magic, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("MDMP");
    }
}
