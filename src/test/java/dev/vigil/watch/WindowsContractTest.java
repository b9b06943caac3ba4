package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.crash.fixtures.Wine;
import dev.vigil.watch.internal.windows.WindowsBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import reactor.test.StepVerifier;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The backend contract on the real Windows backend (run in a Windows JVM; here, under Wine): the driver only changes the disk. */
@EnabledOnOs(OS.WINDOWS)
class WindowsContractTest extends WatchBackendContract {

    @Override
    Driver driver() {
        return new DiskDriver() {
            @Override
            public FileWatcher.Builder watcher(Path root) {
                return FileWatcher.builder().root(root);
            }

            /**
             * Under Wine, a directory deleted by a Windows process while a handle to it is open (ours) is only marked
             * for deletion, and nothing is reported until every handle closes; Windows fails the pending read. So
             * the children go as a user would delete them, and the root itself through Linux, which Wine reports.
             */
            @Override
            public void deleteRoot(Path root) throws IOException {
                if (!Wine.isRunning()) {
                    super.deleteRoot(root);
                    return;
                }
                try (Stream<Path> all = Files.list(root)) {
                    for (Path p : all.toList()) {
                        super.deleteRoot(p);
                    }
                }
                Wine.linux("/bin/rmdir", Wine.unixPath(root));
            }

            @Override
            public boolean canOverflow() {
                return false; // WindowsWatchTest provokes a real 0-byte completion
            }

            @Override
            public void overflow() {
                throw new UnsupportedOperationException();
            }

            @Override
            public void assertNoWatches() {
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(WindowsBackend.sharedOpenHandles()).isZero());
            }
        };
    }

    /**
     * On Windows the contract holds as written. Wine 8 keeps reporting a renamed directory's content under its old
     * name ({@code d\new} after {@code d} became {@code e}); the pipeline does not know {@code d} any more, so it says
     * it lost events and rescans, which reports the same changes.
     */
    @Test
    @Override
    void renamedDirectoryKeepsReportingUnderItsNewName() throws IOException {
        if (!Wine.isRunning()) {
            super.renamedDirectoryKeepsReportingUnderItsNewName();
            return;
        }
        Path dir = Files.createDirectory(root.resolve("d"));
        Files.createFile(dir.resolve("old"));
        Path e = root.resolve("e");
        StepVerifier.create(d.watcher(root).build().events())
                .then(io(() -> d.move(dir, e, true))).expectNext(renamed(dir, e, true))
                .then(io(() -> d.create(e.resolve("new"), false)))
                .expectNextMatches(ev -> ev.kind() == FileEvent.Kind.OVERFLOW && ev.path().equals(root))
                .expectNext(ev(FileEvent.Kind.CREATED, e.resolve("new"), false))
                .thenCancel()
                .verify(T);
    }
}
