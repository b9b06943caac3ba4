package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** {@link FileWatcher#ready()}: the readiness of plain subscribers, and the read barrier of virtual-time tests. */
@EnabledOnOs(OS.LINUX)
class LinuxReadyTest {

    @TempDir
    Path tmp;

    /**
     * A move out of the tree is a first half that waits for the rename window: after {@code ready()} it has been read
     * (so nothing is delivered yet, and nothing expired), and advancing virtual time by the window turns it into
     * {@code DELETED}. No sleep anywhere.
     */
    @RepeatedTest(20)
    @Timeout(20)
    void virtualTimeRenameWindowWithoutSleeping() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path a = Files.createFile(root.resolve("a"));
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        FileWatcher w = FileWatcher.builder().root(root).scheduler(vts).renameWindow(Duration.ofSeconds(5)).build();
        StepVerifier.create(w.events())
                .then(() -> {
                    move(a, outside.resolve("a"));
                    w.ready().block(Duration.ofSeconds(5));
                    vts.advanceTimeBy(Duration.ofSeconds(4)); // still inside the window
                })
                .then(() -> w.ready().block(Duration.ofSeconds(5)))
                .expectNoEvent(Duration.ZERO)
                .then(() -> vts.advanceTimeBy(Duration.ofSeconds(1)))
                .expectNext(new FileEvent(FileEvent.Kind.DELETED, a, null, false, root, Instant.EPOCH, null))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    @Timeout(20)
    void aPlainSubscriberWaitsForReadyThenMissesNothing() throws Exception {
        FileWatcher w = FileWatcher.of(tmp);
        List<FileEvent> seen = new CopyOnWriteArrayList<>();
        Disposable d = w.events().subscribe(seen::add);
        try {
            w.ready().block(Duration.ofSeconds(10));
            Path f = Files.createFile(tmp.resolve("f"));
            w.sync().block(Duration.ofSeconds(10));
            assertThat(seen).containsExactly(new FileEvent(FileEvent.Kind.CREATED, f, null, false, tmp, Instant.EPOCH,
                    null));
        } finally {
            d.dispose();
        }
    }

    @Test
    void readyCompletesAtOnceWithoutSessions() {
        FileWatcher.of(tmp).ready().block(Duration.ofSeconds(1));
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
