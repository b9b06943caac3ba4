package dev.vigil.crash;

import dev.vigil.crash.internal.DumpSource;
import dev.vigil.crash.internal.EventData;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;

/**
 * One crash, or one thing that looks like the beginning of one, as published by {@link CrashReporter#events()} and
 * {@link CrashSupervisor.Child#events()}.
 *
 * <p>Immutable apart from its dump cache, thread-safe, identity equality. What the event knows is fixed when it is
 * published; its dumps are files on disk reached through {@link #dump()} and {@link #dump(DumpFile.Format)}.
 *
 * <h2>Dumps</h2>
 * <ul>
 *   <li><b>Fatal in-process events</b> ({@link Kind#UNCAUGHT_EXCEPTION} on a plain thread, and
 *       {@link Kind#OUT_OF_MEMORY}): the {@linkplain CrashReporterOptions#withAutomaticDumps(Kind, java.util.Set)
 *       automatic dumps of its kind} are
 *       written <em>on the dying thread, before it continues</em> to the previous handler, and before the event is
 *       published: {@code dump()} then completes at once with the file.</li>
 *   <li><b>Other in-process events</b>: automatic dumps are started on Vigil's dump thread after publication; any
 *       other format is written lazily on the first subscription to {@code dump(format)}. Each format is written at
 *       most once per event (single-flight): every subscriber, now or later, gets the same file or the same error.
 *       Writing is bounded by {@link CrashReporterOptions#withDumpTimeout}.</li>
 *   <li><b>Post-mortem and supervisor events</b>: the dumps are the files the dead process left
 *       ({@link #artifacts()}); they were moved into the dump directory before publication.</li>
 * </ul>
 * A dump that cannot be produced is a {@code Mono.error} that says why, never an empty {@code Mono}:
 * {@link UnsupportedOperationException} for a format this platform or this kind of event cannot have (a Windows
 * minidump on Linux, a thread dump of a process that is gone), {@link DumpRefusedException} for a dump refused by
 * policy (heap dumps not enabled, rate limit reached, reporter closed), {@link java.nio.file.NoSuchFileException}
 * when the process left no such file, {@link java.util.concurrent.TimeoutException} after the timeout, and the
 * {@link java.io.IOException} of the failed write otherwise. When the file system refused the write (the dump
 * directory deleted, read-only, full or not writable), that is a {@link java.nio.file.FileSystemException} whose
 * {@code getFile()} is the dump directory and whose message gives the system's reason and what to do
 * ({@link java.nio.file.NoSuchFileException} for a deleted directory, which is not created again). A dump that
 * failed never leaves a partial file under a dump name, nor its temporary file.
 */
public final class CrashEvent {

    /** What happened. */
    public enum Kind {
        /** A thread died of an exception no one caught (the default uncaught-exception handler ran). Fatal for the thread. */
        UNCAUGHT_EXCEPTION,
        /** Reactor dropped an error ({@code Hooks.onErrorDropped}): it had nowhere to go, typically no error consumer. */
        REACTOR_DROPPED_ERROR,
        /** A task failed on a Reactor scheduler worker ({@code Schedulers.onHandleError}); the worker survives. */
        REACTOR_SCHEDULER_ERROR,
        /** An {@link OutOfMemoryError} reached a handler in process, or a heap dump left by a dead process was found. */
        OUT_OF_MEMORY,
        /** Threads deadlocked on monitors or ownable synchronizers ({@code ThreadMXBean.findDeadlockedThreads}). */
        DEADLOCK,
        /**
         * A Reactor non-blocking worker ran one task, or a thread waited for one lock held by another thread (a
         * monitor, or a {@code java.util.concurrent} lock with an owner), beyond the stall threshold.
         */
        STALL,
        /**
         * The JVM died of a native fault or an internal error: HotSpot wrote an {@code hs_err} report, or the exit
         * status names a fault ({@code SIGSEGV} and the like on POSIX, an {@code NTSTATUS} such as
         * {@code 0xC0000005} on Windows).
         */
        NATIVE_CRASH,
        /**
         * The JVM died of {@code SIGABRT} ({@code abort()} in native code), or on Windows of a fail-fast exit
         * ({@code 0xC0000409}, {@code 0xC0000602}), without an {@code hs_err} report.
         */
        NATIVE_ABORT,
        /**
         * The JVM was ended by a signal ({@code SIGKILL}, such as the kernel's OOM killer, or {@code SIGTERM}), or on
         * Windows by Ctrl-C or its console closing ({@code 0xC000013A}).
         */
        KILLED,
        /** The JVM exited with a non-zero status and no evidence of a crash ({@code System.exit(1)}, a failing main). */
        ABNORMAL_EXIT,
        /**
         * A summary: {@link #suppressedCount()} events of the kind named in {@link #message()} were not published
         * because of the {@linkplain CrashReporterOptions#withEventRateLimit event rate limit}. Has no dump.
         */
        SUPPRESSED
    }

    /** Where the event was observed. */
    public enum Source {
        /** In this JVM, while it runs. */
        IN_PROCESS,
        /** From files a dead JVM left (scanned at install, or seen in a watched directory). */
        POST_MORTEM,
        /** By a {@link CrashSupervisor} that launched the JVM as a child and saw it exit. */
        SUPERVISOR
    }

    /**
     * The facts HotSpot printed at the top of an {@code hs_err} report. A field the report does not contain is the
     * empty string.
     *
     * @param error            the error: a signal name ({@code SIGSEGV}), a Windows exception name
     *                         ({@code EXCEPTION_ACCESS_VIOLATION}), {@code Internal Error} or {@code Out of Memory Error}
     * @param code             the signal number or exception code as printed ({@code 0xb}, {@code 0xc0000005})
     * @param problematicFrame the frame HotSpot blames, with its kind letter ({@code C} native, {@code V} VM,
     *                         {@code j} interpreted, {@code J} compiled Java)
     * @param jreVersion       the {@code JRE version} line
     * @param vmVersion        the {@code Java VM} line
     * @param complete         whether the report ends with HotSpot's {@code END.} marker (false: the JVM died while
     *                         writing it, or it was cut off by {@code ErrorLogTimeout})
     */
    public record NativeCrash(String error, String code, String problematicFrame, String jreVersion, String vmVersion,
                              boolean complete) {
        /** Checks that no component is null. */
        public NativeCrash {
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(problematicFrame, "problematicFrame");
            Objects.requireNonNull(jreVersion, "jreVersion");
            Objects.requireNonNull(vmVersion, "vmVersion");
        }
    }

    private final EventData data;
    private final DumpSource dumps;
    private final Map<DumpFile.Format, Mono<DumpFile>> cache = new ConcurrentHashMap<>();

    CrashEvent(EventData data, DumpSource dumps) {
        this.data = Objects.requireNonNull(data, "data");
        this.dumps = Objects.requireNonNull(dumps, "dumps");
        for (DumpFile file : data.artifacts()) {
            cache.putIfAbsent(file.format(), Mono.just(file));
        }
        data.failures().forEach((format, error) -> cache.putIfAbsent(format, Mono.error(error)));
    }

    /** What happened. */
    public Kind kind() {
        return data.kind();
    }

    /** Where it was observed. */
    public Source source() {
        return data.source();
    }

    /** When it happened, or for post-mortem events when the dead process last wrote its report. */
    public Instant time() {
        return data.time();
    }

    /** The process that crashed (this JVM for in-process events). */
    public long pid() {
        return data.pid();
    }

    /** The name of the thread concerned, when there is one. */
    public Optional<String> thread() {
        return Optional.ofNullable(data.thread());
    }

    /** The error that was thrown, dropped or failed a task; for {@link Kind#STALL}, a trace of the stuck thread. */
    public Optional<Throwable> throwable() {
        return Optional.ofNullable(data.throwable());
    }

    /** One line for humans: what happened, where, and what was captured or could not be. */
    public String message() {
        return data.message();
    }

    /** The parsed {@code hs_err} header, for {@link Kind#NATIVE_CRASH}. */
    public Optional<NativeCrash> nativeCrash() {
        return Optional.ofNullable(data.nativeCrash());
    }

    /** The exit status a {@link CrashSupervisor} saw ({@code 128 + signal} for a signalled child). */
    public OptionalInt exitCode() {
        return data.exitCode() == null ? OptionalInt.empty() : OptionalInt.of(data.exitCode());
    }

    /**
     * The files already on disk when the event was published: for post-mortem and supervisor events, every file the
     * dead process left (moved into the dump directory); for fatal in-process events, the dumps written before
     * publication. Never null; empty when nothing was on disk.
     */
    public List<DumpFile> artifacts() {
        return data.artifacts();
    }

    /** For {@link Kind#SUPPRESSED}, how many events the summary stands for; otherwise 0. */
    public long suppressedCount() {
        return data.suppressedCount();
    }

    /**
     * The event's primary dump: for {@link Kind#NATIVE_CRASH} the {@code hs_err} report; for {@link Kind#DEADLOCK}
     * and {@link Kind#STALL} a thread dump; for {@link Kind#OUT_OF_MEMORY} the heap dump when heap dumps are
     * enabled; otherwise the first {@linkplain CrashReporterOptions#withAutomaticDumps(Kind, java.util.Set) automatic
     * dump} format of its kind ({@code THREAD_DUMP} when it has none), or the
     * first file the process left. Same single-flight, caching and error rules as {@link #dump(DumpFile.Format)}.
     */
    public Mono<DumpFile> dump() {
        return dump(data.primaryFormat());
    }

    /**
     * A dump of the given format for this event. Lazy (nothing is written until the first subscription, unless it
     * was written already), single-flight and cached: the first subscription starts the work, every subscription gets
     * the same result. See the class documentation for the errors.
     */
    public Mono<DumpFile> dump(DumpFile.Format format) {
        Objects.requireNonNull(format, "format");
        return cache.computeIfAbsent(format, f -> dumps.dump(this, f).cache());
    }

    @Override
    public String toString() {
        return "CrashEvent[" + data.kind() + ", " + data.source() + ", pid " + data.pid() + ", " + data.time() + ": "
                + data.message() + "]";
    }
}
