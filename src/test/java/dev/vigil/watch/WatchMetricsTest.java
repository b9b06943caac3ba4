package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/** WatchMetrics over a real inotify watcher, read from a SimpleMeterRegistry; synchronised with ready()/sync(). */
@EnabledOnOs(OS.LINUX)
class WatchMetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final List<Held> subscribers = new CopyOnWriteArrayList<>();

    @AfterEach
    void cancelAll() {
        subscribers.forEach(BaseSubscriber::dispose);
        registry.close();
    }

    /** A subscriber that requests only what the test asks for, and keeps what it receives. */
    static final class Held extends BaseSubscriber<FileEvent> {
        final List<FileEvent> received = new CopyOnWriteArrayList<>();
        private final long initial;

        Held(long initial) {
            this.initial = initial;
        }

        @Override
        protected void hookOnSubscribe(Subscription s) {
            if (initial > 0) {
                s.request(initial);
            }
        }

        @Override
        protected void hookOnNext(FileEvent e) {
            received.add(e);
        }
    }

    private Held subscribe(FileWatcher w, long initialDemand) {
        Held h = new Held(initialDemand);
        subscribers.add(h);
        w.events().subscribe(h);
        w.ready().block(WAIT);
        return h;
    }

    private double gauge(String name) {
        return registry.get(name).tags("watcher", "test").gauge().value();
    }

    private double counter(String name) {
        return registry.get(name).tags("watcher", "test").functionCounter().count();
    }

    private double events(FileEvent.Kind kind) {
        return registry.get("vigil.watch.events").tags("watcher", "test", "kind", kind.name().toLowerCase())
                .functionCounter().count();
    }

    private Path root() throws IOException {
        return Files.createDirectories(tmp.resolve("root"));
    }

    @Test
    void sessionsWatchesAndEventsAreCountedAndTheSessionsGoBackToZeroAfterCancel() throws IOException {
        Path root = root();
        Files.createDirectories(root.resolve("a/b"));
        FileWatcher w = FileWatcher.builder().root(root).build();
        new WatchMetrics(List.of(w), Tags.of("watcher", "test")).bindTo(registry);
        assertThat(gauge("vigil.watch.sessions")).isZero();
        assertThat(gauge("vigil.watch.native.watches")).isZero();

        Held first = subscribe(w, Long.MAX_VALUE);
        Held second = subscribe(w, Long.MAX_VALUE);
        assertThat(gauge("vigil.watch.sessions")).isEqualTo(2);
        assertThat(gauge("vigil.watch.native.watches")).as("root, a and a/b, in each of two sessions").isEqualTo(6);

        int n = 25;
        for (int i = 0; i < n; i++) {
            Files.writeString(root.resolve("a/f" + i), "x");
        }
        w.sync().block(WAIT);
        assertThat(first.received).hasSizeGreaterThanOrEqualTo(n);
        assertThat(events(FileEvent.Kind.CREATED)).as("two sessions each got %d creations", n)
                .isGreaterThanOrEqualTo(2 * n);
        long delivered = first.received.size() + second.received.size();
        double counted = 0;
        for (FileEvent.Kind k : FileEvent.Kind.values()) {
            counted += events(k);
        }
        assertThat(counted).as("every onNext counted once").isEqualTo(delivered);
        assertThat(counter("vigil.watch.overflows")).isZero();
        assertThat(gauge("vigil.watch.pending")).isZero();

        first.dispose();
        await().atMost(WAIT).until(() -> gauge("vigil.watch.sessions") == 1);
        second.dispose();
        await().atMost(WAIT).until(() -> gauge("vigil.watch.sessions") == 0);
        assertThat(gauge("vigil.watch.native.watches")).isZero();
    }

    @Test
    void pathsWaitingForDemandArePendingUntilRequested() throws IOException {
        Path root = root();
        FileWatcher w = FileWatcher.builder().root(root).build();
        new WatchMetrics(List.of(w), Tags.of("watcher", "test")).bindTo(registry);
        Held h = subscribe(w, 0);
        for (int i = 0; i < 10; i++) {
            Files.writeString(root.resolve("f" + i), "x");
        }
        w.ready().block(WAIT); // every event applied: ten distinct paths wait for demand
        assertThat(gauge("vigil.watch.pending")).isEqualTo(10);
        assertThat(events(FileEvent.Kind.CREATED)).isZero();

        h.request(Long.MAX_VALUE);
        w.sync().block(WAIT);
        assertThat(gauge("vigil.watch.pending")).isZero();
        assertThat(events(FileEvent.Kind.CREATED)).isEqualTo(10);
    }

    @Test
    void aBufferOverflowCountsAsAnOverflowThenARescan() throws IOException {
        Path root = root();
        FileWatcher w = FileWatcher.builder().root(root).maxPendingPaths(4).build();
        new WatchMetrics(List.of(w), Tags.of("watcher", "test")).bindTo(registry);
        Held h = subscribe(w, 0);
        for (int i = 0; i < 20; i++) {
            Files.writeString(root.resolve("f" + i), "x");
        }
        w.ready().block(WAIT); // applied: more than four paths waited, so they collapsed into a dirty subtree
        assertThat(counter("vigil.watch.overflows")).isGreaterThanOrEqualTo(1);
        assertThat(gauge("vigil.watch.pending")).isLessThanOrEqualTo(4);
        assertThat(counter("vigil.watch.rescans")).as("no demand yet: no rescan").isZero();

        h.request(Long.MAX_VALUE);
        w.sync().block(WAIT);
        assertThat(counter("vigil.watch.rescans")).isGreaterThanOrEqualTo(1);
        assertThat(events(FileEvent.Kind.OVERFLOW)).isGreaterThanOrEqualTo(1);
        assertThat(h.received).filteredOn(e -> e.kind() == FileEvent.Kind.CREATED).hasSize(20);
        assertThat(events(FileEvent.Kind.CREATED)).isEqualTo(20);
    }

    @Test
    void oneBinderSumsSeveralWatchers() throws IOException {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        FileWatcher wa = FileWatcher.of(a);
        FileWatcher wb = FileWatcher.of(b);
        new WatchMetrics(List.of(wa, wb), Tags.of("watcher", "test")).bindTo(registry);
        subscribe(wa, Long.MAX_VALUE);
        subscribe(wb, Long.MAX_VALUE);
        Files.writeString(a.resolve("x"), "1");
        Files.writeString(b.resolve("y"), "2");
        Files.writeString(b.resolve("z"), "3");
        wa.sync().block(WAIT);
        wb.sync().block(WAIT);
        assertThat(gauge("vigil.watch.sessions")).isEqualTo(2);
        assertThat(events(FileEvent.Kind.CREATED)).isEqualTo(3);
        wa.close();
        await().atMost(WAIT).until(() -> gauge("vigil.watch.sessions") == 1);
    }
}
