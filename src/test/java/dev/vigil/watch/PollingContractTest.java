package dev.vigil.watch;

import static dev.vigil.watch.FileEvent.Kind.CREATED;
import static dev.vigil.watch.FileEvent.Kind.DELETED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.crash.fixtures.Wine;
import dev.vigil.watch.internal.polling.PollingBackend;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.OS;
import reactor.test.StepVerifier;

/**
 * The backend contract on the real polling backend, chosen through the public API with a 25 ms interval: the driver
 * only changes the disk. It holds as written on file systems with file keys (inodes: every Unix); there renames are
 * paired by inode. Lost events cannot happen (each poll compares with the last listing), so there is no overflow to
 * provoke.
 *
 * <p>In a Windows JVM the JDK gives no file key ({@code BasicFileAttributes.fileKey()} is null; the NTFS file id is
 * not exposed by any public attribute view), so the two rename cases are declared as polling delivers them there:
 * {@code DELETED} plus {@code CREATED}, as on the {@code WatchService} backend.
 */
class PollingContractTest extends WatchBackendContract {

    static final Duration INTERVAL = Duration.ofMillis(25);

    @Override
    Driver driver() {
        return new DiskDriver() {
            @Override
            public FileWatcher.Builder watcher(Path root) {
                return FileWatcher.builder().root(root).backend(Backend.POLLING).pollInterval(INTERVAL);
            }

            @Override
            public void move(Path from, Path to, boolean dir) throws IOException {
                wineRetry(() -> super.move(from, to, dir));
            }

            @Override
            public void moveOut(Path from, Path to, boolean dir) throws IOException {
                wineRetry(() -> super.moveOut(from, to, dir));
            }

            @Override
            public void deleteRoot(Path root) throws IOException {
                wineRetry(() -> super.deleteRoot(root));
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
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(PollingBackend.shared().openChannels()).isZero());
            }
        };
    }

    /**
     * Runs the test's own change of a directory, retrying it for up to 2 s where it fails with a sharing violation
     * under Wine. Wine's directory listing ({@code FindFirstFile}) opens the directory without sharing deletion, so a
     * rename or deletion of that directory fails in the instant the poller enumerates it (polling keeps that instant
     * to the enumeration: PollingChannel.list). Windows' own listing shares deletion; there the change runs once.
     */
    static void wineRetry(IoAction change) throws IOException {
        if (!Wine.isRunning()) {
            change.run();
            return;
        }
        await().atMost(Duration.ofSeconds(2)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .until(() -> {
                    try {
                        change.run();
                        return true;
                    } catch (FileSystemException e) {
                        if ("Sharing violation".equals(e.getReason())) {
                            return false;
                        }
                        throw e;
                    }
                });
    }

    /** Windows: a rename is {@code DELETED} plus {@code CREATED} (no file key); across directories in either order. */
    @Test
    @Override
    void renameInADirectoryAndMoveAcrossDirectories() throws IOException {
        if (!OS.WINDOWS.isCurrentOs()) {
            super.renameInADirectoryAndMoveAcrossDirectories();
            return;
        }
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
     * Windows: a renamed directory is deleted with its content and created with its content (listed when its watch
     * is added); it keeps reporting under its new name.
     */
    @Test
    @Override
    void renamedDirectoryKeepsReportingUnderItsNewName() throws IOException {
        if (!OS.WINDOWS.isCurrentOs()) {
            super.renamedDirectoryKeepsReportingUnderItsNewName();
            return;
        }
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
}
