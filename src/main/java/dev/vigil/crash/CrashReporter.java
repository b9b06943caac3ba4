package dev.vigil.crash;

import dev.vigil.crash.internal.CrashEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

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
 * <h2>Installation and ownership</h2>
 * A JVM has at most one <em>installation</em>: the sources, threads, recording and dump directory that report its
 * crashes. Every call to {@link #install(CrashReporterOptions)} returns a new <em>handle</em> to it, owned by the
 * caller, who must {@link #close()} it:
 * <ul>
 *   <li>The first install (when no handle is open) creates the installation: it creates the dump directory
 *       (owner-only), starts a dump thread and a watchdog thread (daemons named {@code vigil-crash-*}), starts the
 *       continuous flight recording asynchronously (JFR's first start costs most of a second, paid here and not at
 *       crash time), installs the sources the options ask for, and scans the crash directories for files dead JVMs
 *       left.</li>
 *   <li>An install with options {@linkplain CrashReporterOptions#equals equal} to the installation's returns a new
 *       handle to the same installation, and changes nothing else: two Spring beans, or a library and the application
 *       that hosts it, each hold their own handle, and one closing its handle does not stop reporting for the
 *       other.</li>
 *   <li>An install with other options fails with an {@link IllegalStateException} naming the options that differ,
 *       for as long as any handle is open.</li>
 *   <li>Reporting stops when the <em>last</em> open handle is closed; the next install creates a new
 *       installation.</li>
 * </ul>
 * {@link #installed()} gives a view of the installation that owns nothing (see there).
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
 * {@link #close()} releases one handle. It is idempotent: closing a handle twice releases it once. It completes the
 * {@link #events()} streams obtained from that handle (on the closing thread, before it returns); from then on the
 * handle behaves as described under <em>A closed handle</em>. Other handles are not affected.
 * <p>Closing the last open handle also ends the installation, on the closing thread: it restores everything install
 * changed, in reverse order: the previous default uncaught-exception handler (unless someone replaced ours since, in
 * which case ours stays in the chain and only delegates), the keyed Reactor hooks, the dropped-error hook in place
 * before install (when Reactor's hook is readable, as on the class path, and nobody added one after ours; otherwise
 * ours stays, inert, logging like Reactor's default), the heap-dump flags; it stops the recording and the threads
 * (waiting up to 10 seconds for a dump being written), and completes the stream of {@link #installed()}. An install
 * on another thread waits until this is done, then creates a new installation. Events already published keep their
 * dumps: a dump that was not written yet fails with {@link DumpRefusedException} ("the crash reporter is closed").
 * <p>A handle that is never closed keeps the installation, and its hooks and threads, until the JVM exits.
 *
 * <h2>A closed handle</h2>
 * <ul>
 *   <li>{@link #events()} completes at once, without replay.</li>
 *   <li>{@link #dump(DumpFile.Format)} and {@link #minidump(long)} fail with an {@link IllegalStateException} that
 *       says the handle is closed (also a {@code Mono} assembled before close and subscribed after).</li>
 *   <li>{@link #options()}, {@link #dumpDirectory()} and the counters keep answering: the counters are those of
 *       the installation, shared by all its handles, and stop changing when the installation ends.</li>
 *   <li>{@link #close()} does nothing; {@link #isClosed()} is true.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * Thread-safe: handles may be installed, used and closed from any threads at once. {@code install}, {@code close}
 * and {@link #installed()} take a JVM-wide lock, which crashing threads never take; {@code install} and the close of
 * the last handle hold it while they install or restore the sources, so neither runs while the other does. Events are
 * delivered on the thread that observed them (a dying thread, a Reactor worker, the watchdog, the installing thread
 * for post-mortem events), one at a time. Subscribers must not block in {@code onNext}: use {@code publishOn}.
 */
public final class CrashReporter implements AutoCloseable {

    private static final Object LOCK = new Object();
    /** The installation while at least one handle is open; guarded by {@link #LOCK}. */
    private static Installation current;

    /** The installed engine, the options it was installed with, and how many handles own it. */
    private static final class Installation {
        final CrashReporterOptions options;
        final CrashEngine engine;
        final CrashReporter view;
        int owners; // guarded by LOCK

        Installation(CrashReporterOptions options, CrashEngine engine) {
            this.options = options;
            this.engine = engine;
            this.view = new CrashReporter(this, false);
        }
    }

    private final Installation installation;
    private final boolean owner;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Emits once, when this handle is closed: completes the streams {@link #events()} gave. */
    private final Sinks.One<Boolean> closing = Sinks.one();

    private CrashReporter(Installation installation, boolean owner) {
        this.installation = installation;
        this.owner = owner;
    }

    /**
     * Returns a new handle to the installation, creating the installation when no handle is open.
     *
     * @return a new handle, owned by the caller, who must close it
     * @throws IllegalStateException when handles to an installation with other options are open; the message names
     *                               the options that differ
     * @throws IOException when the dump directory cannot be created or the post-mortem scan fails (no handle is
     *                     created and nothing stays installed)
     */
    public static CrashReporter install(CrashReporterOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        synchronized (LOCK) {
            if (current != null) {
                if (!current.options.equals(options)) {
                    throw new IllegalStateException("a CrashReporter is already installed with other options ("
                            + current.options.differences(options) + ", installed vs requested); close() it first ("
                            + current.owners + (current.owners == 1 ? " handle is" : " handles are") + " open),"
                            + " or install with the same options to share it");
                }
            } else {
                current = new Installation(options, CrashEngine.install(options, CrashEvent::new));
            }
            current.owners++;
            return new CrashReporter(current, true);
        }
    }

    /**
     * A view of the installation while any handle is open, for code that reports into it or inspects it without
     * owning it. The view is not a handle: it does not keep the installation alive, and its {@link #close()} throws.
     * It works as a handle does until the last handle is closed; from then on it behaves as a closed handle (its
     * {@link #events()} streams complete, its dumps fail with {@link IllegalStateException}). To keep reporting
     * alive, {@link #install} with {@link #options()} instead.
     *
     * @return the view of the current installation (the same object for as long as it lasts), or empty when no
     *         handle is open
     */
    public static Optional<CrashReporter> installed() {
        synchronized (LOCK) {
            return current == null ? Optional.empty() : Optional.of(current.view);
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
     * never errors. It completes when this handle is closed (or, for the {@linkplain #installed() view}, when the
     * installation ends); subscribed after that, it completes at once, without replay.
     */
    public Flux<CrashEvent> events() {
        return Flux.defer(() -> isClosed() ? Flux.empty()
                : owner ? engine().events().takeUntilOther(closing.asMono()) : engine().events());
    }

    /**
     * A dump of this JVM now, not tied to an event: {@code THREAD_DUMP}, {@code FLIGHT_RECORDING}, {@code HEAP_DUMP}
     * (when enabled) or {@code WINDOWS_MINIDUMP} (Windows). Cold: each subscription writes a new file, on Vigil's dump
     * thread, bounded by the dump timeout and counted against the dump rate limit. Errors as in {@link CrashEvent};
     * on a closed handle, {@link IllegalStateException}.
     */
    public Mono<DumpFile> dump(DumpFile.Format format) {
        Objects.requireNonNull(format, "format");
        return Mono.defer(() -> isClosed() ? Mono.error(closedError("dump")) : engine().dumpNow(format));
    }

    /**
     * A Windows minidump of another process (or this one) with the configured {@code MINIDUMP_TYPE}, written by
     * {@code MiniDumpWriteDump}. Needs {@code PROCESS_QUERY_INFORMATION | PROCESS_VM_READ | PROCESS_DUP_HANDLE} on
     * the target. On other systems: {@code Mono.error(UnsupportedOperationException)} naming what to use instead.
     * On a closed handle, {@link IllegalStateException}.
     */
    public Mono<DumpFile> minidump(long pid) {
        return Mono.defer(() -> isClosed() ? Mono.error(closedError("minidump")) : engine().minidump(pid));
    }

    /** The options the installation was created with (equal to those given to {@link #install}). */
    public CrashReporterOptions options() {
        return installation.options;
    }

    /** The absolute dump directory. */
    public Path dumpDirectory() {
        return engine().store().directory();
    }

    /**
     * How many events the event rate limit suppressed since the installation was created (each was counted in a
     * SUPPRESSED summary).
     */
    public long suppressedCount() {
        return engine().suppressedCount();
    }

    /** How many events were dropped, since the installation was created, because a subscriber did not keep up. */
    public long droppedCount() {
        return engine().droppedCount();
    }

    /**
     * How many automatic dumps (those of {@link CrashReporterOptions#withAutomaticDumps}) failed since the
     * installation was created, refusals by the dump rate limit included. Each such event's {@link CrashEvent#dump()}
     * fails with the reason; this count lets a health check see failures that no one subscribed to.
     */
    public long failedDumpCount() {
        return engine().failedDumpCount();
    }

    /** How many dumps the dump rate limit refused since the installation was created. */
    public long refusedDumpCount() {
        return engine().store().refusedDumps();
    }

    /** Events of {@code kind} published since the installation was created ({@link CrashMetrics}). */
    long publishedCount(CrashEvent.Kind kind) {
        return engine().publishedCount(kind);
    }

    /** Files of {@code format} placed in the dump directory since the installation was created ({@link CrashMetrics}). */
    long placedCount(DumpFile.Format format) {
        return engine().store().placed(format);
    }

    /**
     * Whether this handle is closed; for the {@linkplain #installed() view}, whether its installation has ended.
     */
    public boolean isClosed() {
        return owner ? closed.get() : engine().isClosed();
    }

    /**
     * Releases this handle: completes the {@link #events()} streams it gave and, when it is the last open handle,
     * ends the installation (restores every handler, hook and flag that install replaced, stops the recording and
     * Vigil's threads). Idempotent: a second call does nothing. See the class documentation.
     *
     * @throws IllegalStateException on the {@linkplain #installed() view}, which owns nothing to close; or when the
     *                               installation ended here and something could not be restored (the rest is restored
     *                               all the same, and the handle is closed)
     */
    @Override
    public void close() {
        if (!owner) {
            throw new IllegalStateException("this CrashReporter is the view CrashReporter.installed() returns: it owns "
                    + "nothing and cannot be closed; close the handles CrashReporter.install returned");
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // This handle's subscribers complete here, outside the lock, whatever they do in onComplete.
        closing.tryEmitValue(Boolean.TRUE);
        synchronized (LOCK) {
            if (--installation.owners > 0) {
                return;
            }
            if (current == installation) {
                current = null;
            }
            installation.engine.close();
        }
    }

    private CrashEngine engine() {
        return installation.engine;
    }

    private IllegalStateException closedError(String what) {
        return new IllegalStateException(owner
                ? "cannot " + what + ": this CrashReporter handle is closed; use an open handle, or install() a new one"
                : "cannot " + what + ": the crash reporter this view (CrashReporter.installed()) showed was closed by "
                        + "its last handle; install() a new one");
    }

    @Override
    public String toString() {
        return "CrashReporter[" + installation.options.name() + " in " + dumpDirectory()
                + (owner ? "" : ", view") + (isClosed() ? ", closed" : "") + "]";
    }
}
