package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The backend contract on the real inotify backend: the driver only changes the disk. */
@EnabledOnOs(OS.LINUX)
class LinuxInotifyContractTest extends WatchBackendContract {

    @Override
    Driver driver() {
        return new Driver() {
            final int watchesBefore = watches();

            @Override
            public FileWatcher.Builder watcher(Path root) {
                return FileWatcher.builder().root(root);
            }

            @Override
            public void create(Path p, boolean dir) throws IOException {
                if (dir) {
                    Files.createDirectory(p);
                } else {
                    Files.createFile(p);
                }
            }

            @Override
            public void modify(Path p) throws IOException {
                Files.writeString(p, "x", java.nio.file.StandardOpenOption.APPEND); // one write: one modification
            }

            @Override
            public void delete(Path p, boolean dir) throws IOException {
                Files.delete(p);
            }

            @Override
            public void move(Path from, Path to, boolean dir) throws IOException {
                Files.move(from, to);
            }

            @Override
            public void moveOut(Path from, Path to, boolean dir) throws IOException {
                Files.move(from, to);
            }

            @Override
            public void moveIn(Path from, Path to, boolean dir) throws IOException {
                Files.move(from, to);
            }

            @Override
            public void deleteRoot(Path root) throws IOException {
                try (Stream<Path> all = Files.walk(root)) {
                    for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
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
