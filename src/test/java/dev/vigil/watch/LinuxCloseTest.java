package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.watch.FileEvent.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Hooks;
import reactor.test.StepVerifier;

/** {@link FileWatcher#close()} over the real inotify backend: streams complete, watches go, later subscribers end. */
@EnabledOnOs(OS.LINUX)
@Timeout(60)
class LinuxCloseTest {

    static final Duration T = Duration.ofSeconds(10);

    @TempDir
    Path root;

    @Test
    void closeCompletesEverySessionAfterWhatWasDeliveredAndRemovesItsWatches() throws Exception {
        List<Long> tree = tree("a", "b/c");
        List<String> fds = settledFds();
        int threads = Thread.activeCount();
        FileWatcher w = FileWatcher.of(root);
        Recorder other = Recorder.watch(w);
        StepVerifier.create(w.events())
                .then(() -> write("a/x"))
                .expectNextMatches(e -> e.kind() == Kind.CREATED && e.path().equals(root.resolve("a/x")))
                .then(() -> assertThat(watched(tree)).containsExactlyInAnyOrderElementsOf(tree))
                .then(w::close)
                .expectComplete()
                .verify(T);
        await().atMost(T).until(() -> other.completed);
        assertThat(other.error).isNull();
        assertThat(w.isClosed()).isTrue();
        await().pollInSameThread().atMost(T).untilAsserted(() -> {
            assertThat(watchedOf(tree)).isEmpty();
            assertThat(InotifyProbe.opened(fds, InotifyProbe.fdTargets())).as("descriptors opened and kept").isEmpty();
            assertThat(Thread.activeCount()).isLessThanOrEqualTo(threads);
        });
    }

    @Test
    void afterCloseEventsCompleteAtOnceAndTheBarriersToo() throws Exception {
        List<Long> tree = tree("a");
        FileWatcher w = FileWatcher.of(root);
        w.close();
        w.close(); // idempotent
        StepVerifier.create(w.events()).expectSubscription().expectComplete().verify(T);
        AtomicInteger completions = new AtomicInteger();
        w.events().subscribe(e -> { }, e -> { }, completions::incrementAndGet);
        assertThat(completions).hasValue(1);
        w.ready().block(T);
        w.sync().block(T);
        assertThat(watchedOf(tree)).isEmpty();
        try (var s = Files.list(root)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("a"); // no cookie
        }
    }

    @Test
    void closeCompletesAStalledSubscriberWithoutDemandAndDropsWhatItHadNotReceived() throws Exception {
        List<Long> tree = tree("a");
        FileWatcher w = FileWatcher.of(root);
        Recorder stalled = Recorder.stalled(w, 0);
        write("a/x");
        write("a/y");
        w.ready().block(T); // both creations read into the stalled session's buffer
        w.close();
        await().atMost(T).until(() -> stalled.completed);
        stalled.request(10); // too late: the stream has ended
        assertThat(stalled.events).isEmpty();
        assertThat(stalled.error).isNull();
        await().pollInSameThread().atMost(T).untilAsserted(() -> assertThat(watchedOf(tree)).isEmpty());
    }

    @Test
    void closeWhileAnOnNextIsStuckReleasesAtOnceAndCompletesWhenItReturns() throws Exception {
        List<Long> tree = tree("a");
        FileWatcher w = FileWatcher.of(root);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Queue<String> signals = new ConcurrentLinkedQueue<>();
        Disposable d = w.events().subscribe(e -> {
            signals.add("next " + root.relativize(e.path()));
            inside.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }, e -> signals.add("error " + e), () -> signals.add("complete"));
        try {
            w.ready().block(T);
            write("a/x");
            assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
            write("a/y"); // waits in the buffer behind the stuck onNext
            w.ready().block(T);
            long t0 = System.nanoTime();
            w.close();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1)); // did not wait
            // the watches go while onNext is still stuck, and nothing is signalled concurrently with it
            await().pollInSameThread().atMost(T).untilAsserted(() -> assertThat(watchedOf(tree)).isEmpty());
            assertThat(signals).containsExactly("next a/x");
            release.countDown();
            await().atMost(T).untilAsserted(() -> assertThat(signals).containsExactly("next a/x", "complete"));
        } finally {
            release.countDown();
            d.dispose();
        }
    }

    @Test
    void closeFromInsideOnNextCompletesOnceItReturns() throws Exception {
        tree("a");
        FileWatcher w = FileWatcher.of(root);
        StepVerifier.create(w.events().doOnNext(e -> w.close()))
                .then(() -> write("a/x"))
                .expectNextMatches(e -> e.path().equals(root.resolve("a/x")))
                .expectComplete()
                .verify(T);
    }

    @Test
    void closeDropsWhatAwaitWriteFinishHolds() throws Exception {
        List<Long> tree = tree("a");
        FileWatcher w = FileWatcher.builder().root(root).awaitWriteFinish(Duration.ofMinutes(5)).build();
        StepVerifier.create(w.events())
                .then(() -> write("a/x")) // held for five minutes
                .then(() -> w.sync().block(T))
                .then(w::close)
                .expectComplete()
                .verify(T);
        await().pollInSameThread().atMost(T).untilAsserted(() -> assertThat(watchedOf(tree)).isEmpty());
    }

    /**
     * Subscriptions racing {@code close()} on four threads: every one ends with {@code onComplete} (after its
     * {@code onSubscribe}), none fails, none is left running, no watch is left. Ran 200 times while developing.
     */
    @Test
    void closeRacingSubscriptionsEndsEveryOneAndLeaksNothing() throws Exception {
        List<Long> tree = tree("a/b", "c");
        Queue<Throwable> dropped = new ConcurrentLinkedQueue<>();
        Hooks.onErrorDropped(dropped::add);
        try {
            for (int round = 0; round < 10; round++) {
                FileWatcher w = FileWatcher.of(root);
                Queue<Recorder> all = new ConcurrentLinkedQueue<>();
                CountDownLatch go = new CountDownLatch(1);
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    Thread th = new Thread(() -> {
                        try {
                            go.await();
                        } catch (InterruptedException e) {
                            return;
                        }
                        for (int i = 0; i < 10; i++) {
                            Recorder r = Recorder.unawaited(w);
                            all.add(r);
                        }
                    }, "subscriber-" + t);
                    threads.add(th);
                    th.start();
                }
                go.countDown();
                w.close();
                for (Thread th : threads) {
                    th.join(30_000);
                    assertThat(th.isAlive()).isFalse();
                }
                assertThat(all).hasSize(40);
                await().atMost(T).untilAsserted(() -> assertThat(all).allSatisfy(r -> {
                    assertThat(r.subscribed.getCount()).isZero();
                    assertThat(r.completed).isTrue();
                    assertThat(r.error).isNull();
                }));
                await().pollInSameThread().atMost(T).untilAsserted(() -> assertThat(watchedOf(tree)).isEmpty());
            }
            assertThat(dropped).isEmpty();
        } finally {
            Hooks.resetOnErrorDropped();
        }
    }

    private void write(String rel) {
        try {
            Files.createFile(root.resolve(rel)); // one event: CREATED
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Creates the directories and returns the inodes of the whole tree, root included. */
    private List<Long> tree(String... dirs) throws IOException {
        List<Long> out = new ArrayList<>(List.of(InotifyProbe.inode(root)));
        for (String d : dirs) {
            Files.createDirectories(root.resolve(d));
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.filter(p -> !p.equals(root)).toList()) {
                out.add(InotifyProbe.inode(p));
            }
        }
        return out;
    }

    /** The open fds' targets once the shared inotify instance exists (a first session creates it, once per JVM). */
    private List<String> settledFds() throws IOException {
        FileWatcher warm = FileWatcher.of(root);
        Recorder r = Recorder.watch(warm);
        warm.close();
        await().atMost(T).until(() -> r.completed);
        List<Long> rootOnly = List.of(InotifyProbe.inode(root));
        await().pollInSameThread().atMost(T).untilAsserted(() -> assertThat(watchedOf(rootOnly)).isEmpty());
        return InotifyProbe.fdTargets();
    }

    private static List<Long> watched(List<Long> tree) {
        try {
            return watchedOf(tree);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<Long> watchedOf(List<Long> tree) throws IOException {
        List<Long> watched = new ArrayList<>(InotifyProbe.watchedInodes());
        watched.retainAll(tree);
        return watched;
    }
}
