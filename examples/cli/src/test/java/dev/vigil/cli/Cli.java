package dev.vigil.cli;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One run of the real launcher, bin/vigil, in a child process. Its stdout and stderr go to files, read whole on each
 * look: a pipe read by a thread loses what the process wrote just before exiting when the JDK drains and closes it
 * under that thread ("Stream closed"), and a command vigil starts inherits the pipe too.
 */
final class Cli implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);

    final Process process;
    private final Path outFile;
    private final Path errFile;

    private Cli(Process process, Path outFile, Path errFile) {
        this.process = process;
        this.outFile = outFile;
        this.errFile = errFile;
    }

    /** Starts {@code bin/vigil ARGS} in {@code dir} with this JVM's java as JAVA_HOME; output files go in {@code dir}. */
    static Cli start(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("vigil.cli.launcher", "bin/vigil"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "vigil-", ".out");
        Path err = Files.createTempFile(dir, "vigil-", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return new Cli(pb.start(), out, err);
    }

    /** The java launcher of this JVM and a class path with the test fixtures. */
    static List<String> java(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("vigil.cli.testClasses", "target/test-classes"), mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The complete lines written to stdout so far. */
    List<String> out() {
        return lines(outFile);
    }

    /** The complete lines written to stderr so far. */
    List<String> err() {
        return lines(errFile);
    }

    private static List<String> lines(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n'); // a line being written is not a line yet
            return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n", -1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the "ready" line on stderr. */
    Cli awaitReady() {
        await().atMost(WAIT).until(() -> err().stream().anyMatch(l -> l.contains(": ready")) || !process.isAlive());
        if (err().stream().noneMatch(l -> l.contains(": ready"))) {
            throw new AssertionError("vigil ended before it was ready: " + err());
        }
        return this;
    }

    /** Waits for a stdout line matching {@code p} and returns it. */
    String awaitOut(Predicate<String> p) {
        return awaitLine(true, p);
    }

    /** Waits for a stderr line matching {@code p} and returns it. */
    String awaitErr(Predicate<String> p) {
        return awaitLine(false, p);
    }

    private String awaitLine(boolean stdout, Predicate<String> p) {
        await().atMost(WAIT).until(() -> (stdout ? out() : err()).stream().anyMatch(p));
        return (stdout ? out() : err()).stream().filter(p).findFirst().orElseThrow();
    }

    /** Waits for the exit; returns the exit status. */
    int exit() throws InterruptedException {
        if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("vigil did not exit; stderr: " + err());
        }
        return process.exitValue();
    }

    /** SIGTERM, then the exit status. */
    int terminate() throws InterruptedException {
        process.destroy();
        return exit();
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
