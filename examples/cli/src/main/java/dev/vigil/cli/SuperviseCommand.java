package dev.vigil.cli;

import dev.vigil.crash.CrashEvent;
import dev.vigil.crash.CrashReporterOptions;
import dev.vigil.crash.CrashSupervisor;
import dev.vigil.crash.DumpFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code vigil supervise}: a child JVM under {@link CrashSupervisor}; its crash events printed; its status returned. */
@Command(name = "supervise", mixinStandardHelpOptions = true,
        description = {"Run a java command as a child with crash flags (error file, flight recording, heap dump on"
                + " OutOfMemoryError) and, when it exits, print what its death was (native crash, abort, killed,"
                + " out of memory, abnormal exit) with the files it left, moved into DIR. Nothing is printed for a"
                + " clean exit. SIGINT/SIGTERM are passed on to the child.",
            "Exit status: the child's own."})
final class SuperviseCommand implements Callable<Integer> {
    @Option(names = "--name", required = true, paramLabel = "NAME",
            description = "Names the dump files: NAME_<yyyyMMdd-HHmmss>.<ext>.")
    String name;

    @Option(names = "--dir", required = true, paramLabel = "DIR",
            description = "The dump directory (created owner-only if missing).")
    Path dir;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default) or json: one line per crash event on stdout.")
    String format;

    @Parameters(paramLabel = "JAVA", arity = "1..*",
            description = "The java launcher and its arguments, after --: java -jar app.jar ...")
    List<String> command;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!format.equals("text") && !format.equals("json")) {
            throw new UserError("--format must be text or json, not '" + format + "'");
        }
        CrashSupervisor supervisor = CrashSupervisor.create(CrashReporterOptions.defaults().withName(name)
                .withDumpDirectory(dir.toAbsolutePath().normalize()));
        CrashSupervisor.Child child;
        try {
            child = supervisor.launch(new ProcessBuilder(command).inheritIO());
        } catch (IOException e) {
            throw new UserError("cannot start " + command.get(0) + ": " + Messages.oneLine(e));
        }
        Process process = child.process();
        Signals.onTerminate(process::destroy); // a terminal's Ctrl-C reaches the child too; SIGTERM may not
        int status = process.waitFor();
        PrintWriter out = new PrintWriter(System.out, false, java.nio.charset.StandardCharsets.UTF_8);
        List<CrashEvent> events = child.events().collectList().block(Duration.ofMinutes(5));
        for (CrashEvent e : events == null ? List.<CrashEvent>of() : events) {
            out.println(format.equals("json") ? json(e) : text(e));
        }
        out.flush();
        return status;
    }

    private static String text(CrashEvent e) {
        StringBuilder b = new StringBuilder().append(e.kind()).append(" pid=").append(e.pid());
        e.exitCode().ifPresent(c -> b.append(" exit=").append(c));
        b.append(": ").append(e.message().replaceAll("\\s*\\R\\s*", " "));
        for (DumpFile f : e.artifacts()) {
            b.append(" [").append(f.format()).append(' ').append(f.path()).append(']');
        }
        return b.toString();
    }

    private static String json(CrashEvent e) {
        StringBuilder b = new StringBuilder("{\"kind\":\"").append(e.kind()).append("\",\"source\":\"")
                .append(e.source()).append("\",\"pid\":").append(e.pid()).append(",\"exitCode\":")
                .append(e.exitCode().isPresent() ? String.valueOf(e.exitCode().getAsInt()) : "null")
                .append(",\"time\":\"").append(e.time()).append("\",\"message\":");
        EventFormat.string(b, e.message());
        b.append(",\"artifacts\":[");
        String sep = "";
        for (DumpFile f : e.artifacts()) {
            b.append(sep).append("{\"format\":\"").append(f.format()).append("\",\"path\":");
            EventFormat.string(b, f.path().toString());
            b.append('}');
            sep = ",";
        }
        return b.append("]}").toString();
    }
}
