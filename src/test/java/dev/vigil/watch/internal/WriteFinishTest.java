package dev.vigil.watch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileEvent.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.test.publisher.TestPublisher;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The write-finished stage in virtual time, over real files: the stability checks read real sizes and times, the
 * clock is virtual, so every expectation is exact and nothing waits.
 */
class WriteFinishTest {

    private static final Duration STABLE = Duration.ofSeconds(1);
    private static final Duration POLL = Duration.ofMillis(100);

    @TempDir
    Path dir;
    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final TestPublisher<FileEvent> upstream = TestPublisher.create();
    private final Recorder out = new Recorder();

    @AfterEach
    void tearDown() {
        time.dispose();
    }

    private void subscribe(int maxHeld, long initialDemand) {
        new WriteFinish(upstream.flux(), STABLE, POLL, maxHeld, time, time).subscribe(out);
        out.request(initialDemand);
    }

    private void subscribe() {
        subscribe(100, Long.MAX_VALUE);
    }

    private FileEvent ev(Kind kind, String name) {
        return new FileEvent(kind, dir.resolve(name), null, false, dir, Instant.EPOCH, null);
    }

    private void advance(long millis) {
        time.advanceTimeBy(Duration.ofMillis(millis));
    }

    @Test
    void aCreationIsHeldWhileTheFileChangesAndDeliveredOnceItHasBeenStable() throws IOException {
        subscribe();
        Path a = Files.writeString(dir.resolve("a"), "x");
        upstream.next(ev(Kind.CREATED, "a"));
        advance(550);
        assertThat(out.events).isEmpty();
        Files.writeString(a, "yy", StandardOpenOption.APPEND); // no event: the check sees the size change
        advance(400); // the check at 600 ms saw it: stable since then
        assertThat(out.events).isEmpty();
        upstream.next(ev(Kind.MODIFIED, "a")); // at 950 ms: restarts the period, the held kind stays
        advance(1_000);
        assertThat(out.events).isEmpty();
        advance(100); // 2.05 s: stable since 950 ms, checked twice
        assertThat(out.events).extracting(FileEvent::kind, FileEvent::path).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Kind.CREATED, a));
        advance(10_000);
        assertThat(out.events).hasSize(1);
    }

    @Test
    void aHeldCreationAndItsDeletionBothVanishAndAHeldModificationBecomesTheDeletion() throws IOException {
        subscribe();
        Files.writeString(dir.resolve("a"), "x");
        Files.writeString(dir.resolve("b"), "x");
        upstream.next(ev(Kind.CREATED, "a"), ev(Kind.MODIFIED, "b"));
        advance(300);
        Files.delete(dir.resolve("a"));
        Files.delete(dir.resolve("b"));
        advance(300); // gone: held until their deletions arrive
        upstream.next(ev(Kind.DELETED, "a"), ev(Kind.DELETED, "b"));
        advance(5_000);
        assertThat(out.events).containsExactly(ev(Kind.DELETED, "b"));
    }

    @Test
    void aRenameReleasesWhatIsHeldUnderEitherNameFirst() throws IOException {
        subscribe();
        Files.writeString(dir.resolve("part"), "x");
        Files.createDirectories(dir.resolve("d"));
        Files.writeString(dir.resolve("d/f"), "x");
        upstream.next(ev(Kind.CREATED, "part"), ev(Kind.CREATED, "d/f"), ev(Kind.CREATED, "other"));
        FileEvent publish = new FileEvent(Kind.RENAMED, dir.resolve("done"), dir.resolve("part"), false, dir,
                Instant.EPOCH, null);
        FileEvent moveDir = new FileEvent(Kind.RENAMED, dir.resolve("e"), dir.resolve("d"), true, dir, Instant.EPOCH,
                null);
        upstream.next(publish, moveDir);
        assertThat(out.events).containsExactly(ev(Kind.CREATED, "part"), publish, ev(Kind.CREATED, "d/f"), moveDir);
    }

    @Test
    void directoriesOverflowsAndUnheldDeletionsPassAtOnce() {
        subscribe();
        FileEvent dirCreated = new FileEvent(Kind.CREATED, dir.resolve("d"), null, true, dir, Instant.EPOCH, null);
        FileEvent overflow = new FileEvent(Kind.OVERFLOW, dir, null, true, dir, Instant.EPOCH, null);
        upstream.next(dirCreated, overflow, ev(Kind.DELETED, "gone"));
        assertThat(out.events).containsExactly(dirCreated, overflow, ev(Kind.DELETED, "gone"));
    }

    @Test
    void theEndOfTheStreamDeliversWhatIsHeldBeforeIt() throws IOException {
        subscribe();
        Files.writeString(dir.resolve("a"), "x");
        upstream.next(ev(Kind.CREATED, "a"));
        upstream.error(new IllegalStateException("the watch failed"));
        assertThat(out.events).containsExactly(ev(Kind.CREATED, "a"));
        assertThat(out.error).hasMessage("the watch failed");
    }

    @Test
    void upstreamIsAskedOnlyForWhatDownstreamWantsAndHeldFilesAreBounded() throws IOException {
        subscribe(2, 1);
        upstream.assertMaxRequested(1);
        for (String n : List.of("a", "b", "c")) {
            Files.writeString(dir.resolve(n), "x");
        }
        upstream.next(ev(Kind.CREATED, "a")); // held: the one wanted event is still to come
        upstream.assertMinRequested(1);
        upstream.next(ev(Kind.CREATED, "b"));
        upstream.next(ev(Kind.CREATED, "c")); // a third held file: the oldest goes early, and fills the demand
        assertThat(out.events).containsExactly(ev(Kind.CREATED, "a"));
        upstream.assertMaxRequested(0);
        advance(1_500); // b and c are released, and wait for demand
        assertThat(out.events).hasSize(1);
        upstream.assertMaxRequested(0);
        out.request(5);
        assertThat(out.events).containsExactly(ev(Kind.CREATED, "a"), ev(Kind.CREATED, "b"), ev(Kind.CREATED, "c"));
        upstream.assertMinRequested(1);
    }

    @Test
    void cancelStopsTheChecksAndDropsWhatIsHeld() throws IOException {
        subscribe();
        Files.writeString(dir.resolve("a"), "x");
        upstream.next(ev(Kind.CREATED, "a"));
        out.cancel();
        upstream.assertCancelled();
        advance(5_000);
        assertThat(out.events).isEmpty();
    }

    /** Records what it receives; requests only what the test asks for. */
    private static final class Recorder extends BaseSubscriber<FileEvent> {
        final List<FileEvent> events = new CopyOnWriteArrayList<>();
        volatile Throwable error;

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            // demand comes from the test
        }

        @Override
        protected void hookOnNext(FileEvent value) {
            events.add(value);
        }

        @Override
        protected void hookOnError(Throwable throwable) {
            error = throwable;
        }
    }
}
