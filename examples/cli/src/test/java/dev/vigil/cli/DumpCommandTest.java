package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

class DumpCommandTest {
    @TempDir
    Path tmp;

    private Process target;
    private final List<Cli> started = new ArrayList<>();

    @BeforeEach
    void startTarget() throws Exception {
        target = new ProcessBuilder(Cli.java("dev.vigil.cli.fixtures.Sleeper")).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(target.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("sleeper ready", r.readLine()); // its thread exists once this is printed
    }

    @AfterEach
    void stop() throws InterruptedException {
        started.forEach(Cli::close);
        target.destroyForcibly().waitFor();
    }

    private Cli vigil(String... args) throws Exception {
        Cli cli = Cli.start(tmp, args);
        started.add(cli);
        return cli;
    }

    @Test
    void threadDumpToAFile() throws Exception {
        Path out = tmp.resolve("threads.txt");
        Cli cli = vigil("dump", "--format", "thread", Long.toString(target.pid()), "--out", out.toString());
        assertEquals(0, cli.exit(), cli.err().toString());
        String dump = Files.readString(out);
        assertTrue(dump.contains("Full thread dump"), dump);
        assertTrue(dump.contains("\"vigil-test-sleeper\""), dump);
        assertEquals(List.of("vigil dump: wrote " + out + " (" + Files.size(out) + " bytes)"), cli.err());
    }

    @Test
    void threadDumpToStdout() throws Exception {
        Cli cli = vigil("dump", "--format", "thread", Long.toString(target.pid()));
        assertEquals(0, cli.exit(), cli.err().toString());
        assertTrue(cli.out().stream().anyMatch(l -> l.startsWith("Full thread dump")), cli.out().toString());
        assertTrue(cli.out().stream().anyMatch(l -> l.startsWith("\"vigil-test-sleeper\"")), cli.out().toString());
    }

    @Test
    void heapDumpIsAnHprofFile() throws Exception {
        Path out = tmp.resolve("heap.hprof");
        Cli cli = vigil("dump", "--format", "heap", Long.toString(target.pid()), "--out", "heap.hprof");
        assertEquals(0, cli.exit(), cli.err().toString());
        byte[] head = new byte[12];
        try (var in = Files.newInputStream(out)) {
            assertEquals(12, in.read(head));
        }
        assertEquals("JAVA PROFILE", new String(head, StandardCharsets.US_ASCII));
    }

    @Test
    void flightRecordingIsAJfrFile() throws Exception {
        Path out = tmp.resolve("rec.jfr");
        Cli cli = vigil("dump", "--format", "jfr", Long.toString(target.pid()), "--out", out.toString());
        assertEquals(0, cli.exit(), cli.err().toString());
        byte[] head = new byte[4];
        try (var in = Files.newInputStream(out)) {
            assertEquals(4, in.read(head));
        }
        assertEquals("FLR\0", new String(head, StandardCharsets.US_ASCII));
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void minidumpOffWindowsIsAClearError() throws Exception {
        Cli cli = vigil("dump", "--format", "mini", Long.toString(target.pid()));
        assertEquals(2, cli.exit());
        assertEquals(1, cli.err().size(), cli.err().toString());
        assertTrue(cli.err().get(0).startsWith("vigil dump: --format mini writes a Windows minidump"), cli.err().toString());
    }

    @Test
    void aProcessThatIsNotAJvmIsRefusedAtOnce() throws Exception {
        Process sh = new ProcessBuilder("sleep", "60").start();
        try {
            Cli cli = vigil("dump", "--format", "thread", Long.toString(sh.pid()));
            assertEquals(2, cli.exit());
            assertEquals(1, cli.err().size(), cli.err().toString());
            assertTrue(cli.err().get(0).contains("is not a JVM this user can attach to"), cli.err().toString());
        } finally {
            sh.destroyForcibly().waitFor();
        }
    }
}
