package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.watch.internal.polling.PollingBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The polling backend in virtual time: polls happen exactly when the injected scheduler's clock passes an interval,
 * never in between, and each reports what changed since the last one. The disk and the poll thread are real; the
 * only waits are the watcher's {@code ready()} (which follows the queued poll) and bounded waits for delivery.
 */
class PollingTest {

    static final Duration INTERVAL = Duration.ofSeconds(10);
    static final Duration T = Duration.ofSeconds(10);

    @TempDir
    Path root;
    VirtualTimeScheduler time;
    FileWatcher watcher;
    Recorder recorder;

    @BeforeEach
    void watch() {
        time = VirtualTimeScheduler.create();
        watcher = FileWatcher.builder().root(root).backend(Backend.POLLING).pollInterval(INTERVAL).scheduler(time)
                .build();
    }

    @AfterEach
    void release() {
        if (recorder != null) {
            recorder.dispose();
        }
        await().atMost(T).untilAsserted(() -> assertThat(PollingBackend.shared().openChannels()).isZero());
        time.dispose();
    }

    private void start() throws WatchException {
        recorder = Recorder.watch(watcher);
        assertThat(watcher.backends()).containsEntry(root, Backend.POLLING);
    }

    /** One poll: advance the clock by one interval, then wait until that poll's events are applied. */
    private void poll() {
        time.advanceTimeBy(INTERVAL);
        watcher.ready().block(T);
    }

    private void expect(String... lines) {
        await().atMost(T).untilAsserted(() -> assertThat(Recorder.lines(root, new ArrayList<>(recorder.events)))
                .containsExactly(lines));
        recorder.events.clear();
    }

    private void expectInAnyOrder(String... lines) {
        await().atMost(T).untilAsserted(() -> assertThat(Recorder.lines(root, new ArrayList<>(recorder.events)))
                .containsExactlyInAnyOrder(lines));
        recorder.events.clear();
    }

    @Test
    void nothingIsPolledBetweenTicksAndEachTickReportsWhatChangedSinceTheLast() throws IOException {
        start();
        long polls = PollingBackend.shared().polls();
        Files.writeString(root.resolve("a"), "1");
        watcher.ready().block(T);
        time.advanceTimeBy(INTERVAL.minusMillis(1));
        watcher.ready().block(T);
        assertThat(PollingBackend.shared().polls()).isEqualTo(polls);
        assertThat(recorder.events).isEmpty();

        time.advanceTimeBy(Duration.ofMillis(1));
        watcher.ready().block(T);
        assertThat(PollingBackend.shared().polls()).isEqualTo(polls + 1);
        expect("CREATED a");

        Files.writeString(root.resolve("a"), "22");
        Files.createDirectory(root.resolve("d"));
        poll();
        expectInAnyOrder("MODIFIED a", "CREATED d");

        Files.writeString(root.resolve("d/f"), "x"); // inside a directory found by the last poll: watched since
        Files.delete(root.resolve("a"));
        poll();
        expectInAnyOrder("CREATED d/f", "DELETED a");
        assertThat(PollingBackend.shared().polls()).isEqualTo(polls + 3);
    }

    /** Same size, same second: only the nanoseconds of the modification time tell (where the file system keeps them). */
    @Test
    void aWriteKeepingSizeAndSecondIsAModification() throws IOException {
        Path f = Files.writeString(root.resolve("f"), "a");
        Instant second = Instant.ofEpochSecond(1_700_000_000L);
        Files.setLastModifiedTime(f, FileTime.from(second.plusNanos(100)));
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.getLastModifiedTime(f).to(TimeUnit.NANOSECONDS) % 1_000_000_000L == 100,
                "this file system does not keep nanoseconds");
        start();
        Files.writeString(f, "b");
        Files.setLastModifiedTime(f, FileTime.from(second.plusNanos(200)));
        poll();
        expect("MODIFIED f");
        poll();
        assertThat(recorder.events).isEmpty(); // nothing changed since
    }

    @Test
    void renamesBetweenTwoPollsArePairedByInodeEvenSwapsAndChains() throws IOException {
        Path a = Files.writeString(root.resolve("a"), "a");
        Path b = Files.writeString(root.resolve("b"), "b");
        Files.writeString(root.resolve("c"), "c");
        Path sub = Files.createDirectory(root.resolve("sub"));
        start();
        Files.move(a, root.resolve("tmp")); // swap a and b
        Files.move(b, a);
        Files.move(root.resolve("tmp"), b);
        Files.move(root.resolve("c"), sub.resolve("c2")); // across directories
        poll();
        expectInAnyOrder("RENAMED b <- a", "RENAMED a <- b", "RENAMED sub/c2 <- c");
    }

    @Test
    void aMovedDirectoryTakesItsWatchesAlongNestedOnesIncluded() throws IOException {
        Path d = Files.createDirectories(root.resolve("d/e"));
        Path x = Files.createDirectory(root.resolve("x"));
        start();
        Files.move(root.resolve("d"), x.resolve("d2"));
        poll();
        expect("RENAMED x/d2 <- d");
        Files.writeString(x.resolve("d2/e/g"), "g");
        Files.writeString(x.resolve("d2/h"), "h");
        poll();
        expectInAnyOrder("CREATED x/d2/e/g", "CREATED x/d2/h");
        assertThat(d).doesNotExist();
    }

    /** Even when the file system gives the new file the old one's inode (ext4 and tmpfs do), it is no rename. */
    @Test
    void aFileDeletedAndAnotherCreatedIsNoRename() throws IOException {
        Path old = Files.writeString(root.resolve("old"), "o");
        start();
        Files.delete(old);
        Files.writeString(root.resolve("new"), "n");
        poll();
        expectInAnyOrder("DELETED old", "CREATED new");
    }

    @Test
    void aDirectoryReplacedByAnotherOfTheSameNameIsDeletedAndCreated() throws IOException {
        Path d = Files.createDirectory(root.resolve("d"));
        Files.writeString(d.resolve("old"), "o");
        watcher = FileWatcher.builder().root(root).backend(Backend.POLLING).pollInterval(INTERVAL).scheduler(time)
                .coalesce(false).build(); // coalesced, DELETED d + CREATED d would be one MODIFIED d
        start();
        Path next = Files.createDirectory(root.resolve("next")); // made while d exists: another inode
        Files.writeString(next.resolve("new"), "n");
        Files.delete(d.resolve("old"));
        Files.delete(d);
        Files.move(next, d);
        poll();
        expect("DELETED d/old", "DELETED d", "CREATED d", "CREATED d/new");
        Files.writeString(d.resolve("newer"), "n");
        poll();
        expect("CREATED d/newer"); // the new directory is watched, the old watch is gone
    }

    @Test
    void theRootGoingAwayEndsTheStream() throws IOException {
        start();
        Files.delete(root);
        poll();
        expect("DELETED .");
        await().atMost(T).until(() -> recorder.completed);
        Files.createDirectory(root); // for @TempDir's cleanup
    }

    @Test
    void subscribeCancelCyclesLeaveNoChannelNoTickAndNoThread() throws IOException {
        Files.createDirectories(root.resolve("a/b"));
        long threads = pollThreads();
        for (int i = 0; i < 200; i++) {
            Disposable s = watcher.events().subscribe();
            if (i % 2 == 0) {
                watcher.ready().block(T);
            }
            s.dispose();
        }
        await().atMost(T).untilAsserted(() -> assertThat(PollingBackend.shared().openChannels()).isZero());
        long polls = PollingBackend.shared().polls();
        time.advanceTimeBy(INTERVAL.multipliedBy(3)); // no tick of a cancelled session is left
        assertThat(PollingBackend.shared().polls()).isEqualTo(polls);
        assertThat(pollThreads()).isLessThanOrEqualTo(Math.max(1, threads));
    }

    private static long pollThreads() {
        List<Thread> all = new ArrayList<>(Thread.getAllStackTraces().keySet());
        return all.stream().filter(t -> t.getName().startsWith("vigil-poll-")).count();
    }
}
