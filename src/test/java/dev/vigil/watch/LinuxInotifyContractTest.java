package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The backend contract on the real inotify backend: the driver only changes the disk. */
@EnabledOnOs(OS.LINUX)
class LinuxInotifyContractTest extends WatchBackendContract {

    @Override
    Driver driver() {
        return new DiskDriver() {
            final int watchesBefore = watches();

            @Override
            public FileWatcher.Builder watcher(Path root) {
                return FileWatcher.builder().root(root);
            }

            @Override
            public boolean canOverflow() {
                return false; // LinuxOverflowTest provokes a real IN_Q_OVERFLOW
            }

            @Override
            public void overflow() {
                throw new UnsupportedOperationException();
            }

            @Override
            public void assertNoWatches() {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(watches()).isEqualTo(watchesBefore));
            }
        };
    }

    private static int watches() {
        try {
            return InotifyProbe.watchedInodes().size();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
