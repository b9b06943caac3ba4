package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/** Readiness, the sync barrier, and resource release over the real inotify backend. */
@EnabledOnOs(OS.LINUX)
class LinuxLifecycleTest {

    @TempDir
    Path root;

    @Test
    void subscribeCancelCyclesLeakNoFdWatchOrThread() throws IOException {
        for (int i = 0; i < 5; i++) {
            Files.createDirectories(root.resolve("d" + i + "/e"));
        }
        List<Long> tree = new java.util.ArrayList<>();
        try (var dirs = Files.walk(root)) {
            for (Path d : dirs.toList()) {
                tree.add(InotifyProbe.inode(d));
            }
        }
        FileWatcher w = FileWatcher.of(root);
        // warm up: the shared inotify instance and its reader thread are created once per JVM; then a settled
        // baseline: the warm-up's own watches are removed on the executor, shortly after its cancel
        Disposable warm = w.events().subscribe();
        w.ready().block(Duration.ofSeconds(10));
        assertThat(watchedOf(tree)).hasSize(tree.size()); // the probe sees this tree's watches
        warm.dispose();
        org.awaitility.Awaitility.await().pollInSameThread().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(watchedOf(tree)).isEmpty());
        List<String> fds = InotifyProbe.fdTargets();
        int threads = Thread.activeCount();
        for (int i = 0; i < 1000; i++) {
            Disposable d = w.events().subscribe();
            d.dispose();
        }
        // every session's watches go, exactly; no descriptor is left that was not there before (one the JVM or an
        // earlier test closes meanwhile is not a leak); pools only shrink
        org.awaitility.Awaitility.await().pollInSameThread().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(watchedOf(tree)).isEmpty();
            assertThat(InotifyProbe.opened(fds, InotifyProbe.fdTargets())).as("descriptors opened and kept").isEmpty();
            assertThat(Thread.activeCount()).isLessThanOrEqualTo(threads);
        });
    }

    /** The inodes of {@code tree} that an inotify watch of this process holds. */
    private static List<Long> watchedOf(List<Long> tree) throws IOException {
        List<Long> watched = new java.util.ArrayList<>(InotifyProbe.watchedInodes());
        watched.retainAll(tree);
        return watched;
    }

    @Test
    void concurrentSubscribeCancelWhileFilesChurnLosesNothingAndLeaksNothing() throws Exception {
        List<Long> tree = new java.util.ArrayList<>(List.of(InotifyProbe.inode(root)));
        for (int i = 0; i < 5; i++) {
            tree.add(InotifyProbe.inode(Files.createDirectories(root.resolve("d" + i))));
        }
        FileWatcher w = FileWatcher.of(root);
        java.util.Queue<Throwable> dropped = new java.util.concurrent.ConcurrentLinkedQueue<>();
        reactor.core.publisher.Hooks.onErrorDropped(dropped::add);
        java.util.Queue<Throwable> errors = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread writer = new Thread(() -> {
            for (int n = 0; !stop.get(); n++) {
                Path f = root.resolve("d" + (n % 5)).resolve("f" + (n % 50));
                try {
                    if (Files.exists(f)) {
                        Files.delete(f);
                    } else {
                        Files.writeString(f, "x");
                    }
                } catch (IOException e) {
                    errors.add(e);
                }
            }
        }, "churn");
        // one long-lived session, established before any file exists, sees the churn throughout
        Recorder steady = Recorder.watch(w);
        try {
            writer.start();
            List<Thread> subscribers = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread s = new Thread(() -> {
                    for (int i = 0; i < 150; i++) {
                        Disposable d = w.events().subscribe(e -> { }, errors::add);
                        d.dispose();
                    }
                }, "subscriber-" + t);
                subscribers.add(s);
                s.start();
            }
            for (Thread s : subscribers) {
                s.join(60_000);
                assertThat(s.isAlive()).isFalse();
            }
            stop.set(true);
            writer.join(10_000);
            java.util.Map<Path, Boolean> view = new java.util.HashMap<>();
            for (int i = 0; i < 5; i++) {
                view.put(root.resolve("d" + i), true);
            }
            Recorder.apply(view, steady.sync(w));
            java.util.Map<Path, Boolean> disk = new java.util.HashMap<>();
            try (var walk = Files.walk(root)) {
                walk.filter(p -> !p.equals(root)).forEach(p -> disk.put(p, Files.isDirectory(p)));
            }
            assertThat(view).isEqualTo(disk);
            steady.dispose();
            assertThat(errors).isEmpty();
            assertThat(dropped).isEmpty();
            org.awaitility.Awaitility.await().pollInSameThread().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(watchedOf(tree)).isEmpty());
        } finally {
            stop.set(true);
            steady.dispose();
            reactor.core.publisher.Hooks.resetOnErrorDropped();
        }
    }

    @Test
    void syncWithoutSessionsCompletesAtOnce() {
        FileWatcher.of(root).sync().block(Duration.ofSeconds(1));
        try (var s = Files.list(root)) {
            assertThat(s.toList()).isEmpty(); // no cookie left behind
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void syncWaitsForAStalledSubscriberAndCompletesWhenDemandReturns() throws IOException {
        FileWatcher w = FileWatcher.of(root);
        Recorder held = Recorder.stalled(w, 0);
        try {
            Files.writeString(root.resolve("a"), "x");
            assertThatThrownBy(() -> w.sync().block(Duration.ofMillis(300)))
                    .hasCauseInstanceOf(TimeoutException.class);
            held.request(Long.MAX_VALUE);
            List<FileEvent> events = held.sync(w);
            assertThat(Recorder.lines(root, events)).containsExactly("CREATED a");
            try (var s = Files.list(root)) {
                assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("a");
            }
        } finally {
            held.dispose();
        }
    }

    @Test
    void syncCoversEveryRootOfTheWatcher() throws IOException {
        Path a = Files.createDirectories(root.resolve("a"));
        Path b = Files.createDirectories(root.resolve("b"));
        FileWatcher w = FileWatcher.builder().root(a).root(b).build();
        Recorder r = Recorder.watch(w);
        try {
            Files.writeString(a.resolve("1"), "x");
            Files.writeString(b.resolve("2"), "x");
            assertThat(r.sync(w)).extracting(FileEvent::path).contains(a.resolve("1"), b.resolve("2"));
        } finally {
            r.dispose();
        }
    }
}
