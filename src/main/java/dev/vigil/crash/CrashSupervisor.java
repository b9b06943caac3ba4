package dev.vigil.crash;

import dev.vigil.crash.internal.DumpStore;
import dev.vigil.crash.internal.HostOs;
import dev.vigil.crash.internal.JvmFlags;
import dev.vigil.crash.internal.OwnerOnly;
import dev.vigil.crash.internal.PostMortem;
import dev.vigil.crash.internal.RateWindow;
import dev.vigil.crash.internal.SupervisedCommand;
import dev.vigil.crash.internal.SupervisedExit;
import dev.vigil.crash.internal.windows.ErrorDialogs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Launches an application JVM as a child with crash flags and turns its death into {@link CrashEvent}s with source
 * {@link CrashEvent.Source#SUPERVISOR}: the way to see native crashes, {@code abort()}, {@code SIGKILL} and
 * {@code exit(1)} that no code inside the dying JVM can report.
 *
 * <pre>{@code
 * CrashSupervisor supervisor = CrashSupervisor.create(CrashReporterOptions.defaults().withName("app"));
 * CrashSupervisor.Child child = supervisor.launch(new ProcessBuilder("java", "-jar", "app.jar").inheritIO());
 * child.events().subscribe(e -> alert(e.kind() + ": " + e.message()));
 * }</pre>
 *
 * <h2>Flags</h2>
 * {@link #launch(ProcessBuilder)} inserts, right after the {@code java} executable:
 * {@code -XX:ErrorFile=<run dir>/hs_err_pid%p.log} (a per-run directory under the dump directory, so that
 * concurrent children and repeated PIDs never collide); a JFR ring ({@code -XX:StartFlightRecording} with the
 * options' age and size; HotSpot dumps it as {@code hs_err_pid<pid>.jfr} on a native crash, and Vigil adds
 * {@code dumponexit} so that an {@code exit(1)} or {@code SIGTERM} leaves one too) unless the flight recorder is off;
 * {@code -XX:+HeapDumpOnOutOfMemoryError} into the run directory when heap dumps are enabled;
 * {@code -XX:-CreateCoredumpOnCrash} unless {@linkplain #withCoreDumps(boolean) core dumps} are wanted (then
 * {@code +}); and {@code -XX:OnError} when {@linkplain #withOnError(String) set}.
 *
 * <h2>Platform differences</h2>
 * The launch follows the OS this JVM runs on, never the presence of a file.
 * <ul>
 *   <li><b>POSIX:</b> without core dumps, when {@code /bin/sh} exists the command runs under {@code ulimit -c 0}
 *       (the JVM is {@code exec}ed, so the pid is the JVM's), so that even {@code abort()} leaves no core.</li>
 *   <li><b>Windows:</b> the launcher is started directly. The error mode
 *       {@code SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX} is set while the child is
 *       created, so that no dialog blocks it (the child inherits it), then restored. A crashed JVM exits with status
 *       1. With core dumps, HotSpot writes a full-memory minidump, {@code hs_err_pid<pid>.mdmp}, into the child's
 *       working directory (not the {@code ErrorFile} directory); it is claimed as
 *       {@link DumpFile.Format#WINDOWS_MINIDUMP}. HotSpot ends its error reporting, this minidump included, after
 *       {@code -XX:ErrorLogTimeout} (120 s by default), killing the process with status -1: for a large heap, pass a
 *       larger value in the child's command. Without them, {@code -XX:-CreateCoredumpOnCrash} also stops the
 *       minidump that Windows Server editions write by default.</li>
 * </ul>
 *
 * <h2>Classification</h2>
 * When the child exits, the files it left (in the run directory, and those named after its pid in its working
 * directory, where JDK 17 writes the emergency recording and Windows HotSpot its minidump) are moved into the dump
 * directory under the options' naming, and one event is published: {@link CrashEvent.Kind#NATIVE_CRASH} when there
 * is an {@code hs_err} report (whatever the status), {@link CrashEvent.Kind#OUT_OF_MEMORY} when there is an
 * out-of-memory heap dump, nothing for status 0 with no files, and otherwise by the status:
 * <ul>
 *   <li><b>POSIX:</b> {@link CrashEvent.Kind#NATIVE_ABORT} for 134 ({@code SIGABRT}),
 *       {@link CrashEvent.Kind#NATIVE_CRASH} for 132, 135, 136 and 139 ({@code SIGILL}, {@code SIGBUS},
 *       {@code SIGFPE}, {@code SIGSEGV}), {@link CrashEvent.Kind#KILLED} for other signals (137 {@code SIGKILL},
 *       143 {@code SIGTERM}), {@link CrashEvent.Kind#ABNORMAL_EXIT} for any other status.</li>
 *   <li><b>Windows</b> (exit codes are {@code NTSTATUS} values when an exception ended the process):
 *       {@link CrashEvent.Kind#NATIVE_CRASH} for {@code 0xC0000005} (access violation), {@code 0xC00000FD} (stack
 *       overflow), {@code 0xC0000374} (heap corruption) and any other unnamed {@code 0xC...} error;
 *       {@link CrashEvent.Kind#NATIVE_ABORT} for the fail-fast codes {@code 0xC0000409} ({@code abort()} in the
 *       C runtime, {@code __fastfail}) and {@code 0xC0000602}; {@link CrashEvent.Kind#KILLED} for
 *       {@code 0xC000013A} (Ctrl-C, console closed); {@link CrashEvent.Kind#ABNORMAL_EXIT} for any other status,
 *       including 1, which {@link Process#destroy()} ({@code TerminateProcess}) also gives: a killed child cannot
 *       be told from {@code System.exit(1)} on Windows.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class CrashSupervisor {

    private final CrashReporterOptions options;
    private final boolean coreDumps;
    private final String onError;

    private CrashSupervisor(CrashReporterOptions options, boolean coreDumps, String onError) {
        this.options = options;
        this.coreDumps = coreDumps;
        this.onError = onError;
    }

    /** A supervisor writing to the options' dump directory under their name, with their JFR and heap-dump choices. */
    public static CrashSupervisor create(CrashReporterOptions options) {
        return new CrashSupervisor(Objects.requireNonNull(options, "options"), false, null);
    }

    /**
     * Whether the child may write an OS core on a crash (default no: a core is as large as the process, 0.65 GB and
     * more for a small JVM, and Linux names it {@code core} in the working directory unless
     * {@code kernel.core_pattern} says otherwise). A core left in the run directory or named {@code core.<pid>} in
     * the child's working directory becomes a {@link DumpFile.Format#CORE} artifact.
     */
    public CrashSupervisor withCoreDumps(boolean enabled) {
        return new CrashSupervisor(options, enabled, onError);
    }

    /**
     * Commands HotSpot runs after writing its report, while the dying JVM still exists ({@code -XX:OnError};
     * {@code %p} is its pid; {@code ;} separates commands; run by {@code sh -c} or {@code cmd /C}). For example a
     * Windows minidump helper, or {@code gcore %p} (seconds, gigabytes). Null for none (the default).
     */
    public CrashSupervisor withOnError(String command) {
        return new CrashSupervisor(options, coreDumps, command);
    }

    /** The flags {@link #launch} adds for crash files written to {@code directory}. */
    public List<String> jvmFlags(Path directory) {
        return JvmFlags.flags(options, directory.toAbsolutePath().normalize(), coreDumps, onError, true);
    }

    /**
     * The same crash flags as one {@code JAVA_TOOL_OPTIONS} value, for deployments that cannot use a supervisor: crash
     * files go straight to the dump directory (where an installed {@link CrashReporter} finds them at its next start),
     * with no exit recording. Arguments containing spaces are quoted.
     */
    public String javaToolOptions() {
        Path dir = options.dumpDirectory().toAbsolutePath().normalize();
        return JvmFlags.toolOptions(JvmFlags.flags(options, dir, coreDumps, onError, false));
    }

    /**
     * Starts {@code builder}'s command, whose first element must be a {@code java} launcher, with the crash flags.
     * The builder is not modified: its directory, environment and redirections are copied.
     *
     * @throws IOException when the dump directory cannot be created or the process cannot be started
     */
    public Child launch(ProcessBuilder builder) throws IOException {
        Objects.requireNonNull(builder, "builder");
        List<String> command = builder.command();
        if (command.isEmpty()) {
            throw new IllegalArgumentException("the command is empty; it must start with a java launcher");
        }
        DumpStore store = new DumpStore(options.dumpDirectory(), options.name(), options.maxFiles(),
                options.maxBytes(), new RateWindow(options.dumpRate(), options.dumpRatePeriod(), System::nanoTime));
        Path runDir = store.directory().resolve(".run-" + UUID.randomUUID());
        Files.createDirectory(runDir);
        OwnerOnly.directory(runDir);

        List<String> full = SupervisedCommand.of(HostOs.current(), command, jvmFlags(runDir), coreDumps);

        ProcessBuilder pb = new ProcessBuilder(full)
                .directory(builder.directory())
                .redirectInput(builder.redirectInput())
                .redirectOutput(builder.redirectOutput())
                .redirectError(builder.redirectError())
                .redirectErrorStream(builder.redirectErrorStream());
        pb.environment().clear();
        pb.environment().putAll(builder.environment());
        Process process = ErrorDialogs.suppressedWhile(pb::start);
        Path cwd = builder.directory() != null ? builder.directory().toPath().toAbsolutePath()
                : Path.of(System.getProperty("user.dir")).toAbsolutePath();
        return new Child(process, runDir, cwd, new PostMortem(store, CrashEvent::new));
    }

    /** A launched child JVM. Thread-safe. */
    public static final class Child {
        private final Process process;
        private final Path runDirectory;
        private final Flux<CrashEvent> events;

        private Child(Process process, Path runDirectory, Path workingDirectory, PostMortem postMortem) {
            this.process = process;
            this.runDirectory = runDirectory;
            this.events = Mono.fromFuture(process.onExit())
                    .publishOn(Schedulers.boundedElastic())
                    .flatMapIterable(p -> SupervisedExit.collect(p.pid(), p.exitValue(), runDirectory,
                            workingDirectory, postMortem))
                    .cache();
        }

        /** The process, for its pid, streams and {@code onExit()}. */
        public Process process() {
            return process;
        }

        /** The per-run directory given to {@code -XX:ErrorFile}; emptied and removed after the exit. */
        public Path runDirectory() {
            return runDirectory;
        }

        /**
         * The events of this child's death: nothing until it exits, then zero events (clean exit) or one, then
         * completion. Replays to every subscriber; the classification runs once. Errors only when the files cannot
         * be read (an {@link java.io.UncheckedIOException}).
         */
        public Flux<CrashEvent> events() {
            return events;
        }
    }
}
