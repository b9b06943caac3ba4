package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.examples.WatchDemo;
import dev.vigil.watch.internal.RawEvent;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchChannel;
import dev.vigil.watch.internal.windows.WindowsBackend;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/** The Windows backend against the real OS (here, Wine): the demo, a real overflow, paths, errors, leaks. */
@EnabledOnOs(OS.WINDOWS)
@Timeout(60)
class WindowsWatchTest {

    static final Duration T = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    /**
     * Every test leaves no directory handle open in the shared backend. Handles close on the reader thread after
     * {@code cancel()} returns; until then Windows refuses to delete the watched tree, so this wait also keeps the
     * temporary directory's cleanup from racing the release.
     */
    @AfterEach
    void noHandleLeft() {
        await().atMost(T).untilAsserted(() -> assertThat(WindowsBackend.sharedOpenHandles()).isZero());
    }

    @Test
    void theDemoShowsEveryKindOfChange() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream was = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            WatchDemo.main(new String[0]);
        } finally {
            System.setOut(was);
        }
        String shown = out.toString(StandardCharsets.UTF_8);
        assertThat(shown).contains("CREATED  docs\\drafts/", "CREATED  docs\\drafts\\plan.md",
                "RENAMED  docs\\plan.md  (from docs\\drafts\\plan.md)",
                "MODIFIED docs\\plan.md",
                "CREATED  assets\\img\\logo.svg", "DELETED  docs\\plan.md");
    }

    /**
     * The loop thread is held while 3,000 files are created, so that more changes wait than a 64 KiB buffer holds:
     * the OS completes the read with 0 bytes, which the backend reports as a loss of the root's events.
     */
    @Test
    void aReadThatOverflowsIsReportedAsLostEventsOfTheRoot() throws Exception {
        WindowsBackend backend = WindowsBackend.isolated();
        List<RawEvent> got = new CopyOnWriteArrayList<>();
        try {
            WatchChannel channel = backend.open(new RawEventListener() {
                @Override
                public void onEvents(List<RawEvent> batch) {
                    got.addAll(batch);
                }

                @Override
                public void onFailure(Throwable error) {
                    throw new AssertionError(error);
                }
            });
            Object key = channel.add(tmp);
            CountDownLatch hold = new CountDownLatch(1);
            channel.execute(() -> {
                try {
                    hold.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            for (int i = 0; i < 3000; i++) {
                Files.createFile(tmp.resolve("a-rather-long-file-name-" + i + ".txt"));
            }
            hold.countDown();
            await().atMost(T).until(() -> got.contains(RawEvent.overflow(key, "")));
            channel.close();
        } finally {
            backend.close();
        }
    }

    @Test
    void pathsLongerThanMaxPathAreWatched() throws Exception {
        Path deep = tmp;
        while (deep.toString().length() < 300) {
            deep = deep.resolve("a-directory-name-of-some-length");
        }
        Files.createDirectories(deep);
        Path f = deep.resolve("f.txt");
        FileWatcher w = FileWatcher.builder().root(deep).build();
        StepVerifier.create(w.events())
                .then(() -> write(f))
                .expectNextMatches(e -> e.kind() == FileEvent.Kind.CREATED && e.path().equals(f))
                .thenCancel()
                .verify(T);
    }

    /** A drive root has no parent to watch. Under Wine, {@code .ci/wine/bin/java} maps {@code V:} to a scratch directory. */
    @Test
    void aDriveRootIsWatched() throws Exception {
        Path drive = Path.of("V:\\");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(drive),
                "no drive V: to watch (the Wine wrapper maps one; on Windows, map one with subst V: DIR)");
        Path f = drive.resolve("on-the-drive-" + System.nanoTime() + ".txt");
        // Under Wine an empty drive root cannot be listed (FindFirstFileW finds not even "." there): keep one entry
        Path keep = drive.resolve("keep");
        if (!Files.exists(keep)) {
            Files.createFile(keep);
        }
        try {
            FileWatcher w = FileWatcher.builder().root(drive).build();
            StepVerifier.create(w.events())
                    .then(() -> write(f))
                    .expectNextMatches(e -> e.kind() == FileEvent.Kind.CREATED && e.path().equals(f))
                    .thenCancel()
                    .verify(T);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    @Test
    void missingRootsAndFilesAreTypedErrors() throws Exception {
        Path file = Files.createFile(tmp.resolve("f"));
        StepVerifier.create(FileWatcher.builder().root(tmp.resolve("missing")).build().events())
                .expectErrorMatches(e -> e instanceof WatchRootException r && r.reason() == WatchRootException.Reason.MISSING)
                .verify(T);
        StepVerifier.create(FileWatcher.builder().root(file).build().events())
                .expectErrorMatches(e -> e instanceof WatchRootException r
                        && r.reason() == WatchRootException.Reason.NOT_A_DIRECTORY)
                .verify(T);
    }

    @Test
    void subscribeCancelLoopsLeaveNoHandleAndOneThread() {
        FileWatcher w = FileWatcher.builder().root(tmp).build();
        for (int i = 0; i < 50; i++) {
            StepVerifier.create(w.events()).thenCancel().verify(T);
        }
        await().atMost(T).untilAsserted(() -> assertThat(WindowsBackend.sharedOpenHandles()).isZero());
        assertThat(Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("vigil-iocp-") && t.isAlive()).count()).isEqualTo(1);
    }

    /** The reader waits in GetQueuedCompletionStatusEx without a timeout: no CPU while nothing changes. */
    @Test
    void theReaderThreadUsesNoCpuWhileIdle() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long self = mx.getCurrentThreadCpuTime();
        for (long end = System.nanoTime() + 100_000_000L; System.nanoTime() < end; ) {
            Thread.onSpinWait(); // proves the measure works here: this thread burns CPU
        }
        assertThat(mx.getCurrentThreadCpuTime() - self).isGreaterThan(20_000_000L);
        reactor.core.Disposable d = FileWatcher.builder().root(tmp).build().events().subscribe();
        try {
            Thread reader = await().atMost(T).until(() -> Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("vigil-iocp-")).findFirst().orElse(null), t -> t != null);
            long before = mx.getThreadCpuTime(reader.getId());
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000_000L); // the interval measured, not a settle
            assertThat(mx.getThreadCpuTime(reader.getId()) - before).isLessThan(2_000_000L);
        } finally {
            d.dispose();
        }
    }

    private static void write(Path p) {
        try {
            Files.writeString(p, "x");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
