package dev.vigil.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecCommandTest {
    @TempDir
    Path tmp;

    private Path watched;
    private Path log;
    private final List<Cli> started = new ArrayList<>();

    @BeforeEach
    void dirs() throws IOException {
        watched = Files.createDirectory(tmp.resolve("watched"));
        log = tmp.resolve("log.txt"); // outside the watched tree: the command's own writes trigger nothing
        Files.createFile(log);
    }

    @AfterEach
    void stop() {
        started.forEach(Cli::close);
    }

    private Cli vigil(String... args) throws IOException {
        Cli cli = Cli.start(tmp, args);
        started.add(cli);
        return cli;
    }

    private List<String> log() throws IOException {
        return Files.readAllLines(log);
    }

    @Test
    void runsOnChangeAndDebouncesABurstIntoOneRun() throws Exception {
        Cli cli = vigil("exec", "--watch", watched.toString(), "--debounce", "500ms", "--",
                "sh", "-c", "ls " + watched + " | wc -l >> " + log + "; exit 7").awaitReady();
        for (int i = 0; i < 20; i++) {
            Files.writeString(watched.resolve("f" + i), "x");
        }
        cli.awaitErr(l -> l.startsWith("vigil exec: run 1 exited with status 7 after "));
        Files.writeString(watched.resolve("marker"), "x");
        await().atMost(Cli.WAIT).until(() -> log().contains("21"));
        // one run saw the whole burst (20 files), the next one the marker: a split burst would have logged more
        assertEquals(List.of("20", "21"), log().stream().map(String::trim).toList());
        cli.awaitErr(l -> l.startsWith("vigil exec: run 2 exited with status 7 after "));
        assertEquals(0, cli.terminate(), cli.err().toString());
        assertFalse(cli.err().stream().anyMatch(l -> l.contains("run 3")), cli.err().toString());
    }

    @Test
    void changesDuringARunQueueOneMoreRunAtMost() throws Exception {
        Path fifo = tmp.resolve("go");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path markerBefore = Files.writeString(watched.resolve("marker-a"), "x"); // there before the watch: unreported
        // each run logs its start, then waits until the test writes a line into the FIFO
        Cli cli = vigil("exec", "--verbose", "--watch", watched.toString(), "--debounce", "0ms", "--",
                "sh", "-c", "echo run >> " + log + "; read x < " + fifo).awaitReady();
        Files.writeString(watched.resolve("first"), "x");
        await().atMost(Cli.WAIT).until(() -> log().size() == 1);
        for (int i = 0; i < 5; i++) { // changes during run 1, each a trigger of its own (no debounce)
            Files.writeString(watched.resolve("during" + i), "x");
        }
        Path markerAfter = watched.resolve("marker-b");
        Files.move(markerBefore, markerAfter); // one event, delivered after those of the writes before it
        cli.awaitErr(l -> l.equals("vigil exec: RENAMED " + markerAfter + ": run 2 follows run 1"));
        release(fifo);
        cli.awaitErr(l -> l.startsWith("vigil exec: run 1 exited with status 0"));
        await().atMost(Cli.WAIT).until(() -> log().size() == 2);
        release(fifo);
        cli.awaitErr(l -> l.startsWith("vigil exec: run 2 exited with status 0"));
        assertEquals(0, cli.terminate(), cli.err().toString());
        // a third run would be blocked on the FIFO, stopped by the termination, and reported
        assertFalse(cli.err().stream().anyMatch(l -> l.contains("run 3")), cli.err().toString());
        assertEquals(2, log().size());
    }

    /** Lets the run waiting on the FIFO finish (opening it for writing waits for that run to open it). */
    private static void release(Path fifo) throws Exception {
        CompletableFuture.runAsync(() -> {
            try {
                Files.writeString(fifo, "go\n");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(Cli.WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void restartStopsTheRunningCommandAndItsChildren() throws Exception {
        // sh stays the parent of sleep (no exec): stopping must reach the descendant too
        Cli cli = vigil("exec", "--restart", "--grace", "10s", "--watch", watched.toString(), "--debounce", "50ms",
                "--", "sh", "-c", "echo $$ >> " + log + "; sleep 120; echo never >> " + log).awaitReady();
        Files.writeString(watched.resolve("one"), "x");
        await().atMost(Cli.WAIT).until(() -> log().size() == 1);
        ProcessHandle first = ProcessHandle.of(Long.parseLong(log().get(0).trim())).orElseThrow();
        List<ProcessHandle> firstChildren = first.descendants().toList();

        Files.writeString(watched.resolve("two"), "x");
        String stopped = cli.awaitErr(l -> l.startsWith("vigil exec: run 1 exited"));
        assertTrue(stopped.matches("vigil exec: run 1 exited with status 143 after .* s \\(stopped for a restart\\)"),
                stopped);
        await().atMost(Cli.WAIT).until(() -> log().size() == 2);
        assertFalse(first.isAlive());
        await().atMost(Cli.WAIT).until(() -> firstChildren.stream().noneMatch(ProcessHandle::isAlive));
        ProcessHandle second = ProcessHandle.of(Long.parseLong(log().get(1).trim())).orElseThrow();

        assertEquals(0, cli.terminate(), cli.err().toString());
        assertFalse(second.isAlive(), "vigil exec left its command running");
        assertTrue(cli.err().stream().anyMatch(l -> l.matches("vigil exec: run 2 exited with status 143 .*\\(stopped\\)")),
                cli.err().toString());
        assertFalse(log().contains("never"));
    }
}
