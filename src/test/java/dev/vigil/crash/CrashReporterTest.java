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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
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
    /** Handles a test installed through {@link #install}: closed after it, whatever happened. */
    final List<CrashReporter> handles = new CopyOnWriteArrayList<>();
    Thread.UncaughtExceptionHandler originalDefault;

    @BeforeEach
    void setUp() {
        dumps = tmp.resolve("dumps");
        originalDefault = Thread.getDefaultUncaughtExceptionHandler();
    }

    @AfterEach
    void tearDown() {
        try {
            if (reporter != null) {
                reporter.close();
            }
            handles.forEach(CrashReporter::close);
            assertThat(CrashReporter.installed()).as("every handle the test opened is closed").isEmpty();
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(originalDefault);
            Hooks.resetOnErrorDropped();
            Schedulers.resetOnHandleError();
        }
    }

    /** Installs a handle that {@link #tearDown} closes. */
    private CrashReporter install(CrashReporterOptions options) throws java.io.IOException {
        CrashReporter handle = CrashReporter.install(options);
        handles.add(handle);
        return handle;
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
                .withAutomaticDumpRateLimit(1_000, Duration.ofMinutes(1)) // the dump rate limit is what bounds here
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
    void installingTwiceGivesASecondHandleAndOtherOptionsAreRejected() throws Exception {
        reporter = CrashReporter.install(options());
        CrashReporter second = install(options());
        assertThat(second).isNotSameAs(reporter);
        assertThat(second.dumpDirectory()).isEqualTo(reporter.dumpDirectory());
        assertThat(CrashReporter.installed()).hasValueSatisfying(view -> {
            assertThat(view).isNotSameAs(reporter).isNotSameAs(second);
            assertThat(view.options()).isEqualTo(options());
            assertThat(view.toString()).contains("view");
        });
        assertThatThrownBy(() -> CrashReporter.install(options().withName("other").withHeapDumps(true)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("close() it first")
                .hasMessageContaining("name: example vs other").hasMessageContaining("heapDumps: false vs true")
                .hasMessageContaining("installed vs requested").hasMessageContaining("2 handles are open")
                .hasMessageNotContaining("dumpDirectory"); // only what differs
        second.close();
        assertThatThrownBy(() -> CrashReporter.install(options().withName("other")))
                .as("one handle is still open").hasMessageContaining("1 handle is open");
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
        StepVerifier.create(reporter.dump(DumpFile.Format.THREAD_DUMP))
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("handle is closed"));
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

    /** Issue #9: every install is a handle of its own; reporting stops with the last one. */
    @Nested
    class SharedOwnership {

        private final List<Throwable> previousUncaught = new CopyOnWriteArrayList<>();
        private final Thread.UncaughtExceptionHandler previousHandler = (t, e) -> previousUncaught.add(e);
        private final List<Throwable> previousDropped = new CopyOnWriteArrayList<>();

        @BeforeEach
        void previousHandlers() {
            Thread.setDefaultUncaughtExceptionHandler(previousHandler);
            Hooks.onErrorDropped(previousDropped::add);
        }

        /** Options for tests that only count events: no dumps, no rate limit in the way. */
        private CrashReporterOptions countingOptions() {
            return options().withAutomaticDumps(Set.of()).withEventRateLimit(1_000_000, Duration.ofSeconds(1));
        }

        @Test
        void aCrashAfterOneOfTwoHandlesIsClosedStillReachesTheOther() throws Exception {
            CrashReporter library = install(options());
            CrashReporter application = install(options());
            List<CrashEvent> seenByLibrary = new CopyOnWriteArrayList<>();
            library.events().subscribe(seenByLibrary::add);
            library.close();

            IllegalStateException boom = new IllegalStateException("boom after one close");
            Thread crashing = new Thread(() -> {
                throw boom;
            }, "crashing-after-one-close");
            StepVerifier.create(application.events().filter(e -> e.throwable().orElse(null) == boom))
                    .then(crashing::start)
                    .assertNext(e -> {
                        assertThat(e.kind()).isEqualTo(CrashEvent.Kind.UNCAUGHT_EXCEPTION);
                        assertThat(e.thread()).contains("crashing-after-one-close");
                        assertThat(e.artifacts()).singleElement()
                                .satisfies(f -> assertThat(f.path()).exists().hasParent(dumps.toAbsolutePath()));
                    })
                    .thenCancel()
                    .verify(WAIT);
            crashing.join(WAIT.toMillis());
            assertThat(previousUncaught).as("the previous handler still runs").containsExactly(boom);
            assertThat(seenByLibrary).as("the closed handle's stream ended at close").isEmpty();
            assertThat(application.isClosed()).isFalse();
            StepVerifier.create(application.dump(DumpFile.Format.THREAD_DUMP))
                    .assertNext(f -> assertThat(f.path()).exists())
                    .verifyComplete();
        }

        @Test
        void aClosedHandleCompletesItsStreamsAndRefusesDumpsNamingWhy() throws Exception {
            CrashReporter kept = install(countingOptions());
            CrashReporter closed = install(countingOptions());
            AtomicReference<String> completedOn = new AtomicReference<>();
            closed.events().subscribe(e -> { }, e -> { }, () -> completedOn.set(Thread.currentThread().getName()));
            Mono<DumpFile> assembledBeforeClose = closed.dump(DumpFile.Format.THREAD_DUMP);
            Operators.onErrorDropped(new RuntimeException("replayed to open handles only"), Context.empty());

            closed.close();

            assertThat(completedOn).as("completed on the closing thread, before close returned")
                    .hasValue(Thread.currentThread().getName());
            assertThat(closed.isClosed()).isTrue();
            assertThat(closed.toString()).endsWith(", closed]");
            StepVerifier.create(closed.events()).as("no replay after close").verifyComplete();
            for (Mono<DumpFile> dump : List.of(assembledBeforeClose, closed.dump(DumpFile.Format.THREAD_DUMP),
                    closed.minidump(ProcessHandle.current().pid()))) {
                StepVerifier.create(dump).verifyErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("this CrashReporter handle is closed")
                        .hasMessageContaining("install() a new one"));
            }
            assertThat(closed.options()).isEqualTo(kept.options());
            assertThat(closed.dumpDirectory()).isEqualTo(kept.dumpDirectory());
            StepVerifier.create(kept.events().map(e -> e.throwable().orElseThrow().getMessage()))
                    .expectNext("replayed to open handles only")
                    .thenCancel()
                    .verify(WAIT);
        }

        @Test
        void closingTheLastHandleRestoresThePreviousHandlerAndHooks() throws Exception {
            Object droppedBefore = reactorField(Hooks.class, "onErrorDroppedHook");
            CrashReporter first = install(options());
            CrashReporter second = install(options());
            assertThat(Thread.getDefaultUncaughtExceptionHandler()).isNotSameAs(previousHandler);
            assertThat(schedulerHookKeys()).contains("dev.vigil.crash");

            first.close();
            assertThat(Thread.getDefaultUncaughtExceptionHandler()).as("one handle is open")
                    .isNotSameAs(previousHandler);
            assertThat(reactorField(Hooks.class, "onErrorDroppedHook")).isNotSameAs(droppedBefore);
            assertThat(schedulerHookKeys()).contains("dev.vigil.crash");
            assertThat(CrashReporter.installed()).isPresent();

            second.close();
            assertThat(Thread.getDefaultUncaughtExceptionHandler()).isSameAs(previousHandler);
            assertThat(reactorField(Hooks.class, "onErrorDroppedHook")).isSameAs(droppedBefore);
            assertThat(schedulerHookKeys()).doesNotContain("dev.vigil.crash");
            assertThat(CrashReporter.installed()).isEmpty();
            // the pools are shut down and drained; their threads end just after (bounded wait, no sleep)
            org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() ->
                    assertThat(threadNames()).noneMatch(n -> n.startsWith("vigil-crash-")));
            Operators.onErrorDropped(new RuntimeException("after the last close"), Context.empty());
            assertThat(previousDropped).extracting(Throwable::getMessage).containsExactly("after the last close");
        }

        @Test
        void closingOneHandleTwiceReleasesItOnce() throws Exception {
            CrashReporter twice = install(countingOptions());
            CrashReporter other = install(countingOptions());
            twice.close();
            twice.close();
            assertThat(twice.isClosed()).isTrue();
            assertThat(Thread.getDefaultUncaughtExceptionHandler()).as("other still holds the installation")
                    .isNotSameAs(previousHandler);
            StepVerifier.create(other.events().map(e -> e.throwable().orElseThrow().getMessage()))
                    .then(() -> Operators.onErrorDropped(new RuntimeException("still reported"), Context.empty()))
                    .expectNext("still reported")
                    .then(other::close)
                    .verifyComplete();
            assertThat(Thread.getDefaultUncaughtExceptionHandler()).isSameAs(previousHandler);
        }

        @Test
        void theViewFromInstalledOwnsNothing() throws Exception {
            assertThat(CrashReporter.installed()).isEmpty();
            CrashReporter handle = install(countingOptions());
            CrashReporter view = CrashReporter.installed().orElseThrow();
            assertThat(CrashReporter.installed()).containsSame(view);
            assertThatThrownBy(view::close).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("owns nothing")
                    .hasMessageContaining("close the handles CrashReporter.install returned");
            assertThat(view.isClosed()).isFalse();
            StepVerifier.create(view.events().map(e -> e.throwable().orElseThrow().getMessage()))
                    .then(() -> Operators.onErrorDropped(new RuntimeException("seen by the view"), Context.empty()))
                    .expectNext("seen by the view")
                    .then(handle::close)
                    .as("the view's stream ends with the installation")
                    .verifyComplete();
            assertThat(view.isClosed()).isTrue();
            StepVerifier.create(view.dump(DumpFile.Format.THREAD_DUMP)).verifyErrorSatisfies(e -> assertThat(e)
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed by its last handle"));
            assertThat(Thread.getDefaultUncaughtExceptionHandler()).isSameAs(previousHandler);
        }

        /**
         * Four threads install, use and close handles (each closed twice) at the same time, on one installation or a
         * new one: while a thread holds a handle, reporting is on and reaches it; once all are closed, everything is
         * restored.
         */
        @RepeatedTest(50)
        void concurrentInstallAndCloseNeverStopReportingForAnOpenHandle() throws Exception {
            Object droppedBefore = reactorField(Hooks.class, "onErrorDroppedHook");
            int threads = 4;
            int rounds = 5;
            CountDownLatch start = new CountDownLatch(1);
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                int id = w;
                Thread worker = new Thread(() -> {
                    try {
                        start.await();
                        for (int r = 0; r < rounds; r++) {
                            CrashReporter handle = CrashReporter.install(countingOptions());
                            try {
                                assertThat(Thread.getDefaultUncaughtExceptionHandler())
                                        .isNotSameAs(previousHandler);
                                RuntimeException mine = new RuntimeException("worker " + id + " round " + r);
                                java.util.concurrent.CompletableFuture<CrashEvent> got =
                                        new java.util.concurrent.CompletableFuture<>();
                                reactor.core.Disposable d = handle.events()
                                        .filter(e -> e.throwable().orElse(null) == mine)
                                        .subscribe(got::complete);
                                Operators.onErrorDropped(mine, Context.empty());
                                assertThat(got.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).kind())
                                        .isEqualTo(CrashEvent.Kind.REACTOR_DROPPED_ERROR);
                                d.dispose();
                            } finally {
                                handle.close();
                                handle.close();
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "install-close-" + w);
                worker.start();
                workers.add(worker);
            }
            start.countDown();
            for (Thread worker : workers) {
                worker.join(WAIT.toMillis() * 3);
                assertThat(worker.isAlive()).as("%s finished", worker.getName()).isFalse();
            }
            assertThat(failures).isEmpty();
            assertThat(CrashReporter.installed()).isEmpty();
            assertThat(Thread.getDefaultUncaughtExceptionHandler()).isSameAs(previousHandler);
            assertThat(reactorField(Hooks.class, "onErrorDroppedHook")).isSameAs(droppedBefore);
            assertThat(schedulerHookKeys()).doesNotContain("dev.vigil.crash");
            assertThat(previousDropped).as("every error also reached the previous hook")
                    .hasSize(threads * rounds);
        }
    }

    private static Object reactorField(Class<?> owner, String name) throws ReflectiveOperationException {
        java.lang.reflect.Field f = owner.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(null);
    }

    /** The keys of Reactor's keyed scheduler hooks ({@code onHandleError} and {@code onScheduleHook}). */
    private static Set<String> schedulerHookKeys() throws ReflectiveOperationException {
        Set<String> keys = new java.util.HashSet<>();
        for (String field : List.of("onHandleErrorHooks", "onScheduleHooks")) {
            Map<?, ?> hooks = (Map<?, ?>) reactorField(Schedulers.class, field);
            synchronized (hooks) {
                hooks.keySet().forEach(k -> keys.add((String) k));
            }
        }
        return keys;
    }

    private static List<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName).toList();
    }
}
