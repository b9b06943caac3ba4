package dev.vigil.cli;

import com.sun.tools.attach.VirtualMachine;
import dev.vigil.crash.CrashReporter;
import dev.vigil.crash.CrashReporterOptions;
import dev.vigil.crash.DumpFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vigil dump}: a dump of another JVM. Thread dumps, flight recordings and heap dumps are asked of the target
 * through the JDK's own {@code jcmd} (the attach API's client, {@code $JAVA_HOME/bin/jcmd}), run as a child: the
 * same diagnostic commands by their documented names and options, and the target left as it was (the attach API's
 * public surface, {@code com.sun.tools.attach}, reaches these commands only through JMX, which would start a
 * management agent in the target for good, or through {@code sun.tools.attach}, which is not exported). Windows
 * minidumps come from the library ({@link CrashReporter#minidump(long)}, {@code MiniDumpWriteDump}).
 */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = {"Write a dump of the JVM with process id PID: thread (a thread dump, to stdout without --out),"
                + " jfr (a flight recording: every recording the JVM runs, plus one started for --duration), heap"
                + " (an HPROF heap dump of live objects) or mini (a Windows minidump; Windows only).",
            "Needs a JDK (jcmd) and the same user as the target."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the dump was written", "1:the target refused or failed",
            "2:a bad option, no such process, or no jcmd"})
final class DumpCommand implements Callable<Integer> {
    enum Format { THREAD, JFR, HEAP, MINI }

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "thread, jfr, heap or mini.")
    Format format;

    @Parameters(paramLabel = "PID", description = "The process id of the JVM to dump.")
    long pid;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Where to write (must not exist). Default: stdout for thread, else"
                    + " ./vigil-<pid>-<yyyyMMdd-HHmmss>.<jfr|hprof|mdmp>.")
    Path out;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "0s", converter = Durations.class,
            description = "jfr: how long the recording started for this dump runs before it is written (default 0s:"
                    + " what running recordings hold, plus the JVM's state now).")
    Duration duration;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (ProcessHandle.of(pid).isEmpty()) {
            throw new UserError("no process with pid " + pid);
        }
        if (VirtualMachine.list().stream().noneMatch(vm -> vm.id().equals(Long.toString(pid)))) {
            throw new UserError("process " + pid + " is not a JVM this user can attach to (the attach API does not"
                    + " list it: another user's, not HotSpot, or started with -XX:-UsePerfData)");
        }
        if (out != null && Files.exists(out)) {
            throw new UserError(out + " exists; name a new file with --out");
        }
        PrintWriter err = spec.commandLine().getErr();
        switch (format) {
            case THREAD -> {
                String dump = jcmd("Thread.print", "-l");
                if (out == null) {
                    System.out.print(dump);
                    System.out.flush();
                    return 0;
                }
                Files.writeString(out, dump, StandardCharsets.UTF_8);
            }
            case HEAP -> jcmd("GC.heap_dump", target("hprof").toString());
            case JFR -> {
                String name = "vigil-dump-" + ProcessHandle.current().pid();
                jcmd("JFR.start", "name=" + name);
                try {
                    if (!duration.isZero()) {
                        Thread.sleep(duration.toMillis()); // the recording's length, asked for by the user
                    }
                    jcmd("JFR.dump", "filename=" + target("jfr"));
                } finally {
                    jcmd("JFR.stop", "name=" + name);
                }
            }
            case MINI -> minidump();
            default -> throw new IllegalStateException(format.toString());
        }
        Path written = target(null);
        err.println("vigil dump: wrote " + written + " (" + Files.size(written) + " bytes)");
        return 0;
    }

    private Path resolved;

    /** The absolute file to write (the target resolves a relative name against its own directory). */
    private Path target(String extension) {
        if (resolved == null) {
            resolved = (out != null ? out : Path.of(String.format(Locale.ROOT, "vigil-%d-%s.%s", pid,
                    LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")), extension)))
                    .toAbsolutePath().normalize();
        }
        return resolved;
    }

    /** Runs {@code jcmd PID COMMAND ARGS}; its output without jcmd's leading "PID:" line. */
    private String jcmd(String command, String... args) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin",
                System.getProperty("os.name").startsWith("Windows") ? "jcmd.exe" : "jcmd");
        if (!Files.isExecutable(jcmd)) {
            throw new UserError("no jcmd at " + jcmd + ": vigil dump needs a JDK, not a JRE; set JAVA_HOME to one");
        }
        List<String> cmd = new ArrayList<>(List.of(jcmd.toString(), Long.toString(pid), command));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        String body = output.startsWith(pid + ":") ? output.substring(output.indexOf('\n') + 1) : output;
        if (p.exitValue() != 0 || body.startsWith("java.")) {
            throw new DumpFailed("jcmd " + pid + " " + command + " failed: " + reason(body)
                    + (output.contains("AttachNotSupportedException")
                    ? " (was it started with -XX:+DisableAttachMechanism?)" : ""));
        }
        return body;
    }

    /** The line that says what went wrong: an exception's message, else the last line. */
    private static String reason(String output) {
        String[] lines = output.strip().split("\\R");
        for (String line : lines) {
            int at = line.indexOf("Exception: ");
            if (at >= 0) {
                return line.substring(at + "Exception: ".length()).strip();
            }
        }
        return lines.length == 0 || lines[lines.length - 1].isBlank() ? "(no output)" : lines[lines.length - 1].strip();
    }

    private void minidump() {
        if (!System.getProperty("os.name").startsWith("Windows")) {
            throw new UserError("--format mini writes a Windows minidump (MiniDumpWriteDump), which exists only on"
                    + " Windows; on " + System.getProperty("os.name") + " use --format heap or thread (or gcore "
                    + pid + " for a core)");
        }
        Path file = target("mdmp");
        CrashReporterOptions options = CrashReporterOptions.defaults().withName("vigil-" + pid)
                .withDumpDirectory(file.getParent()).withFlightRecorder(false).withPostMortemScan(false);
        try (CrashReporter reporter = CrashReporter.install(options)) {
            DumpFile dump = reporter.minidump(pid).block(Duration.ofMinutes(5));
            Files.move(dump.path(), file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new DumpFailed("minidump of " + pid + " failed: " + Messages.oneLine(e));
        }
    }

    /** The target or jcmd refused: exit status 1, one line. */
    static final class DumpFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DumpFailed(String message) {
            super(message, null, false, false);
        }
    }
}
