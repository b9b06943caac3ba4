package dev.vigil.crash;

import dev.vigil.crash.internal.CrashEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reports the crashes of this JVM, and of JVMs that died before it started, as a hot {@link Flux} of
 * {@link CrashEvent}s with their dumps on disk: the JVM-era {@code minidumper.enable(name, dir, type)}.
 *
 * <pre>{@code
 * CrashReporter reporter = CrashReporter.install(CrashReporterOptions.defaults()
 *         .withName("example")
 *         .withDumpDirectory(Path.of("/var/crash/example")));
 * reporter.events()
 *         .flatMap(event -> event.dump().map(file -> event.kind() + " -> " + file.path()))
 *         .subscribe(log::error);
 * // ... and at shutdown:
 * reporter.close();
 * }</pre>
 *
 * <h2>Installation</h2>
 * {@link #install(CrashReporterOptions)} installs one reporter per JVM. It creates the dump directory (owner-only),
 * starts a dump thread and a watchdog thread (daemons named {@code vigil-crash-*}), starts the continuous flight
 * recording asynchronously (JFR's first start costs most of a second, paid here and not at crash time), installs the
 * sources the options ask for, and scans the crash directories for files dead JVMs left. Installing again with equal
 * options returns the installed reporter (harmless, like minidumper's double {@code enable()}); with different
 * options it fails until the installed one is closed.
 *
 * <h2>Sources</h2>
 * <ul>
 *   <li>Uncaught exceptions: a default uncaught-exception handler that reports, then calls the handler that was
 *       there before (or prints as the JVM does when there was none).</li>
 *   <li>Reactor: {@code Hooks.onErrorDropped} (dropped errors) and {@code Schedulers.onHandleError} under the key
 *       {@code dev.vigil.crash} (failed tasks on scheduler workers, which never reach the default handler).</li>
 *   <li>Out of memory: an {@link OutOfMemoryError} reaching either of the above. With heap dumps enabled, HotSpot's
 *       {@code HeapDumpOnOutOfMemoryError} is switched on at runtime and its file is attached.</li>
 *   <li>Deadlocks and stalls: a watchdog that calls {@code findDeadlockedThreads()} and checks, each
 *       {@linkplain CrashReporterOptions#withWatchdogInterval interval}, for a Reactor non-blocking worker running
 *       one task, or a thread blocked on one monitor, beyond the stall threshold.</li>
 *   <li>Post-mortem: at install, {@code hs_err_pid*.log|.jfr|.mdmp}, {@code java_pid*.hprof} and ELF cores in the
 *       working directory, the {@code -XX:ErrorFile} directory, the configured and watched directories and the dump
 *       directory; while installed, files appearing in the watched directories. Each file is moved into the dump
 *       directory, which marks it reported: it is published once.</li>
 * </ul>
 * Native faults are never intercepted in process: HotSpot must handle them first (it writes the {@code hs_err}
 * report). They are seen post-mortem, or by a {@link CrashSupervisor}.
 *
 * <h2>Close</h2>
 * {@link #close()} restores everything install changed: the previous default uncaught-exception handler (unless
 * someone replaced ours since, in which case ours stays in the chain and only delegates), the keyed Reactor hooks,
 * the dropped-error hook in place before install (when Reactor's hook is readable, as on the class path, and nobody
 * added one after ours; otherwise ours stays, inert, logging like Reactor's default), the heap-dump flags; it stops
 * the recording and the threads, and completes {@link #events()}.
 *
 * <h2>Threading</h2>
 * Thread-safe. Events are delivered on the thread that observed them (a dying thread, a Reactor worker, the watchdog,
 * the installing thread for post-mortem events), one at a time. Subscribers must not block in {@code onNext}: use
 * {@code publishOn}.
 */
public final class CrashReporter implements AutoCloseable {

    private static final Object LOCK = new Object();
    private static CrashReporter installed;

    private final CrashReporterOptions options;
    private final CrashEngine engine;

    private CrashReporter(CrashReporterOptions options, CrashEngine engine) {
        this.options = options;
        this.engine = engine;
    }

    /**
     * Installs the reporter, or returns the installed one when its options are equal.
     *
     * @throws IllegalStateException when a reporter with other options is installed
     * @throws IOException when the dump directory cannot be created or the post-mortem scan fails
     */
    public static CrashReporter install(CrashReporterOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        synchronized (LOCK) {
            if (installed != null) {
                if (installed.options.equals(options)) {
                    return installed;
                }
                throw new IllegalStateException("a CrashReporter is already installed with other options ("
                        + installed.options.differences(options) + ", installed vs requested); close() it first,"
                        + " or install with the same options to share it");
            }
            installed = new CrashReporter(options, CrashEngine.install(options, CrashEvent::new));
            return installed;
        }
    }

    /** The installed reporter, if any. */
    public static Optional<CrashReporter> installed() {
        synchronized (LOCK) {
            return Optional.ofNullable(installed);
        }
    }

    /**
     * The crashes, as they are observed.
     *
     * <ul>
     *   <li><b>Multicast</b>: yes. Every subscriber sees every event published after it subscribed, plus the replay.</li>
     *   <li><b>Without Subscriber</b>: events are kept for replay only (the last
     *       {@linkplain CrashReporterOptions#withReplay N}); their automatic dumps are written all the same.</li>
     *   <li><b>Backpressure</b>: honoured per subscriber with a bounded buffer
     *       ({@linkplain CrashReporterOptions#withSubscriberBuffer default 1024}). A subscriber that falls further behind
     *       loses its oldest undelivered events; they are counted in {@link #droppedCount()}. Publishing never blocks
     *       and never fails because of a subscriber.</li>
     *   <li><b>Replaying</b>: the last {@linkplain CrashReporterOptions#withReplay N} events (default 64), so that the
     *       post-mortem events found at install reach subscribers that come later.</li>
     * </ul>
     * The rate of each kind is limited ({@link CrashReporterOptions#withEventRateLimit}); what is over the limit is
     * counted ({@link #suppressedCount()}) and summarised by a {@link CrashEvent.Kind#SUPPRESSED} event. The stream
     * completes when the reporter is closed; it never errors.
     */
    public Flux<CrashEvent> events() {
        return engine.events();
    }

    /**
     * A dump of this JVM now, not tied to an event: {@code THREAD_DUMP}, {@code FLIGHT_RECORDING}, {@code HEAP_DUMP}
     * (when enabled) or {@code WINDOWS_MINIDUMP} (Windows). Cold: each subscription writes a new file, on Vigil's dump
     * thread, bounded by the dump timeout and counted against the dump rate limit. Errors as in {@link CrashEvent}.
     */
    public Mono<DumpFile> dump(DumpFile.Format format) {
        return engine.dumpNow(Objects.requireNonNull(format, "format"));
    }

    /**
     * A Windows minidump of another process (or this one) with the configured {@code MINIDUMP_TYPE}, written by
     * {@code MiniDumpWriteDump}. Needs {@code PROCESS_QUERY_INFORMATION | PROCESS_VM_READ | PROCESS_DUP_HANDLE} on
     * the target. On other systems: {@code Mono.error(UnsupportedOperationException)} naming what to use instead.
     */
    public Mono<DumpFile> minidump(long pid) {
        return engine.minidump(pid);
    }

    /** The options this reporter was installed with. */
    public CrashReporterOptions options() {
        return options;
    }

    /** The absolute dump directory. */
    public Path dumpDirectory() {
        return engine.store().directory();
    }

    /** How many events the event rate limit suppressed since install (each was counted in a SUPPRESSED summary). */
    public long suppressedCount() {
        return engine.suppressedCount();
    }

    /** How many events were dropped because a subscriber did not keep up. */
    public long droppedCount() {
        return engine.droppedCount();
    }

    /**
     * How many automatic dumps (those of {@link CrashReporterOptions#withAutomaticDumps}) failed since install,
     * refusals by the dump rate limit included. Each such event's {@link CrashEvent#dump()} fails with the reason;
     * this count lets a health check see failures that no one subscribed to.
     */
    public long failedDumpCount() {
        return engine.failedDumpCount();
    }

    /** How many dumps the dump rate limit refused since install. */
    public long refusedDumpCount() {
        return engine.store().refusedDumps();
    }

    /**
     * Restores every handler, hook and flag that install replaced, stops the recording and Vigil's threads, and
     * completes {@link #events()}. Idempotent. After it, {@link #install} may install a new reporter.
     *
     * @throws IllegalStateException when something could not be restored (the rest is restored all the same)
     */
    @Override
    public void close() {
        synchronized (LOCK) {
            if (installed == this) {
                installed = null;
            }
        }
        engine.close();
    }

    @Override
    public String toString() {
        return "CrashReporter[" + options.name() + " in " + dumpDirectory() + (engine.isClosed() ? ", closed" : "")
                + "]";
    }
}
