package dev.vigil.crash.internal;

import dev.vigil.crash.CrashEvent;
import dev.vigil.crash.CrashReporterOptions;
import dev.vigil.crash.DumpFile;
import dev.vigil.crash.DumpRefusedException;
import dev.vigil.crash.internal.windows.WindowsMinidumps;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The installed reporter: owns the dump store, the dump thread, the watchdog thread, the flight recording, the hooks
 * and the event bus, and undoes all of it on close, in reverse order.
 */
public final class CrashEngine implements DumpSource, AutoCloseable {

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final CrashReporterOptions options;
    private final EventFactory factory;
    private final long pid = ProcessHandle.current().pid();
    private final DumpStore store;
    private final PostMortem postMortem;
    private final ExecutorService dumper;
    private final java.util.concurrent.atomic.AtomicLong failedDumps = new java.util.concurrent.atomic.AtomicLong();
    private final Scheduler dumperScheduler;
    private final ScheduledExecutorService watchdog;
    private final FlightRing ring;
    private final EventBus bus;
    private final Map<CrashEvent.Kind, RateWindow> eventLimits = new EnumMap<>(CrashEvent.Kind.class);
    private final Map<CrashEvent.Kind, RateWindow> automaticDumpLimits = new EnumMap<>(CrashEvent.Kind.class);
    private final AtomicBoolean summaryScheduled = new AtomicBoolean();
    private final ArrayDeque<Throwable> recent = new ArrayDeque<>();
    private final List<AutoCloseable> undo = new ArrayList<>();
    private final Set<Set<Long>> reportedDeadlocks = new HashSet<>();
    private final Map<Long, long[]> blocked = new HashMap<>();
    private final TaskClock taskClock;
    private final Artifacts artifacts;
    private volatile boolean closed;

    private CrashEngine(CrashReporterOptions options, EventFactory factory) throws IOException {
        this.options = options;
        this.factory = factory;
        this.store = new DumpStore(options.dumpDirectory(), options.name(), options.maxFiles(), options.maxBytes(),
                new RateWindow(options.dumpRate(), options.dumpRatePeriod(), System::nanoTime));
        this.postMortem = new PostMortem(store, factory);
        this.bus = new EventBus(options.replay(), options.subscriberBuffer());
        for (CrashEvent.Kind k : CrashEvent.Kind.values()) {
            eventLimits.put(k, new RateWindow(options.eventRate(), options.eventRatePeriod(), System::nanoTime));
            automaticDumpLimits.put(k, new RateWindow(options.automaticDumpRate(), options.automaticDumpRatePeriod(),
                    System::nanoTime));
        }
        ThreadPoolExecutor d = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> daemon(r, "vigil-crash-dumper-" + THREADS.incrementAndGet()));
        d.prestartAllCoreThreads();
        this.dumper = d;
        this.dumperScheduler = Schedulers.fromExecutorService(d, "vigil-crash-dumper");
        ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1,
                r -> daemon(r, "vigil-crash-watchdog-" + THREADS.incrementAndGet()));
        w.setRemoveOnCancelPolicy(true);
        w.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.watchdog = w;
        this.ring = options.flightRecorder()
                ? new FlightRing(options.recordingMaxAge(), options.recordingMaxBytes(), dumper) : null;
        this.taskClock = options.sources().contains(CrashEvent.Kind.STALL) ? new TaskClock() : null;
        this.artifacts = new Artifacts(errorFilePatterns());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Installs everything the options ask for; on failure undoes what was done and rethrows. */
    public static CrashEngine install(CrashReporterOptions options, EventFactory factory) throws IOException {
        CrashEngine engine = new CrashEngine(options, factory);
        try {
            engine.installSources();
        } catch (IOException | RuntimeException | Error e) {
            try {
                engine.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return engine;
    }

    private void installSources() throws IOException {
        Set<CrashEvent.Kind> sources = options.sources();
        if (options.heapDumps()) {
            undo.add(HeapDumps.enableOnOutOfMemory(store.directory()));
        }
        if (sources.contains(CrashEvent.Kind.UNCAUGHT_EXCEPTION) || sources.contains(CrashEvent.Kind.OUT_OF_MEMORY)) {
            undo.add(UncaughtHandler.install(this::onUncaught));
        }
        if (sources.contains(CrashEvent.Kind.REACTOR_DROPPED_ERROR)) {
            undo.add(ReactorHooks.onErrorDropped(e -> onReactorError(CrashEvent.Kind.REACTOR_DROPPED_ERROR,
                    Thread.currentThread(), e)));
        }
        if (sources.contains(CrashEvent.Kind.REACTOR_SCHEDULER_ERROR)) {
            undo.add(ReactorHooks.onHandleError((t, e) -> onReactorError(CrashEvent.Kind.REACTOR_SCHEDULER_ERROR, t,
                    e)));
        }
        if (taskClock != null) {
            undo.add(ReactorHooks.onSchedule(taskClock));
        }
        if (sources.contains(CrashEvent.Kind.DEADLOCK) || sources.contains(CrashEvent.Kind.STALL)) {
            long period = options.watchdogInterval().toNanos();
            watchdog.scheduleWithFixedDelay(this::watchdogTick, period, period, TimeUnit.NANOSECONDS);
        }
        if (options.postMortemScan()) {
            for (Path dir : crashDirectories()) {
                scan(dir);
            }
        }
        if (!options.watchedDirectories().isEmpty()) {
            DirectoryMonitor monitor = new DirectoryMonitor(options.watchedDirectories(), artifacts, watchdog,
                    g -> g.equals(settled(g)), this::publishLive);
            undo.add(monitor.start());
        }
    }

    // ------------------------------------------------------------------------------------------------ crash dirs

    private List<String> errorFilePatterns() {
        String errorFile = errorFileOption();
        if (errorFile.isEmpty()) {
            return List.of();
        }
        Path p = Path.of(errorFile).getFileName();
        return p == null ? List.of() : List.of(p.toString());
    }

    private static String errorFileOption() {
        try {
            return HeapDumps.option("ErrorFile");
        } catch (IllegalArgumentException | UnsupportedOperationException noSuchOption) {
            return "";
        }
    }

    /** The working directory, this JVM's {@code ErrorFile} directory, the configured ones and the dump directory. */
    List<Path> crashDirectories() {
        Set<Path> dirs = new LinkedHashSet<>();
        Path cwd = Path.of(System.getProperty("user.dir")).toAbsolutePath().normalize();
        dirs.add(cwd);
        String errorFile = errorFileOption();
        if (!errorFile.isEmpty()) {
            Path parent = cwd.resolve(errorFile).normalize().getParent();
            if (parent != null && !parent.toString().contains("%")) {
                dirs.add(parent);
            }
        }
        for (Path p : options.crashDirectories()) {
            dirs.add(p.toAbsolutePath().normalize());
        }
        for (Path p : options.watchedDirectories()) {
            dirs.add(p.toAbsolutePath().normalize());
        }
        dirs.add(store.directory());
        return List.copyOf(dirs);
    }

    private void scan(Path dir) throws IOException {
        for (Artifacts.Group g : artifacts.scan(dir)) {
            Artifacts.Group settled = settled(g);
            if (settled != null) {
                bus.publish(postMortem.postMortemEvent(settled, postMortem.claim(settled)));
            }
        }
    }

    /**
     * The files of a group that no running process can still be writing: all of them when the process is gone;
     * when it runs (this JVM, or a live process with that pid), only those older than its start, left by a previous
     * process with the same pid (PID 1 in containers). Null when none is left.
     */
    private Artifacts.Group settled(Artifacts.Group g) {
        if (g.pid() < 0) {
            return g;
        }
        Instant started;
        if (g.pid() == pid) {
            started = Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime());
        } else {
            var handle = ProcessHandle.of(g.pid());
            if (handle.isEmpty() || !handle.get().isAlive()) {
                return g;
            }
            started = handle.get().info().startInstant().orElse(Instant.MAX);
        }
        List<Artifacts.Found> older = g.files().stream().filter(f -> f.modified().isBefore(started)).toList();
        return older.isEmpty() ? null : new Artifacts.Group(g.pid(), older);
    }

    private void publishLive(Artifacts.Group g) {
        if (!closed) {
            bus.publish(postMortem.postMortemEvent(g, postMortem.claim(g)));
        }
    }

    // ---------------------------------------------------------------------------------------------- in-process

    private static CrashEvent.Kind kindOf(CrashEvent.Kind kind, Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof OutOfMemoryError) {
                return CrashEvent.Kind.OUT_OF_MEMORY;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return kind;
    }

    private void onUncaught(Thread t, Throwable e) {
        CrashEvent.Kind kind = kindOf(CrashEvent.Kind.UNCAUGHT_EXCEPTION, e);
        if (!options.sources().contains(kind) || !admit(kind, e)) {
            return;
        }
        String message = (kind == CrashEvent.Kind.OUT_OF_MEMORY ? "Out of memory: thread \"" : "Thread \"")
                + t.getName() + "\" died of " + e;
        fatal(EventData.inProcess(kind, t, e, message, primaryFor(kind)));
    }

    private void onReactorError(CrashEvent.Kind kind, Thread t, Throwable e) {
        CrashEvent.Kind k = kindOf(kind, e);
        if (!options.sources().contains(k) || !admit(k, e)) {
            return;
        }
        String where = kind == CrashEvent.Kind.REACTOR_DROPPED_ERROR ? "Reactor dropped an error on thread \""
                : "A task failed on Reactor scheduler thread \"";
        EventData data = EventData.inProcess(k, t, e, where + t.getName() + "\": " + e, primaryFor(k));
        if (k == CrashEvent.Kind.OUT_OF_MEMORY) {
            fatal(data);
        } else {
            nonFatal(data);
        }
    }

    private DumpFile.Format primaryFor(CrashEvent.Kind kind) {
        if (kind == CrashEvent.Kind.DEADLOCK || kind == CrashEvent.Kind.STALL) {
            return DumpFile.Format.THREAD_DUMP;
        }
        if (kind == CrashEvent.Kind.OUT_OF_MEMORY && options.heapDumps()) {
            return DumpFile.Format.HEAP_DUMP;
        }
        for (DumpFile.Format f : options.automaticDumps(kind)) {
            if (f != DumpFile.Format.FLIGHT_RECORDING || ring != null) {
                return f;
            }
        }
        return DumpFile.Format.THREAD_DUMP;
    }

    /** The automatic dumps of an event of {@code kind}: its kind's, unless its kind's automatic dump rate is spent. */
    private Set<DumpFile.Format> automaticDumps(CrashEvent.Kind kind) {
        Set<DumpFile.Format> formats = options.automaticDumps(kind);
        return formats.isEmpty() || !automaticDumpLimits.get(kind).tryAcquire() ? Set.of() : formats;
    }

    /** Rate limit per kind, and one report per throwable (Reactor may pass one failure to two hooks). */
    private boolean admit(CrashEvent.Kind kind, Throwable e) {
        if (closed) {
            return false;
        }
        if (e != null) {
            synchronized (recent) {
                for (Throwable seen : recent) {
                    if (seen == e) {
                        return false;
                    }
                }
                if (recent.size() == 64) {
                    recent.removeFirst();
                }
                recent.addLast(e);
            }
        }
        if (eventLimits.get(kind).tryAcquire()) {
            return true;
        }
        if (summaryScheduled.compareAndSet(false, true)) {
            try {
                watchdog.schedule(this::publishSummaries, options.eventRatePeriod().toNanos(), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                summaryScheduled.set(false);
            }
        }
        return false;
    }

    private void publishSummaries() {
        summaryScheduled.set(false);
        for (Map.Entry<CrashEvent.Kind, RateWindow> e : eventLimits.entrySet()) {
            long n = e.getValue().drainRefused();
            if (n > 0) {
                String message = n + " " + e.getKey() + " events suppressed by the event rate limit of "
                        + e.getValue().describe() + " (" + e.getValue().refusedTotal() + " in all)";
                bus.publish(factory.create(EventData.inProcess(CrashEvent.Kind.SUPPRESSED, (String) null, null,
                        message, DumpFile.Format.THREAD_DUMP, n), this));
            }
        }
    }

    /** Writes the automatic dumps on the calling (dying) thread, then publishes. */
    private void fatal(EventData data) {
        List<DumpFile> written = new ArrayList<>();
        Map<DumpFile.Format, Throwable> failed = new LinkedHashMap<>();
        if (data.kind() == CrashEvent.Kind.OUT_OF_MEMORY && options.heapDumps()) {
            claimOutOfMemoryHeapDump(written, failed);
        }
        for (DumpFile.Format f : automaticDumps(data.kind())) {
            if (f == DumpFile.Format.FLIGHT_RECORDING && ring == null) {
                continue;
            }
            try {
                written.add(writeNow(f, data.time()));
            } catch (IOException | RuntimeException | Error e) {
                failed.put(f, e);
            }
        }
        String message = data.message();
        if (!failed.isEmpty()) {
            // the first reason in the one-line message; every reason is the error of dump(format)
            message += "; could not write " + failed.keySet() + ": " + failed.values().iterator().next().getMessage();
        }
        bus.publish(factory.create(data.withDumps(written, failed, message), this));
    }

    private void claimOutOfMemoryHeapDump(List<DumpFile> written, Map<DumpFile.Format, Throwable> failed) {
        Path hprof = HeapDumps.outOfMemoryDump(pid);
        if (!Files.isRegularFile(hprof)) {
            failed.put(DumpFile.Format.HEAP_DUMP, new java.nio.file.NoSuchFileException(hprof.toString(), null,
                    "HotSpot wrote no heap dump for this OutOfMemoryError (it writes one per JVM lifetime, and only "
                            + "for Java heap or metaspace exhaustion)"));
            return;
        }
        try {
            written.add(store.claim(hprof, DumpFile.Format.HEAP_DUMP,
                    Files.getLastModifiedTime(hprof).toInstant()));
        } catch (IOException e) {
            failed.put(DumpFile.Format.HEAP_DUMP, e);
        }
    }

    /** Publishes, then starts the automatic dumps on the dump thread. */
    private void nonFatal(EventData data) {
        CrashEvent event = factory.create(data, this);
        for (DumpFile.Format f : automaticDumps(data.kind())) {
            if (f != DumpFile.Format.FLIGHT_RECORDING || ring != null) {
                // The outcome stays cached in the event: dump(f) returns the file or the error.
                // Counted, not reported: reporting to Hooks.onErrorDropped would come back here as an event.
                event.dump(f).subscribe(file -> { }, error -> failedDumps.incrementAndGet());
            }
        }
        bus.publish(event);
    }

    private DumpFile writeNow(DumpFile.Format format, Instant time) throws IOException {
        if (closed) {
            throw new DumpRefusedException("the crash reporter is closed");
        }
        return store.write(format, time, target -> {
            switch (format) {
                case THREAD_DUMP -> Files.writeString(target, ThreadDumps.jstack(), StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                case FLIGHT_RECORDING -> ring.dump(target, options.dumpTimeout());
                case HEAP_DUMP -> HeapDumps.dump(target);
                case WINDOWS_MINIDUMP -> WindowsMinidumps.write(pid, target, options.minidumpType());
                default -> throw new UnsupportedOperationException(format + " is not written in process");
            }
        });
    }

    @Override
    public Mono<DumpFile> dump(CrashEvent event, DumpFile.Format format) {
        if (event.source() != CrashEvent.Source.IN_PROCESS || event.kind() == CrashEvent.Kind.SUPPRESSED) {
            return postMortem.dump(event, format);
        }
        return onDumpThread(format, event.time());
    }

    /** A dump of this process now, not tied to an event. */
    public Mono<DumpFile> dumpNow(DumpFile.Format format) {
        return Mono.defer(() -> onDumpThread(format, Instant.now()));
    }

    /** Writes on the dump thread, bounded by the dump timeout; a refusal is an error at once. */
    private Mono<DumpFile> onDumpThread(DumpFile.Format format, Instant time) {
        Throwable refused = refusal(format);
        if (refused != null) {
            return Mono.error(refused);
        }
        return Mono.fromCallable(() -> writeNow(format, time))
                .subscribeOn(dumperScheduler)
                .timeout(options.dumpTimeout());
    }

    /** A minidump of another process (Windows only). */
    public Mono<DumpFile> minidump(long otherPid) {
        if (!WindowsMinidumps.isAvailable()) {
            return Mono.error(new UnsupportedOperationException(WindowsMinidumps.unavailabilityCause()));
        }
        if (closed) {
            return Mono.error(new DumpRefusedException("the crash reporter is closed"));
        }
        return Mono.fromCallable(() -> store.write(DumpFile.Format.WINDOWS_MINIDUMP, Instant.now(),
                        target -> WindowsMinidumps.write(otherPid, target, options.minidumpType())))
                .subscribeOn(dumperScheduler)
                .timeout(options.dumpTimeout());
    }

    private Throwable refusal(DumpFile.Format format) {
        if (closed) {
            return new DumpRefusedException("the crash reporter is closed");
        }
        return switch (format) {
            case THREAD_DUMP -> null;
            case FLIGHT_RECORDING -> ring == null ? new DumpRefusedException("the flight recorder is off; enable it "
                    + "with CrashReporterOptions.withFlightRecorder(true)") : null;
            case HEAP_DUMP -> options.heapDumps() ? null : new DumpRefusedException("heap dumps are off because they "
                    + "hold every secret in the heap; enable them with CrashReporterOptions.withHeapDumps(true)");
            case WINDOWS_MINIDUMP -> WindowsMinidumps.isAvailable() ? null
                    : new UnsupportedOperationException(WindowsMinidumps.unavailabilityCause());
            case HS_ERR -> new UnsupportedOperationException("this JVM is alive: HotSpot writes an hs_err report only "
                    + "when it dies of a native crash; it is found post-mortem or by a CrashSupervisor");
            case CORE -> new UnsupportedOperationException("a core of a live JVM needs an external tool (gcore, "
                    + "which stops the process for seconds); Vigil does not write cores in process");
        };
    }

    // ------------------------------------------------------------------------------------------------ watchdog

    private void watchdogTick() {
        try {
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            Set<Long> deadlocked = Set.of();
            if (options.sources().contains(CrashEvent.Kind.DEADLOCK)) {
                deadlocked = checkDeadlocks(mx);
            }
            if (options.sources().contains(CrashEvent.Kind.STALL)) {
                checkStalls(mx, deadlocked);
            }
        } catch (RuntimeException | Error e) {
            // The watchdog must keep running; its own failure is reported like any other dropped error.
            reactor.core.publisher.Operators.onErrorDropped(e, reactor.util.context.Context.empty());
        }
    }

    private Set<Long> checkDeadlocks(ThreadMXBean mx) {
        long[] ids = mx.isSynchronizerUsageSupported() ? mx.findDeadlockedThreads() : mx.findMonitorDeadlockedThreads();
        if (ids == null) {
            reportedDeadlocks.clear();
            return Set.of();
        }
        Set<Long> key = new HashSet<>();
        for (long id : ids) {
            key.add(id);
        }
        if (reportedDeadlocks.add(key) && admit(CrashEvent.Kind.DEADLOCK, null)) {
            ThreadInfo[] infos = mx.getThreadInfo(ids, 0);
            StringBuilder sb = new StringBuilder("Deadlock between ").append(ids.length).append(" threads:");
            String first = null;
            for (ThreadInfo ti : infos) {
                if (ti == null) {
                    continue;
                }
                if (first == null) {
                    first = ti.getThreadName();
                }
                sb.append(" \"").append(ti.getThreadName()).append("\" waits for ").append(ti.getLockName())
                        .append(" held by \"").append(ti.getLockOwnerName()).append("\";");
            }
            sb.setLength(sb.length() - 1);
            nonFatal(EventData.inProcess(CrashEvent.Kind.DEADLOCK, first, null, sb.toString(),
                    DumpFile.Format.THREAD_DUMP, 0));
        }
        return key;
    }

    private void checkStalls(ThreadMXBean mx, Set<Long> deadlocked) {
        long threshold = options.stallThreshold().toNanos();
        for (TaskClock.Stuck s : taskClock.stuck(threshold)) {
            String message = "Reactor non-blocking thread \"" + s.thread().getName() + "\" has been running one task "
                    + "for " + Duration.ofNanos(s.runningNanos()).toMillis() + " ms (stall threshold "
                    + options.stallThreshold().toMillis() + " ms)";
            stall(s.thread().getName(), message, s.thread().getStackTrace());
        }
        long now = System.nanoTime();
        ThreadInfo[] infos = mx.getThreadInfo(mx.getAllThreadIds(), 1);
        Set<Long> seen = new HashSet<>();
        for (ThreadInfo ti : infos) {
            String waiting = ti == null || deadlocked.contains(ti.getThreadId()) ? null : waitingOnAnOwner(ti);
            if (waiting == null) {
                continue;
            }
            long id = ti.getThreadId();
            seen.add(id);
            long[] episode = blocked.get(id);
            long count = ti.getBlockedCount() + ti.getWaitedCount(); // a new wait or block is a new episode
            if (episode == null || episode[0] != count) {
                blocked.put(id, new long[] {count, now, 0});
                continue;
            }
            if (episode[2] == 0 && now - episode[1] > threshold) {
                episode[2] = 1;
                String message = "Thread \"" + ti.getThreadName() + "\" has been blocked for "
                        + Duration.ofNanos(now - episode[1]).toMillis() + " ms " + waiting + " " + ti.getLockName()
                        + " held by \"" + ti.getLockOwnerName() + "\" (stall threshold "
                        + options.stallThreshold().toMillis() + " ms)";
                ThreadInfo full = mx.getThreadInfo(id, Integer.MAX_VALUE);
                stall(ti.getThreadName(), message, full == null ? new StackTraceElement[0] : full.getStackTrace());
            }
        }
        blocked.keySet().retainAll(seen);
    }

    /**
     * How {@code ti} waits for a lock another thread holds, or null: entering a monitor ({@code BLOCKED}), or parked
     * on an ownable {@code java.util.concurrent} lock ({@code ReentrantLock}, a write lock) whose owner is known. A
     * thread parked with no owner to blame (a condition, a latch, a queue, {@code Object.wait}) is idle, not stuck.
     */
    static String waitingOnAnOwner(ThreadInfo ti) {
        return switch (ti.getThreadState()) {
            case BLOCKED -> "waiting to lock";
            case WAITING, TIMED_WAITING -> ti.getLockOwnerId() != -1 && ti.getLockInfo() != null ? "parked waiting for" : null;
            default -> null;
        };
    }

    private void stall(String thread, String message, StackTraceElement[] stack) {
        if (!admit(CrashEvent.Kind.STALL, null)) {
            return;
        }
        nonFatal(EventData.inProcess(CrashEvent.Kind.STALL, thread, new StuckThreadTrace(message, stack), message,
                DumpFile.Format.THREAD_DUMP, 0));
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** The hot stream. */
    public Flux<CrashEvent> events() {
        return bus.flux();
    }

    /** Events suppressed by the rate limit so far. */
    public long suppressedCount() {
        long n = 0;
        for (RateWindow w : eventLimits.values()) {
            n += w.refusedTotal();
        }
        return n;
    }

    /** Automatic dumps that failed (refused by the rate limit included); each event's {@code dump()} says why. */
    public long failedDumpCount() {
        return failedDumps.get();
    }

    /** Events of {@code kind} published so far. */
    public long publishedCount(CrashEvent.Kind kind) {
        return bus.published(kind);
    }

    /** Events dropped for slow subscribers. */
    public long droppedCount() {
        return bus.dropped();
    }

    /** The dump store (its directory is absolute). */
    public DumpStore store() {
        return store;
    }

    /** The flight recording, or null. */
    public FlightRing ring() {
        return ring;
    }

    /** Whether the engine was closed. */
    public boolean isClosed() {
        return closed;
    }

    /** Lets a dump being written finish (bounded), unless called from a dumper thread itself. */
    private void awaitDumps() {
        if (Thread.currentThread().getName().startsWith("vigil-crash-dumper-")) {
            return;
        }
        try {
            dumper.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (int i = undo.size() - 1; i >= 0; i--) {
            try {
                undo.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("could not restore everything the crash reporter changed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        undo.clear();
        watchdog.shutdownNow();
        if (ring != null) {
            ring.close();
        }
        dumper.shutdown();
        awaitDumps();
        dumperScheduler.dispose();
        bus.complete();
        if (failure != null) {
            throw failure;
        }
    }
}
