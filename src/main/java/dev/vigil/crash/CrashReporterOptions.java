package dev.vigil.crash;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a {@link CrashReporter} (or a {@link CrashSupervisor}) captures, where it writes, and how much.
 *
 * <p>Immutable and thread-safe: every {@code with...} method returns a copy. Value equality (used to make a second
 * {@link CrashReporter#install(CrashReporterOptions)} with the same options harmless). Arguments are checked
 * eagerly; paths are resolved against the working directory when the reporter is installed.
 *
 * <pre>{@code
 * CrashReporterOptions options = CrashReporterOptions.defaults()
 *         .withName("example")
 *         .withDumpDirectory(Path.of("/var/crash/example"))
 *         .withAutomaticDumps(CrashEvent.Kind.REACTOR_DROPPED_ERROR, Set.of())
 *         .withRetention(20, 512L << 20);
 * }</pre>
 */
public final class CrashReporterOptions {

    /** Default file name prefix: {@value}. */
    public static final String DEFAULT_NAME = "crash";
    /** Default dump directory, relative to the working directory: {@value}. */
    public static final String DEFAULT_DUMP_DIRECTORY = "crash-dumps";
    /** Default number of files kept in the dump directory: {@value}. */
    public static final int DEFAULT_MAX_FILES = 50;
    /** Default number of bytes kept in the dump directory: {@value} (2 GiB). */
    public static final long DEFAULT_MAX_BYTES = 2L << 30;
    /** Default number of dumps written per {@link #DEFAULT_DUMP_RATE_PERIOD}: {@value}. */
    public static final int DEFAULT_DUMP_RATE = 10;
    /** Default period of the dump rate limit: one minute. */
    public static final Duration DEFAULT_DUMP_RATE_PERIOD = Duration.ofMinutes(1);
    /** Default number of events of one kind given automatic dumps per {@link #DEFAULT_AUTOMATIC_DUMP_RATE_PERIOD}: {@value}. */
    public static final int DEFAULT_AUTOMATIC_DUMP_RATE = 3;
    /** Default period of the automatic dump rate limit: one minute. */
    public static final Duration DEFAULT_AUTOMATIC_DUMP_RATE_PERIOD = Duration.ofMinutes(1);
    /** Default number of events of one kind published per {@link #DEFAULT_EVENT_RATE_PERIOD}: {@value}. */
    public static final int DEFAULT_EVENT_RATE = 20;
    /** Default period of the event rate limit: one second. */
    public static final Duration DEFAULT_EVENT_RATE_PERIOD = Duration.ofSeconds(1);
    /** Default number of recent events replayed to a new subscriber: {@value}. */
    public static final int DEFAULT_REPLAY = 64;
    /** Default number of events buffered for one slow subscriber: {@value}. */
    public static final int DEFAULT_SUBSCRIBER_BUFFER = 1024;
    /** Default bound on writing one dump: one minute. */
    public static final Duration DEFAULT_DUMP_TIMEOUT = Duration.ofMinutes(1);
    /** Default period of the deadlock and stall checks: one second. */
    public static final Duration DEFAULT_WATCHDOG_INTERVAL = Duration.ofSeconds(1);
    /** Default time after which a busy non-blocking worker or a blocked thread is a stall: ten seconds. */
    public static final Duration DEFAULT_STALL_THRESHOLD = Duration.ofSeconds(10);
    /** Default age kept by the flight recorder ring: five minutes. */
    public static final Duration DEFAULT_RECORDING_MAX_AGE = Duration.ofMinutes(5);
    /** Default size kept by the flight recorder ring: {@value} bytes (64 MiB). */
    public static final long DEFAULT_RECORDING_MAX_BYTES = 64L << 20;

    private static final Set<CrashEvent.Kind> IN_PROCESS_KINDS = Collections.unmodifiableSet(EnumSet.of(
            CrashEvent.Kind.UNCAUGHT_EXCEPTION, CrashEvent.Kind.REACTOR_DROPPED_ERROR,
            CrashEvent.Kind.REACTOR_SCHEDULER_ERROR, CrashEvent.Kind.OUT_OF_MEMORY, CrashEvent.Kind.DEADLOCK,
            CrashEvent.Kind.STALL));

    private static final Set<DumpFile.Format> FULL = Collections.unmodifiableSet(
            EnumSet.of(DumpFile.Format.THREAD_DUMP, DumpFile.Format.FLIGHT_RECORDING));
    private static final Set<DumpFile.Format> THREAD_DUMP_ONLY = Collections.unmodifiableSet(
            EnumSet.of(DumpFile.Format.THREAD_DUMP));

    private static final CrashReporterOptions DEFAULTS = new CrashReporterOptions(new Spec());

    private final String name;
    private final Path dumpDirectory;
    private final Set<CrashEvent.Kind> sources;
    private final Map<CrashEvent.Kind, Set<DumpFile.Format>> automaticDumps;
    private final int automaticDumpRate;
    private final Duration automaticDumpRatePeriod;
    private final boolean heapDumps;
    private final boolean flightRecorder;
    private final Duration recordingMaxAge;
    private final long recordingMaxBytes;
    private final boolean postMortemScan;
    private final List<Path> crashDirectories;
    private final List<Path> watchedDirectories;
    private final int maxFiles;
    private final long maxBytes;
    private final int dumpRate;
    private final Duration dumpRatePeriod;
    private final int eventRate;
    private final Duration eventRatePeriod;
    private final int replay;
    private final int subscriberBuffer;
    private final Duration dumpTimeout;
    private final Duration watchdogInterval;
    private final Duration stallThreshold;
    private final int minidumpType;

    /** Mutable twin used only while copying. */
    private static final class Spec {
        String name = DEFAULT_NAME;
        Path dumpDirectory = Path.of(DEFAULT_DUMP_DIRECTORY);
        Set<CrashEvent.Kind> sources = IN_PROCESS_KINDS;
        Map<CrashEvent.Kind, Set<DumpFile.Format>> automaticDumps = defaultAutomaticDumps();
        int automaticDumpRate = DEFAULT_AUTOMATIC_DUMP_RATE;
        Duration automaticDumpRatePeriod = DEFAULT_AUTOMATIC_DUMP_RATE_PERIOD;
        boolean heapDumps;
        boolean flightRecorder = true;
        Duration recordingMaxAge = DEFAULT_RECORDING_MAX_AGE;
        long recordingMaxBytes = DEFAULT_RECORDING_MAX_BYTES;
        boolean postMortemScan = true;
        List<Path> crashDirectories = List.of();
        List<Path> watchedDirectories = List.of();
        int maxFiles = DEFAULT_MAX_FILES;
        long maxBytes = DEFAULT_MAX_BYTES;
        int dumpRate = DEFAULT_DUMP_RATE;
        Duration dumpRatePeriod = DEFAULT_DUMP_RATE_PERIOD;
        int eventRate = DEFAULT_EVENT_RATE;
        Duration eventRatePeriod = DEFAULT_EVENT_RATE_PERIOD;
        int replay = DEFAULT_REPLAY;
        int subscriberBuffer = DEFAULT_SUBSCRIBER_BUFFER;
        Duration dumpTimeout = DEFAULT_DUMP_TIMEOUT;
        Duration watchdogInterval = DEFAULT_WATCHDOG_INTERVAL;
        Duration stallThreshold = DEFAULT_STALL_THRESHOLD;
        int minidumpType = MinidumpFlag.toType(MinidumpFlag.SMALL);

        Spec() {
        }

        Spec(CrashReporterOptions o) {
            name = o.name;
            dumpDirectory = o.dumpDirectory;
            sources = o.sources;
            automaticDumps = o.automaticDumps;
            automaticDumpRate = o.automaticDumpRate;
            automaticDumpRatePeriod = o.automaticDumpRatePeriod;
            heapDumps = o.heapDumps;
            flightRecorder = o.flightRecorder;
            recordingMaxAge = o.recordingMaxAge;
            recordingMaxBytes = o.recordingMaxBytes;
            postMortemScan = o.postMortemScan;
            crashDirectories = o.crashDirectories;
            watchedDirectories = o.watchedDirectories;
            maxFiles = o.maxFiles;
            maxBytes = o.maxBytes;
            dumpRate = o.dumpRate;
            dumpRatePeriod = o.dumpRatePeriod;
            eventRate = o.eventRate;
            eventRatePeriod = o.eventRatePeriod;
            replay = o.replay;
            subscriberBuffer = o.subscriberBuffer;
            dumpTimeout = o.dumpTimeout;
            watchdogInterval = o.watchdogInterval;
            stallThreshold = o.stallThreshold;
            minidumpType = o.minidumpType;
        }
    }

    private CrashReporterOptions(Spec s) {
        name = s.name;
        dumpDirectory = s.dumpDirectory;
        sources = s.sources;
        automaticDumps = s.automaticDumps;
        automaticDumpRate = s.automaticDumpRate;
        automaticDumpRatePeriod = s.automaticDumpRatePeriod;
        heapDumps = s.heapDumps;
        flightRecorder = s.flightRecorder;
        recordingMaxAge = s.recordingMaxAge;
        recordingMaxBytes = s.recordingMaxBytes;
        postMortemScan = s.postMortemScan;
        crashDirectories = s.crashDirectories;
        watchedDirectories = s.watchedDirectories;
        maxFiles = s.maxFiles;
        maxBytes = s.maxBytes;
        dumpRate = s.dumpRate;
        dumpRatePeriod = s.dumpRatePeriod;
        eventRate = s.eventRate;
        eventRatePeriod = s.eventRatePeriod;
        replay = s.replay;
        subscriberBuffer = s.subscriberBuffer;
        dumpTimeout = s.dumpTimeout;
        watchdogInterval = s.watchdogInterval;
        stallThreshold = s.stallThreshold;
        minidumpType = s.minidumpType;
    }

    /**
     * The defaults named by the constants of this class: every in-process source; automatic dumps as described on
     * {@link #withAutomaticDumps(CrashEvent.Kind, Set)}.
     */
    public static CrashReporterOptions defaults() {
        return DEFAULTS;
    }

    /** Thread dump and flight recording for the kinds that end a JVM or stop its work, a thread dump for the rest. */
    private static Map<CrashEvent.Kind, Set<DumpFile.Format>> defaultAutomaticDumps() {
        EnumMap<CrashEvent.Kind, Set<DumpFile.Format>> m = new EnumMap<>(CrashEvent.Kind.class);
        m.put(CrashEvent.Kind.UNCAUGHT_EXCEPTION, THREAD_DUMP_ONLY);
        m.put(CrashEvent.Kind.REACTOR_DROPPED_ERROR, THREAD_DUMP_ONLY);
        m.put(CrashEvent.Kind.REACTOR_SCHEDULER_ERROR, THREAD_DUMP_ONLY);
        m.put(CrashEvent.Kind.OUT_OF_MEMORY, FULL);
        m.put(CrashEvent.Kind.DEADLOCK, FULL);
        m.put(CrashEvent.Kind.STALL, FULL);
        return Collections.unmodifiableMap(m);
    }

    private Spec spec() {
        return new Spec(this);
    }

    private static Duration positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
        return d;
    }

    private static int atLeast(int value, int min, String what) {
        if (value < min) {
            throw new IllegalArgumentException(what + " must be at least " + min + ", was " + value);
        }
        return value;
    }

    /**
     * The file name prefix: files are named {@code <name>_<yyyyMMdd-HHmmss>[-n].<ext>}. Letters, digits,
     * {@code .}, {@code _} and {@code -} only, 1 to 64 characters. Default {@value #DEFAULT_NAME}.
     */
    public CrashReporterOptions withName(String name) {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9._-]{1,64}") || name.startsWith(".")) {
            throw new IllegalArgumentException("name must be 1 to 64 letters, digits, '.', '_' or '-' and not start "
                    + "with '.', was '" + name + "'");
        }
        Spec s = spec();
        s.name = name;
        return new CrashReporterOptions(s);
    }

    /**
     * Where dumps are written and crash artifacts are moved to. Created (owner-only) at install if missing.
     * Default {@value #DEFAULT_DUMP_DIRECTORY} under the working directory.
     */
    public CrashReporterOptions withDumpDirectory(Path directory) {
        Spec s = spec();
        s.dumpDirectory = Objects.requireNonNull(directory, "directory");
        return new CrashReporterOptions(s);
    }

    /**
     * Which in-process sources are installed, by the kind of event they publish: {@code UNCAUGHT_EXCEPTION},
     * {@code REACTOR_DROPPED_ERROR}, {@code REACTOR_SCHEDULER_ERROR}, {@code OUT_OF_MEMORY}, {@code DEADLOCK},
     * {@code STALL}. Default: all of them. Other kinds are rejected: they are not in-process sources.
     */
    public CrashReporterOptions withSources(Set<CrashEvent.Kind> kinds) {
        Objects.requireNonNull(kinds, "kinds");
        EnumSet<CrashEvent.Kind> copy = EnumSet.noneOf(CrashEvent.Kind.class);
        for (CrashEvent.Kind k : kinds) {
            if (!IN_PROCESS_KINDS.contains(Objects.requireNonNull(k, "kind"))) {
                throw new IllegalArgumentException(k + " is not an in-process source; use one of " + IN_PROCESS_KINDS);
            }
            copy.add(k);
        }
        Spec s = spec();
        s.sources = Collections.unmodifiableSet(copy);
        return new CrashReporterOptions(s);
    }

    /**
     * The same automatic dumps for every in-process kind: see {@link #withAutomaticDumps(CrashEvent.Kind, Set)}. An
     * empty set makes all dumps lazy.
     */
    public CrashReporterOptions withAutomaticDumps(Set<DumpFile.Format> formats) {
        Set<DumpFile.Format> copy = automaticFormats(formats);
        EnumMap<CrashEvent.Kind, Set<DumpFile.Format>> m = new EnumMap<>(CrashEvent.Kind.class);
        for (CrashEvent.Kind k : IN_PROCESS_KINDS) {
            m.put(k, copy);
        }
        Spec s = spec();
        s.automaticDumps = Collections.unmodifiableMap(m);
        return new CrashReporterOptions(s);
    }

    /**
     * The dumps written without being asked for each published event of {@code kind}: {@code THREAD_DUMP} and/or
     * {@code FLIGHT_RECORDING} (others are rejected: heap dumps are written by the JVM on out-of-memory when
     * {@linkplain #withHeapDumps enabled}, minidumps only on request). An empty set makes the kind's dumps lazy:
     * {@link CrashEvent#dump(DumpFile.Format)} writes one when asked.
     * <p>When they are written: for {@code UNCAUGHT_EXCEPTION} and {@code OUT_OF_MEMORY} on the dying thread, before
     * it continues and before the event is published; for the other kinds, on Vigil's dump thread after publication.
     * Only the first {@linkplain #withAutomaticDumpRateLimit N events of each kind per period} get them; every dump
     * also counts against the {@linkplain #withDumpRateLimit dump rate limit}.
     * <p>Defaults: the kinds that end the JVM or stop its work get both (a thread dump of a few kilobytes to a few
     * hundred, and a copy of the flight recording ring, about a megabyte after a minute of running and up to
     * {@linkplain #withFlightRecorder(Duration, long) its bound}):
     * <ul>
     *   <li>{@code OUT_OF_MEMORY}, {@code DEADLOCK}, {@code STALL}: {@code THREAD_DUMP} and
     *       {@code FLIGHT_RECORDING};</li>
     *   <li>{@code UNCAUGHT_EXCEPTION}, {@code REACTOR_DROPPED_ERROR}, {@code REACTOR_SCHEDULER_ERROR}:
     *       {@code THREAD_DUMP} only. These are usually one task failing in a process that lives on; the
     *       throwable's stack is in the event, and the recording can still be asked for with
     *       {@code event.dump(FLIGHT_RECORDING)} (it holds the last minutes). A {@code main} whose uncaught exception
     *       ends the application wants both: {@code withAutomaticDumps(UNCAUGHT_EXCEPTION, Set.of(THREAD_DUMP,
     *       FLIGHT_RECORDING))}.</li>
     * </ul>
     *
     * @throws IllegalArgumentException when {@code kind} is not an in-process kind (see {@link #withSources}) or a
     *                                  format cannot be automatic
     */
    public CrashReporterOptions withAutomaticDumps(CrashEvent.Kind kind, Set<DumpFile.Format> formats) {
        Objects.requireNonNull(kind, "kind");
        if (!IN_PROCESS_KINDS.contains(kind)) {
            throw new IllegalArgumentException(kind + " has no automatic dumps: it is not an in-process kind; use one "
                    + "of " + IN_PROCESS_KINDS);
        }
        EnumMap<CrashEvent.Kind, Set<DumpFile.Format>> m = new EnumMap<>(automaticDumps);
        m.put(kind, automaticFormats(formats));
        Spec s = spec();
        s.automaticDumps = Collections.unmodifiableMap(m);
        return new CrashReporterOptions(s);
    }

    private static Set<DumpFile.Format> automaticFormats(Set<DumpFile.Format> formats) {
        Objects.requireNonNull(formats, "formats");
        EnumSet<DumpFile.Format> copy = EnumSet.noneOf(DumpFile.Format.class);
        for (DumpFile.Format f : formats) {
            if (f != DumpFile.Format.THREAD_DUMP && f != DumpFile.Format.FLIGHT_RECORDING) {
                throw new IllegalArgumentException(f + " cannot be an automatic dump; use THREAD_DUMP or FLIGHT_RECORDING");
            }
            copy.add(f);
        }
        return Collections.unmodifiableSet(copy);
    }

    /**
     * At most {@code events} events of each kind get their {@linkplain #withAutomaticDumps(CrashEvent.Kind, Set)
     * automatic dumps} per {@code period} (default 3 per minute, each kind counted apart); later events of that kind
     * in the period are published without them, and their dumps are lazy. This keeps a burst of one error (a Reactor
     * operator dropping an error per element) from spending the {@linkplain #withDumpRateLimit dump rate limit} and
     * the disk on copies of the same moment.
     */
    public CrashReporterOptions withAutomaticDumpRateLimit(int events, Duration period) {
        Spec s = spec();
        s.automaticDumpRate = atLeast(events, 1, "events");
        s.automaticDumpRatePeriod = positive(period, "period");
        return new CrashReporterOptions(s);
    }

    /**
     * Whether heap dumps may be written. Off by default because a heap dump holds every secret of the process. When
     * on, install also switches on HotSpot's {@code HeapDumpOnOutOfMemoryError} with {@code HeapDumpPath} in the dump
     * directory (restored at close), and {@code dump(HEAP_DUMP)} is allowed.
     */
    public CrashReporterOptions withHeapDumps(boolean enabled) {
        Spec s = spec();
        s.heapDumps = enabled;
        return new CrashReporterOptions(s);
    }

    /** Whether the continuous flight recording is started at install (default yes); without it there is no JFR dump. */
    public CrashReporterOptions withFlightRecorder(boolean enabled) {
        Spec s = spec();
        s.flightRecorder = enabled;
        return new CrashReporterOptions(s);
    }

    /**
     * Enables the continuous flight recording (JFR {@code default} settings, about 1% overhead) and bounds what it
     * keeps: the last {@code maxAge} and at most {@code maxBytes} (defaults five minutes and 64 MiB). The recording
     * keeps its data in the JFR repository (the temporary directory, or {@code -XX:FlightRecorderOptions:repository});
     * a dump copies the ring into the dump directory.
     */
    public CrashReporterOptions withFlightRecorder(Duration maxAge, long maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
        }
        Spec s = spec();
        s.flightRecorder = true;
        s.recordingMaxAge = positive(maxAge, "maxAge");
        s.recordingMaxBytes = maxBytes;
        return new CrashReporterOptions(s);
    }

    /**
     * Whether install scans the crash directories for files left by dead JVMs (default yes): the working directory,
     * the directory of this JVM's {@code -XX:ErrorFile}, and {@link #withCrashDirectories(List) any configured}.
     */
    public CrashReporterOptions withPostMortemScan(boolean enabled) {
        Spec s = spec();
        s.postMortemScan = enabled;
        return new CrashReporterOptions(s);
    }

    /** More directories for the post-mortem scan (for example the {@code -XX:ErrorFile} directory of other JVMs). */
    public CrashReporterOptions withCrashDirectories(List<Path> directories) {
        Spec s = spec();
        s.crashDirectories = List.copyOf(Objects.requireNonNull(directories, "directories"));
        return new CrashReporterOptions(s);
    }

    /**
     * Directories watched while the reporter is installed for crash artifacts written by other processes
     * ({@code hs_err_pid*.log}, {@code *.mdmp}, {@code java_pid*.hprof}, cores). Each file is published once it is
     * completely written. Built on {@link dev.vigil.watch.FileWatcher}; non-recursive. Default: none.
     */
    public CrashReporterOptions withWatchedDirectories(List<Path> directories) {
        Spec s = spec();
        s.watchedDirectories = List.copyOf(Objects.requireNonNull(directories, "directories"));
        return new CrashReporterOptions(s);
    }

    /**
     * Bounds the files named {@code <name>_*} in the dump directory: after each new file, the oldest are deleted
     * until at most {@code maxFiles} remain and they take at most {@code maxBytes}. The newest file is always kept.
     * Defaults {@value #DEFAULT_MAX_FILES} files and 2 GiB.
     */
    public CrashReporterOptions withRetention(int maxFiles, long maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
        }
        Spec s = spec();
        s.maxFiles = atLeast(maxFiles, 1, "maxFiles");
        s.maxBytes = maxBytes;
        return new CrashReporterOptions(s);
    }

    /**
     * At most {@code dumps} dumps written per {@code period}, all formats together (default 10 per minute). Beyond
     * it, {@code dump()} fails with {@link DumpRefusedException}. Files claimed from dead processes do not count.
     */
    public CrashReporterOptions withDumpRateLimit(int dumps, Duration period) {
        Spec s = spec();
        s.dumpRate = atLeast(dumps, 1, "dumps");
        s.dumpRatePeriod = positive(period, "period");
        return new CrashReporterOptions(s);
    }

    /**
     * At most {@code events} events of each kind published per {@code period} (default 20 per second). The others
     * are counted and, at the end of the period, summarised by one {@link CrashEvent.Kind#SUPPRESSED} event.
     */
    public CrashReporterOptions withEventRateLimit(int events, Duration period) {
        Spec s = spec();
        s.eventRate = atLeast(events, 1, "events");
        s.eventRatePeriod = positive(period, "period");
        return new CrashReporterOptions(s);
    }

    /** How many recent events {@link CrashReporter#events()} replays to a new subscriber (default {@value #DEFAULT_REPLAY}). */
    public CrashReporterOptions withReplay(int events) {
        Spec s = spec();
        s.replay = atLeast(events, 1, "events");
        return new CrashReporterOptions(s);
    }

    /**
     * How many events are buffered for one subscriber that does not keep up (default
     * {@value #DEFAULT_SUBSCRIBER_BUFFER}); beyond it the oldest are dropped and counted in
     * {@link CrashReporter#droppedCount()}.
     */
    public CrashReporterOptions withSubscriberBuffer(int events) {
        Spec s = spec();
        s.subscriberBuffer = atLeast(events, 1, "events");
        return new CrashReporterOptions(s);
    }

    /** The bound on writing one lazy dump (default one minute); beyond it {@code dump()} fails with a timeout. */
    public CrashReporterOptions withDumpTimeout(Duration timeout) {
        Spec s = spec();
        s.dumpTimeout = positive(timeout, "timeout");
        return new CrashReporterOptions(s);
    }

    /** How often the watchdog looks for deadlocks and stalls (default one second). */
    public CrashReporterOptions withWatchdogInterval(Duration interval) {
        Spec s = spec();
        s.watchdogInterval = positive(interval, "interval");
        return new CrashReporterOptions(s);
    }

    /**
     * How long one task may run on a Reactor non-blocking worker ({@code parallel}, {@code single}), or one thread
     * wait for one lock that another thread holds (entering a monitor, or parked on an ownable
     * {@code java.util.concurrent} lock such as {@code ReentrantLock} or a write lock), before it is a
     * {@link CrashEvent.Kind#STALL} (default ten seconds). A thread parked with no owner to blame (a condition, a
     * latch, a queue, {@code Object.wait}) is idle, not stalled. Detection happens at the next watchdog tick after
     * the threshold.
     */
    public CrashReporterOptions withStallThreshold(Duration threshold) {
        Spec s = spec();
        s.stallThreshold = positive(threshold, "threshold");
        return new CrashReporterOptions(s);
    }

    /** The Windows minidump content, as flags (default {@link MinidumpFlag#SMALL}). */
    public CrashReporterOptions withMinidumpFlags(Set<MinidumpFlag> flags) {
        return withMinidumpType(MinidumpFlag.toType(flags));
    }

    /** The Windows minidump content, as a raw {@code MINIDUMP_TYPE} value passed to {@code MiniDumpWriteDump} as is. */
    public CrashReporterOptions withMinidumpType(int type) {
        if (type < 0) {
            throw new IllegalArgumentException("MINIDUMP_TYPE must not be negative, was 0x" + Integer.toHexString(type));
        }
        Spec s = spec();
        s.minidumpType = type;
        return new CrashReporterOptions(s);
    }

    /** @return the file name prefix */
    public String name() {
        return name;
    }

    /** @return the dump directory as given (resolved at install) */
    public Path dumpDirectory() {
        return dumpDirectory;
    }

    /** @return the in-process sources, by kind */
    public Set<CrashEvent.Kind> sources() {
        return sources;
    }

    /** @return the automatic dumps of each in-process kind (every in-process kind is a key) */
    public Map<CrashEvent.Kind, Set<DumpFile.Format>> automaticDumps() {
        return automaticDumps;
    }

    /** @return the automatic dumps of {@code kind}; empty for a kind that is not in-process */
    public Set<DumpFile.Format> automaticDumps(CrashEvent.Kind kind) {
        return automaticDumps.getOrDefault(Objects.requireNonNull(kind, "kind"), Set.of());
    }

    /** @return events of one kind given automatic dumps per {@link #automaticDumpRatePeriod()} */
    public int automaticDumpRate() {
        return automaticDumpRate;
    }

    /** @return the period of the automatic dump rate limit */
    public Duration automaticDumpRatePeriod() {
        return automaticDumpRatePeriod;
    }

    /** @return whether heap dumps are allowed */
    public boolean heapDumps() {
        return heapDumps;
    }

    /** @return whether the continuous flight recording runs */
    public boolean flightRecorder() {
        return flightRecorder;
    }

    /** @return the age kept by the flight recording */
    public Duration recordingMaxAge() {
        return recordingMaxAge;
    }

    /** @return the size kept by the flight recording */
    public long recordingMaxBytes() {
        return recordingMaxBytes;
    }

    /** @return whether install scans crash directories */
    public boolean postMortemScan() {
        return postMortemScan;
    }

    /** @return the configured crash directories */
    public List<Path> crashDirectories() {
        return crashDirectories;
    }

    /** @return the directories watched live */
    public List<Path> watchedDirectories() {
        return watchedDirectories;
    }

    /** @return the retention bound on the number of files */
    public int maxFiles() {
        return maxFiles;
    }

    /** @return the retention bound on bytes */
    public long maxBytes() {
        return maxBytes;
    }

    /** @return dumps allowed per {@link #dumpRatePeriod()} */
    public int dumpRate() {
        return dumpRate;
    }

    /** @return the period of the dump rate limit */
    public Duration dumpRatePeriod() {
        return dumpRatePeriod;
    }

    /** @return events of one kind allowed per {@link #eventRatePeriod()} */
    public int eventRate() {
        return eventRate;
    }

    /** @return the period of the event rate limit */
    public Duration eventRatePeriod() {
        return eventRatePeriod;
    }

    /** @return how many events are replayed */
    public int replay() {
        return replay;
    }

    /** @return the per-subscriber buffer bound */
    public int subscriberBuffer() {
        return subscriberBuffer;
    }

    /** @return the bound on one lazy dump */
    public Duration dumpTimeout() {
        return dumpTimeout;
    }

    /** @return the watchdog period */
    public Duration watchdogInterval() {
        return watchdogInterval;
    }

    /** @return the stall threshold */
    public Duration stallThreshold() {
        return stallThreshold;
    }

    /** @return the raw {@code MINIDUMP_TYPE} */
    public int minidumpType() {
        return minidumpType;
    }

    private List<Object> values() {
        return List.of(name, dumpDirectory, sources, automaticDumps, automaticDumpRate, automaticDumpRatePeriod,
                heapDumps, flightRecorder, recordingMaxAge,
                recordingMaxBytes, postMortemScan, crashDirectories, watchedDirectories, maxFiles, maxBytes, dumpRate,
                dumpRatePeriod, eventRate, eventRatePeriod, replay, subscriberBuffer, dumpTimeout, watchdogInterval,
                stallThreshold, minidumpType);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CrashReporterOptions && values().equals(((CrashReporterOptions) o).values());
    }

    @Override
    public int hashCode() {
        return values().hashCode();
    }

    @Override
    public String toString() {
        return "CrashReporterOptions[name=" + name + ", dumpDirectory=" + dumpDirectory + ", sources=" + sources
                + ", automaticDumps=" + automaticDumps + ", automaticDumpRate=" + automaticDumpRate + "/"
                + automaticDumpRatePeriod + ", heapDumps=" + heapDumps + ", flightRecorder="
                + flightRecorder + ", retention=" + maxFiles + " files/" + maxBytes + " bytes, dumpRate=" + dumpRate
                + "/" + dumpRatePeriod + ", eventRate=" + eventRate + "/" + eventRatePeriod + "]";
    }

    /**
     * The options that differ from {@code other}'s, each as {@code name: mine vs other's}, e.g.
     * {@code heapDumps: false vs true}, and for a per-kind option {@code name[KIND]: mine vs other's}, e.g.
     * {@code automaticDumps[REACTOR_DROPPED_ERROR]: [THREAD_DUMP] vs []}; empty when equal. Every field is compared,
     * so a new option is never missed.
     */
    String differences(CrashReporterOptions other) {
        StringBuilder out = new StringBuilder();
        for (java.lang.reflect.Field f : CrashReporterOptions.class.getDeclaredFields()) {
            if (java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            try {
                Object mine = f.get(this);
                Object theirs = f.get(other);
                if (mine instanceof Map<?, ?> m && theirs instanceof Map<?, ?> t) {
                    for (Object key : m.keySet()) {
                        if (!Objects.equals(m.get(key), t.get(key))) {
                            out.append(out.length() == 0 ? "" : "; ").append(f.getName()).append('[').append(key)
                                    .append("]: ").append(m.get(key)).append(" vs ").append(t.get(key));
                        }
                    }
                } else if (!Objects.equals(mine, theirs)) {
                    out.append(out.length() == 0 ? "" : "; ").append(f.getName()).append(": ").append(mine)
                            .append(" vs ").append(theirs);
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e); // a class reading its own fields
            }
        }
        return out.toString();
    }
}
