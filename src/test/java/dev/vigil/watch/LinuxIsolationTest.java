package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Sessions are isolated from each other on the real inotify backend: a subscriber blocked in {@code onNext} holds
 * up nobody else, and subscribing never blocks the caller.
 */
@EnabledOnOs(OS.LINUX)
class LinuxIsolationTest {

    @TempDir
    Path tmp;

    @Test
    @Timeout(60)
    void aSubscriberBlockedInOnNextHoldsUpNoOtherSession() throws Exception {
        Path a = Files.createDirectory(tmp.resolve("a"));
        Path b = Files.createDirectory(tmp.resolve("b"));
        Path c = Files.createDirectory(tmp.resolve("c"));
        long watchesBefore = watches();
        FileWatcher wa = FileWatcher.of(a);
        FileWatcher wb = FileWatcher.of(b);
        FileWatcher wc = FileWatcher.of(c);

        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BlockingQueue<FileEvent> seenByA = new LinkedBlockingQueue<>();
        Disposable da = wa.events().subscribe(e -> {
            seenByA.add(e);
            blocked.countDown();
            try {
                release.await(); // for good, as far as the others can tell
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
        BlockingQueue<Long> arrivals = new LinkedBlockingQueue<>();
        Disposable db = wb.events().subscribe(e -> arrivals.add(System.nanoTime()));
        wa.ready().block(Duration.ofSeconds(10));
        wb.ready().block(Duration.ofSeconds(10));
        Files.writeString(a.resolve("first"), "x");
        assertThat(blocked.await(10, TimeUnit.SECONDS)).as("A's onNext entered").isTrue();

        // A is stuck: B still gets its events at once, again and again
        for (int i = 0; i < 20; i++) {
            Files.writeString(a.resolve("more" + i), "x"); // A's backlog grows meanwhile
            long written = System.nanoTime();
            Files.createFile(b.resolve("b" + i));
            Long at = arrivals.poll(5, TimeUnit.SECONDS);
            assertThat(at).as("B's event %s", i).isNotNull();
            assertThat(Duration.ofNanos(at - written)).as("B's latency").isLessThan(Duration.ofMillis(100));
            arrivals.clear();
        }

        // a third session subscribes, syncs and cancels without waiting for A
        long t0 = System.nanoTime();
        BlockingQueue<FileEvent> seenByC = new LinkedBlockingQueue<>();
        Disposable dc = wc.events().subscribe(seenByC::add);
        wc.ready().block(Duration.ofSeconds(1));
        Files.createFile(c.resolve("c"));
        wc.sync().block(Duration.ofSeconds(1));
        assertThat(seenByC).extracting(FileEvent::path).containsExactly(c.resolve("c"));
        dc.dispose();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));

        // A, released, gets every change it missed
        release.countDown();
        wa.sync().block(Duration.ofSeconds(10));
        Set<Path> paths = seenByA.stream().map(FileEvent::path).collect(Collectors.toSet());
        assertThat(paths).contains(a.resolve("first"));
        for (int i = 0; i < 20; i++) {
            assertThat(paths).contains(a.resolve("more" + i));
        }

        da.dispose();
        db.dispose();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(watches()).isEqualTo(watchesBefore));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(poolThreads()).isZero());
    }

    @Test
    @Timeout(60)
    void cancellingASubscriberBlockedInOnNextReleasesItsWatchesAtOnce() throws Exception {
        for (int d = 0; d < 10; d++) {
            Files.createDirectories(tmp.resolve("d" + d));
        }
        long watchesBefore = watches();
        FileWatcher w = FileWatcher.of(tmp);
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Disposable d = w.events().subscribe(e -> {
            blocked.countDown();
            try {
                release.await();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            w.ready().block(Duration.ofSeconds(10));
            assertThat(watches()).isEqualTo(watchesBefore + 11);
            Files.createFile(tmp.resolve("f"));
            assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
            d.dispose(); // from this thread, while onNext is still stuck
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(watches()).isEqualTo(watchesBefore));
        } finally {
            release.countDown();
        }
    }

    @Test
    @Timeout(60)
    void aLargeEstablishmentDoesNotDelayAnotherSessionsEvents() throws Exception {
        Path big = Files.createDirectory(tmp.resolve("big"));
        for (int d = 0; d < 200; d++) {
            Path dir = Files.createDirectory(big.resolve("d" + d));
            for (int f = 0; f < 100; f++) {
                Files.createFile(dir.resolve("f" + f));
            }
        }
        Path small = Files.createDirectory(tmp.resolve("small"));
        FileWatcher ws = FileWatcher.of(small);
        BlockingQueue<Long> arrivals = new LinkedBlockingQueue<>();
        Disposable ds = ws.events().subscribe(e -> arrivals.add(System.nanoTime()));
        ws.ready().block(Duration.ofSeconds(10));
        FileWatcher wb = FileWatcher.of(big);
        long t0 = System.nanoTime();
        Disposable db = wb.events().subscribe();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("subscribe returned at once")
                .isLessThan(Duration.ofMillis(50));
        long written = System.nanoTime();
        Files.createFile(small.resolve("x"));
        Long at = arrivals.poll(5, TimeUnit.SECONDS);
        assertThat(at).isNotNull();
        assertThat(Duration.ofNanos(at - written)).isLessThan(Duration.ofMillis(100));
        wb.ready().block(Duration.ofSeconds(20));
        db.dispose();
        ds.dispose();
    }

    @RepeatedTest(200)
    @Timeout(20)
    void readinessIsOnSubscribeNoWriteAfterItIsLost() throws IOException {
        Path f = tmp.resolve("f");
        FileWatcher w = FileWatcher.of(tmp);
        StepVerifier.create(w.events())
                .then(() -> write(f))
                .expectNextMatches(e -> e.kind() == FileEvent.Kind.CREATED && e.path().equals(f))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        Files.delete(f);
    }

    @Test
    @Timeout(60)
    void cancellingBeforeReadinessLeaksNothing() throws Exception {
        for (int d = 0; d < 50; d++) {
            Files.createDirectories(tmp.resolve("d" + d + "/e"));
        }
        long watchesBefore = watches();
        FileWatcher w = FileWatcher.of(tmp);
        for (int i = 0; i < 100; i++) {
            Disposable d = w.events().subscribe();
            d.dispose(); // before onSubscribe: released once the session is established
        }
        w.ready().block(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(watches()).isEqualTo(watchesBefore));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(poolThreads()).isZero());
    }

    @Test
    @Timeout(30)
    void subscribeAndSyncFromANonBlockingThreadReturnAtOnce() throws Exception {
        FileWatcher w = FileWatcher.of(tmp);
        long elapsed = Mono.fromCallable(() -> {
            long t0 = System.nanoTime();
            w.events().subscribe();
            w.sync().subscribe();
            w.ready().subscribe();
            return System.nanoTime() - t0;
        }).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(10));
        assertThat(Duration.ofNanos(elapsed)).isLessThan(Duration.ofMillis(50));
    }

    private static void write(Path f) {
        try {
            Files.writeString(f, "x");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Watches of every inotify fd of this process. */
    private static long watches() throws IOException {
        return InotifyProbe.watchedInodes().size();
    }

    /** Live threads of the session pools. */
    static long poolThreads() {
        List<Thread> all = Thread.getAllStackTraces().keySet().stream().toList();
        return all.stream().filter(t -> t.getName().startsWith("vigil-watch-")
                || t.getName().startsWith("vigil-deliver-")).count();
    }
}
