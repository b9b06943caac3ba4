package dev.vigil.watch.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileEvent.Kind;
import dev.vigil.watch.OverflowStrategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Schedulers;

/** The session's own hand-over bound: what it cannot queue is never silently lost. */
class WatchSessionTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(30)
    void moreEventsThanTheSessionCanQueueBecomeAnOverflowAndAResync() throws Exception {
        FakeWatchBackend fake = new FakeWatchBackend();
        AtomicInteger drains = new AtomicInteger();
        List<Throwable> failures = new ArrayList<>();
        WatchSpec spec = new WatchSpec(List.of(dir), true, PathFilter.ALL, true, 1 << 20, OverflowStrategy.RESYNC,
                WatchSpec.DEFAULT_RENAME_WINDOW, null);
        WatchSession session = new WatchSession(spec, Schedulers.parallel(), new WatchSession.Downstream() {
            @Override
            public void drain() {
                drains.incrementAndGet();
            }

            @Override
            public void fail(Throwable error) {
                failures.add(error);
            }

            @Override
            public void rootsGone() {
            }
        });
        try {
            CompletableFuture<Void> established = new CompletableFuture<>();
            session.executor.execute(() -> {
                try {
                    session.establish(root -> Backends.Selection.of(fake));
                    established.complete(null);
                } catch (Throwable t) {
                    established.completeExceptionally(t);
                }
            });
            established.get(10, TimeUnit.SECONDS);
            Object key = fake.watchedKeys().get(0);

            // the session's queue is held up; the reader keeps handing over more than the bound
            CountDownLatch release = new CountDownLatch(1);
            session.executor.execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Files.createFile(dir.resolve("real"));
            List<RawEvent> flood = new ArrayList<>();
            for (int i = 0; i <= WatchSession.MAX_QUEUED_EVENTS; i++) {
                flood.add(new RawEvent(key, RawEvent.RawKind.CREATED, "ghost" + i, false, 0));
            }
            RawEventListener reader = session.sources.all().get(0); // what the fake's reader thread calls
            reader.onEvents(List.of(new RawEvent(key, RawEvent.RawKind.CREATED, "real", false, 0)));
            reader.onEvents(flood); // over the bound: dropped, and the loss recorded
            release.countDown();

            await().atMost(Duration.ofSeconds(10)).until(session::dirtyPending);
            // nothing of the dropped batch was taken for true; what was queued before it is under the rescan too
            List<Runnable> passed = new ArrayList<>();
            assertThat(session.buffer.poll(passed)).isNull();
            session.requestRescan();
            await().atMost(Duration.ofSeconds(10)).until(() -> !session.dirtyPending());
            List<FileEvent> out = new ArrayList<>();
            for (FileEvent e; (e = session.buffer.poll(passed)) != null;) {
                out.add(e);
            }
            assertThat(out).first().satisfies(e -> {
                assertThat(e.kind()).isEqualTo(Kind.OVERFLOW);
                assertThat(e.path()).isEqualTo(dir);
                assertThat(e.cause()).hasValueSatisfying(c -> assertThat(c).hasMessageContaining("could not keep up"));
            });
            assertThat(out).extracting(FileEvent::kind, FileEvent::path)
                    .contains(org.assertj.core.groups.Tuple.tuple(Kind.CREATED, dir.resolve("real")))
                    .noneMatch(t -> t.toList().get(1).toString().contains("ghost"));
            assertThat(failures).isEmpty();
            assertThat(drains.get()).isPositive();
        } finally {
            session.close().forEach(Runnable::run);
            fake.checkNoOpenWatches();
            fake.shutdown();
        }
    }
}
