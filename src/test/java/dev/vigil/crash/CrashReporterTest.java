package dev.vigil.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Exceptions;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

class CrashReporterTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String STAMP = "\\d{8}-\\d{6}(-\\d+)?";

    @TempDir
    Path tmp;
    Path dumps;
    CrashReporter reporter;
    Thread.UncaughtExceptionHandler originalDefault;

    @BeforeEach
    void setUp() {
        dumps = tmp.resolve("dumps");
        originalDefault = Thread.getDefaultUncaughtExceptionHandler();
    }

    @AfterEach
    void tearDown() {
        if (reporter != null) {
            reporter.close();
        }
        Thread.setDefaultUncaughtExceptionHandler(originalDefault);
        Hooks.resetOnErrorDropped();
        Schedulers.resetOnHandleError();
    }

    /** Fast options: no JFR (one test turns it on), no post-mortem scan of the working directory. */
    private CrashReporterOptions options() {
        return CrashReporterOptions.defaults()
                .withName("example")
                .withDumpDirectory(dumps)
                .withFlightRecorder(false)
                .withPostMortemScan(false)
                .withAutomaticDumps(EnumSet.of(DumpFile.Format.THREAD_DUMP))
                .withWatchdogInterval(Duration.ofMillis(50))
                .withStallThreshold(Duration.ofMillis(300));
    }

    private CrashEvent first(CrashEvent.Kind kind) {
        return reporter.events().filter(e -> e.kind() == kind).blockFirst(WAIT);
    }

    private List<Path> files() throws Exception {
        try (Stream<Path> s = Files.list(dumps)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }

    @Test
    void uncaughtExceptionOnPlainThreadIsDumpedBeforeThePreviousHandlerRuns() throws Exception {
        List<Path> seenByPrevious = new CopyOnWriteArrayList<>();
        List<Throwable> previousGot = new CopyOnWriteArrayList<>();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            previousGot.add(e);
            try {
                seenByPrevious.addAll(files());
            } catch (Exception io) {
                throw new IllegalStateException(io);
            }
        });
        reporter = CrashReporter.install(options());
        IllegalStateException boom = new IllegalStateException("boom");
        Thread t = new Thread(() -> {
            throw boom;
        }, "crashing-thread");
        t.start();
        t.join(WAIT.toMillis());

        CrashEvent event = first(CrashEvent.Kind.UNCAUGHT_EXCEPTION);
        assertThat(event.source()).isEqualTo(CrashEvent.Source.IN_PROCESS);
        assertThat(event.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(event.thread()).contains("crashing-thread");
        assertThat(event.throwable()).containsSame(boom);
        assertThat(event.artifacts()).singleElement().satisfies(f -> {
            assertThat(f.format()).isEqualTo(DumpFile.Format.THREAD_DUMP);
            assertThat(f.path().getParent()).isEqualTo(dumps.toAbsolutePath());
            assertThat(f.path().getFileName().toString()).matches("example_" + STAMP + "\\.tdump");
            assertThat(f.size()).isEqualTo(Files.size(f.path()));
        });
        Path tdump = event.artifacts().get(0).path();
        assertThat(previousGot).containsExactly(boom);
        assertThat(seenByPrevious).containsExactly(tdump);
        assertThat(Files.readString(tdump)).contains("Full thread dump").contains("\"crashing-thread\"");
        if (tdump.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            // the Windows side (ACLs) is WindowsOwnerOnlyTest's
            assertThat(Files.getPosixFilePermissions(tdump)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
        StepVerifier.create(event.dump()).expectNext(event.artifacts().get(0)).verifyComplete();
    }

    @Test
    void taskFailingOnReactorSchedulerIsASchedulerError() throws Exception {
        reporter = CrashReporter.install(options());
        RuntimeException boom = new RuntimeException("task failed");
        Schedulers.parallel().schedule(() -> {
            throw boom;
        });
        CrashEvent event = first(CrashEvent.Kind.REACTOR_SCHEDULER_ERROR);
        assertThat(event.thread()).hasValueSatisfying(name -> assertThat(name).startsWith("parallel-"));
        assertThat(event.throwable()).containsSame(boom);
        DumpFile dump = event.dump().block(WAIT);
        assertThat(dump.format()).isEqualTo(DumpFile.Format.THREAD_DUMP);
        assertThat(dump.path()).exists();
        assertThat(event.dump().block(WAIT)).as("single-flight, cached").isSameAs(dump);
    }

    /** Found in a Spring Boot trial: closing right after an event left no dump at all, and said nothing. */
    @Test
    void closingRightAfterAnEventStillWritesItsDumpOrSaysWhyNot() throws Exception {
        reporter = CrashReporter.install(options());
        java.util.concurrent.CompletableFuture<CrashEvent> seen = new java.util.concurrent.CompletableFuture<>();
        reporter.events().filter(e -> e.kind() == CrashEvent.Kind.REACTOR_DROPPED_ERROR).subscribe(seen::complete);
        reactor.core.publisher.Operators.onErrorDropped(new RuntimeException("dropped"),
                reactor.util.context.Context.empty());
        CrashEvent event = seen.get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        reporter.close(); // at once: the dump may be in flight, or not begun
        reporter = null;
        try {
            DumpFile dump = event.dump().block(WAIT);
            assertThat(dump.path()).exists(); // written in full...
        } catch (RuntimeException e) { // ...or refused with the reason
            assertThat(e).hasMessageContaining("closed");
        }
    }

    @Test
    void droppedErrorIsReportedAndPreviousHookStillRuns() throws Exception {
        List<Throwable> previous = new CopyOnWriteArrayList<>();
        Hooks.onErrorDropped(previous::add);
        reporter = CrashReporter.install(options());
        Mono.error(new IllegalArgumentException("nobody listens")).subscribe();
        CrashEvent event = first(CrashEvent.Kind.REACTOR_DROPPED_ERROR);
        assertThat(event.throwable()).hasValueSatisfying(e -> {
            assertThat(Exceptions.isErrorCallbackNotImplemented(e)).isTrue();
            assertThat(e.getCause()).hasMessage("nobody listens");
        });
        assertThat(previous).hasSize(1);
    }

    @Test
    void stormOfTenThousandDroppedErrorsGivesBoundedDumpsAndACountedSummary() throws Exception {
        Hooks.onErrorDropped(e -> { });
        reporter = CrashReporter.install(options()
                .withEventRateLimit(5, Duration.ofMillis(200))
                .withDumpRateLimit(3, Duration.ofMinutes(1)));
        List<CrashEvent> seen = new CopyOnWriteArrayList<>();
        reporter.events().subscribe(seen::add);
        long start = System.nanoTime();
        Thread[] storm = new Thread[2];
        for (int t = 0; t < storm.length; t++) {
            storm[t] = new Thread(() -> {
                for (int i = 0; i < 5_000; i++) {
                    Operators.onErrorDropped(new IllegalStateException("storm " + i), Context.empty());
                }
            });
            storm[t].start();
        }
        for (Thread t : storm) {
            t.join(WAIT.toMillis());
        }
        long windows = (System.nanoTime() - start) / Duration.ofMillis(200).toNanos() + 1;
        CrashEvent summary = first(CrashEvent.Kind.SUPPRESSED);
        // the last summary comes at the end of the period the storm ended in: wait for it, bounded
        org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(
                seen.stream().filter(e -> e.kind() == CrashEvent.Kind.REACTOR_DROPPED_ERROR).count()
                        + seen.stream().filter(e -> e.kind() == CrashEvent.Kind.SUPPRESSED)
                                .mapToLong(CrashEvent::suppressedCount).sum()).isEqualTo(10_000L));
        long published = seen.stream().filter(e -> e.kind() == CrashEvent.Kind.REACTOR_DROPPED_ERROR).count();
        long suppressed = seen.stream().filter(e -> e.kind() == CrashEvent.Kind.SUPPRESSED)
                .mapToLong(CrashEvent::suppressedCount).sum();
        assertThat(summary.message()).contains("REACTOR_DROPPED_ERROR events suppressed");
        assertThat(published).as("5 per 200 ms window, %d windows", windows).isBetween(5L, 5 * (windows + 1));
        assertThat(reporter.suppressedCount()).isEqualTo(suppressed);
        // every admitted event asked for a thread dump; only 3 were allowed
        for (CrashEvent e : seen) {
            if (e.kind() == CrashEvent.Kind.REACTOR_DROPPED_ERROR) {
                e.dump().onErrorResume(DumpRefusedException.class, x -> Mono.empty()).block(WAIT);
            }
        }
        assertThat(files()).hasSize(3);
        assertThat(reporter.refusedDumpCount()).isEqualTo(published - 3);
        assertThat(reporter.failedDumpCount()).as("the refused automatic dumps, counted though no one asked")
                .isEqualTo(published - 3);
        StepVerifier.create(summary.dump()).verifyError(UnsupportedOperationException.class);
    }

    @Test
    void twoSubscribersSeeLiveEventsAndALateSubscriberGetsTheReplay() throws Exception {
        Hooks.onErrorDropped(e -> { });
        reporter = CrashReporter.install(options().withAutomaticDumps(Set.of()).withReplay(2));
        List<String> a = new CopyOnWriteArrayList<>();
        List<String> b = new CopyOnWriteArrayList<>();
        reporter.events().subscribe(e -> a.add(e.throwable().orElseThrow().getMessage()));
        reporter.events().subscribe(e -> b.add(e.throwable().orElseThrow().getMessage()));
        for (String m : List.of("one", "two", "three")) {
            Operators.onErrorDropped(new RuntimeException(m), Context.empty());
        }
        assertThat(a).containsExactly("one", "two", "three");
        assertThat(b).containsExactly("one", "two", "three");
        StepVerifier.create(reporter.events().map(e -> e.throwable().orElseThrow().getMessage()))
                .expectNext("two", "three")
                .then(() -> Operators.onErrorDropped(new RuntimeException("four"), Context.empty()))
                .expectNext("four")
                .then(reporter::close)
                .verifyComplete();
    }

    @Test
    void installingTwiceIsHarmlessAndOtherOptionsAreRejected() throws Exception {
        reporter = CrashReporter.install(options());
        assertThat(CrashReporter.install(options())).isSameAs(reporter);
        assertThat(CrashReporter.installed()).containsSame(reporter);
        assertThatThrownBy(() -> CrashReporter.install(options().withName("other").withHeapDumps(true)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("close() it first")
                .hasMessageContaining("name: example vs other").hasMessageContaining("heapDumps: false vs true")
                .hasMessageContaining("installed vs requested")
                .hasMessageNotContaining("dumpDirectory"); // only what differs
        reporter.close();
        assertThat(CrashReporter.installed()).isEmpty();
        reporter = CrashReporter.install(options().withName("other"));
        assertThat(reporter.options().name()).isEqualTo("other");
    }

    @Test
    void closeRestoresEveryHandlerAndHookItReplaced() throws Exception {
        Thread.UncaughtExceptionHandler previousUeh = (t, e) -> { };
        Thread.setDefaultUncaughtExceptionHandler(previousUeh);
        List<Throwable> previousDropped = new CopyOnWriteArrayList<>();
        Hooks.onErrorDropped(previousDropped::add);
        List<Throwable> otherKeyed = new CopyOnWriteArrayList<>();
        Schedulers.onHandleError("someone-else", (t, e) -> otherKeyed.add(e));

        reporter = CrashReporter.install(options());
        assertThat(Thread.getDefaultUncaughtExceptionHandler()).isNotSameAs(previousUeh);
        List<CrashEvent> seen = new CopyOnWriteArrayList<>();
        reporter.events().subscribe(seen::add);
        reporter.close();

        assertThat(Thread.getDefaultUncaughtExceptionHandler()).isSameAs(previousUeh);
        Operators.onErrorDropped(new RuntimeException("after close"), Context.empty());
        assertThat(previousDropped).hasSize(1);
        CountDownLatch ran = new CountDownLatch(1);
        Schedulers.parallel().schedule(() -> {
            ran.countDown();
            throw new RuntimeException("after close, on a worker");
        });
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> otherKeyed.size() == 1);
        assertThat(seen).isEmpty();
        StepVerifier.create(reporter.events()).verifyComplete();
        StepVerifier.create(reporter.dump(DumpFile.Format.THREAD_DUMP)).verifyError(DumpRefusedException.class);
        Schedulers.resetOnHandleError("someone-else");
    }

    @Test
    void deadlockIsDetectedWithAThreadDumpHavingTheDeadlockSection() throws Exception {
        reporter = CrashReporter.install(options());
        ReentrantLock a = new ReentrantLock();
        ReentrantLock b = new ReentrantLock();
        CountDownLatch bothHold = new CountDownLatch(2);
        List<Thread> threads = new ArrayList<>();
        threads.add(deadlocker("deadlock-a", a, b, bothHold));
        threads.add(deadlocker("deadlock-b", b, a, bothHold));
        try {
            CrashEvent event = first(CrashEvent.Kind.DEADLOCK);
            assertThat(event.message()).contains("\"deadlock-a\"", "\"deadlock-b\"");
            DumpFile dump = event.dump().block(WAIT);
            assertThat(dump.format()).isEqualTo(DumpFile.Format.THREAD_DUMP);
            assertThat(Files.readString(dump.path())).contains("Found one Java-level deadlock");
        } finally {
            threads.forEach(Thread::interrupt);
            for (Thread t : threads) {
                t.join(WAIT.toMillis());
            }
        }
    }

    private static Thread deadlocker(String name, ReentrantLock first, ReentrantLock second, CountDownLatch bothHold) {
        Thread t = new Thread(() -> {
            try {
                first.lockInterruptibly();
                try {
                    bothHold.countDown();
                    bothHold.await();
                    second.lockInterruptibly();
                    second.unlock();
                } finally {
                    first.unlock();
                }
            } catch (InterruptedException ended) {
                Thread.currentThread().interrupt();
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void stalledReactorWorkerIsReportedWithItsStack() throws Exception {
        reporter = CrashReporter.install(options());
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<String> worker = new AtomicReference<>();
        Schedulers.single().schedule(() -> {
            worker.set(Thread.currentThread().getName());
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            CrashEvent event = first(CrashEvent.Kind.STALL);
            assertThat(event.thread()).contains(worker.get());
            assertThat(event.message()).contains("running one task");
            assertThat(event.throwable()).hasValueSatisfying(t -> assertThat(t.getStackTrace())
                    .anySatisfy(f -> assertThat(f.getMethodName()).contains("stalledReactorWorker")));
            assertThat(event.dump().block(WAIT).format()).isEqualTo(DumpFile.Format.THREAD_DUMP);
        } finally {
            release.countDown();
        }
    }

    /** README: "thread blocked on a monitor" is seen by the watchdog, naming the lock and its holder. */
    @Test
    void aThreadBlockedOnOneMonitorBeyondTheThresholdIsAStall() throws Exception {
        reporter = CrashReporter.install(options());
        Object lock = new Object();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            synchronized (lock) {
                held.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "lock-holder");
        Thread waiter = new Thread(() -> {
            synchronized (lock) {
                lock.notifyAll();
            }
        }, "lock-waiter");
        holder.start();
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        waiter.start();
        try {
            CrashEvent event = reporter.events().filter(e -> e.kind() == CrashEvent.Kind.STALL
                    && e.thread().orElse("").equals("lock-waiter")).blockFirst(WAIT);
            assertThat(event.message()).contains("blocked for", "waiting to lock java.lang.Object@",
                    "held by \"lock-holder\"", "stall threshold 300 ms");
            assertThat(event.throwable()).hasValueSatisfying(t -> assertThat(t.getStackTrace())
                    .anySatisfy(f -> assertThat(f.getMethodName()).contains("aThreadBlockedOnOneMonitor")));
        } finally {
            release.countDown();
            holder.join(10_000);
            waiter.join(10_000);
        }
    }

    /**
     * A thread parked on a {@code java.util.concurrent} lock that another thread holds is a stall too (which parked
     * threads are not: {@code StallTest}).
     */
    @Test
    void aThreadParkedOnAReentrantLockHeldByAnotherBeyondTheThresholdIsAStall() throws Exception {
        reporter = CrashReporter.install(options());
        java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            lock.lock();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                lock.unlock();
            }
        }, "juc-holder");
        Thread waiter = new Thread(() -> {
            lock.lock();
            lock.unlock();
        }, "juc-waiter");
        holder.start();
        org.awaitility.Awaitility.await().atMost(WAIT).until(lock::isLocked);
        waiter.start();
        try {
            CrashEvent event = reporter.events().filter(e -> e.kind() == CrashEvent.Kind.STALL
                    && e.thread().orElse("").equals("juc-waiter")).blockFirst(WAIT);
            assertThat(event.message()).contains("blocked for", "parked waiting for java.util.concurrent.locks.ReentrantLock",
                    "held by \"juc-holder\"", "stall threshold 300 ms");
            assertThat(event.throwable()).hasValueSatisfying(t -> assertThat(t.getStackTrace())
                    .anySatisfy(f -> assertThat(f.getMethodName()).contains("aThreadParkedOnAReentrantLock")));
        } finally {
            release.countDown();
            holder.join(10_000);
            waiter.join(10_000);
        }
    }

    @Test
    void flightRecordingSnapshotIsAJfrFile() throws Exception {
        reporter = CrashReporter.install(options().withFlightRecorder(Duration.ofMinutes(1), 16L << 20));
        DumpFile jfr = reporter.dump(DumpFile.Format.FLIGHT_RECORDING).block(WAIT);
        assertThat(jfr.format()).isEqualTo(DumpFile.Format.FLIGHT_RECORDING);
        assertThat(jfr.path().getFileName().toString()).matches("example_" + STAMP + "\\.jfr");
        byte[] magic = new byte[4];
        try (var in = Files.newInputStream(jfr.path())) {
            assertThat(in.read(magic)).isEqualTo(4);
        }
        assertThat(new String(magic, java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo("FLR\0");
    }

    @Test
    void formatsThatCannotBeProducedAreErrorsWithTheReasonNeverEmpty() throws Exception {
        reporter = CrashReporter.install(options());
        StepVerifier.create(reporter.dump(DumpFile.Format.HEAP_DUMP))
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(DumpRefusedException.class)
                        .hasMessageContaining("withHeapDumps(true)"));
        StepVerifier.create(reporter.dump(DumpFile.Format.FLIGHT_RECORDING))
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(DumpRefusedException.class)
                        .hasMessageContaining("flight recorder is off"));
        StepVerifier.create(reporter.dump(DumpFile.Format.HS_ERR))
                .verifyError(UnsupportedOperationException.class);
        if (!com.sun.jna.Platform.isWindows()) {
            StepVerifier.create(reporter.dump(DumpFile.Format.WINDOWS_MINIDUMP))
                    .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(UnsupportedOperationException.class)
                            .hasMessageStartingWith("MiniDumpWriteDump is Windows-only; on Linux use"));
            StepVerifier.create(reporter.minidump(1)).verifyError(UnsupportedOperationException.class);
        }
    }

    @Test
    void heapDumpWhenEnabledIsAnHprofFile() throws Exception {
        reporter = CrashReporter.install(options().withHeapDumps(true));
        DumpFile hprof = reporter.dump(DumpFile.Format.HEAP_DUMP).block(WAIT);
        assertThat(hprof.path().getFileName().toString()).matches("example_" + STAMP + "\\.hprof");
        assertThat(Files.readString(hprof.path().resolveSibling(hprof.path().getFileName()),
                java.nio.charset.StandardCharsets.ISO_8859_1)).startsWith("JAVA PROFILE 1.0.");
        assertThat(com.sun.management.HotSpotDiagnosticMXBean.class.cast(java.lang.management.ManagementFactory
                .getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class))
                .getVMOption("HeapDumpOnOutOfMemoryError").getValue()).isEqualTo("true");
        reporter.close();
        assertThat(java.lang.management.ManagementFactory
                .getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                .getVMOption("HeapDumpOnOutOfMemoryError").getValue()).isEqualTo("false");
    }

    @Test
    void namesAreNeverReusedAndRetentionKeepsTheNewest() throws Exception {
        reporter = CrashReporter.install(options().withRetention(3, Long.MAX_VALUE));
        List<DumpFile> written = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            written.add(reporter.dump(DumpFile.Format.THREAD_DUMP).block(WAIT));
        }
        assertThat(written).extracting(DumpFile::path).doesNotHaveDuplicates();
        assertThat(files()).hasSize(3).contains(written.get(4).path());
        assertThat(files()).allSatisfy(p -> assertThat(p.getFileName().toString())
                .matches("example_" + STAMP + "\\.tdump"));
    }
}
