package dev.vigil.watch;

import static dev.vigil.watch.FileEvent.Kind.CREATED;
import static dev.vigil.watch.FileEvent.Kind.DELETED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.crash.fixtures.Wine;
import dev.vigil.watch.internal.jdk.JdkWatchServiceBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * The backend contract on the JDK {@code WatchService} backend, chosen through the public API: the driver only changes
 * the disk. The JDK reports a rename as a deletion and a creation, with nothing to pair them by, so the two rename
 * cases are declared here as that backend delivers them; the rest holds as written. A lost event (the JDK's
 * {@code OVERFLOW}) is not provoked cheaply.
 *
 * <p>In a Windows JVM the JDK keeps one directory handle per key (shared for deletion). On Windows, deleting a watched
 * directory fails the JDK's pending read, which cancels the key: the root's deletion is reported as written. Under
 * Wine the read never completes (the deletion stays pending until the handle closes), so there the root case checks
 * only that cancelling releases the handle.
 */
class WatchServiceContractTest extends WatchBackendContract {

    @Override
    Driver driver() {
        return new DiskDriver() {
            @Override
            public FileWatcher.Builder watcher(Path root) {
                return FileWatcher.builder().root(root).backend(Backend.WATCH_SERVICE);
            }

            @Override
            public boolean canOverflow() {
                return false;
            }

            @Override
            public void overflow() {
                throw new UnsupportedOperationException();
            }

            @Override
            public void assertNoWatches() {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(JdkWatchServiceBackend.shared().openChannels()).isZero();
                    assertThat(JdkWatchServiceBackend.shared().registeredKeys()).isZero();
                });
            }
        };
    }

    /** A rename is {@code DELETED} plus {@code CREATED}; across directories the two keys may come in either order. */
    @Test
    @Override
    void renameInADirectoryAndMoveAcrossDirectories() throws IOException {
        Path x = Files.createDirectory(root.resolve("x"));
        Path y = Files.createDirectory(root.resolve("y"));
        Path a = x.resolve("a");
        Path b = x.resolve("b");
        StepVerifier.create(d.watcher(root).build().events())
                .then(io(() -> d.create(a, false))).expectNext(ev(CREATED, a, false))
                .then(io(() -> d.move(a, b, false))).expectNext(ev(DELETED, a, false), ev(CREATED, b, false))
                .then(io(() -> d.move(b, y.resolve("b"), false)))
                .recordWith(ArrayList::new).expectNextCount(2)
                .consumeRecordedWith(evs -> assertThat(evs)
                        .containsExactlyInAnyOrder(ev(DELETED, b, false), ev(CREATED, y.resolve("b"), false)))
                .thenCancel()
                .verify(T);
    }

    /**
     * A renamed directory is deleted with its content and created with its content (the new name's content is
     * listed when it is registered); it keeps reporting under its new name.
     */
    @Test
    @Override
    void renamedDirectoryKeepsReportingUnderItsNewName() throws IOException {
        Path dir = Files.createDirectory(root.resolve("d"));
        Files.createFile(dir.resolve("old"));
        Path e = root.resolve("e");
        StepVerifier.create(d.watcher(root).build().events())
                .then(io(() -> d.move(dir, e, true)))
                .expectNext(ev(DELETED, dir.resolve("old"), false), ev(DELETED, dir, true), ev(CREATED, e, true),
                        ev(CREATED, e.resolve("old"), false))
                .then(io(() -> d.create(e.resolve("new"), false))).expectNext(ev(CREATED, e.resolve("new"), false))
                .then(io(() -> d.delete(e.resolve("old"), false))).expectNext(ev(DELETED, e.resolve("old"), false))
                .thenCancel()
                .verify(T);
    }

    /**
     * Under Wine (not Windows) a deleted root is never reported: Wine keeps the deleted directory, pending, until the
     * key's handle closes, and fails no read (README, "Windows, and what Wine cannot show"). Cancelling must close
     * it, which completes the deletion.
     */
    @Test
    @Override
    void rootDeletedIsReportedThenTheStreamCompletes() {
        if (!Wine.isRunning()) {
            super.rootDeletedIsReportedThenTheStreamCompletes();
            return;
        }
        StepVerifier.create(d.watcher(root).build().events())
                .then(io(() -> d.deleteRoot(root)))
                .thenCancel()
                .verify(T);
        await().atMost(T).until(() -> !Files.exists(root));
    }
}
