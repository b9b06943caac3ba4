package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.watch.internal.polling.PollingBackend;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The backend contract on the real polling backend, chosen through the public API with a 25 ms interval: the driver
 * only changes the disk. It holds as written on file systems with file keys (inodes: every Unix); there renames are
 * paired by inode. Lost events cannot happen (each poll compares with the last listing), so there is no overflow to
 * provoke.
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
}
