package dev.vigil.watch;

import dev.vigil.watch.internal.FakeWatchBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code subscribe(consumer)} then {@code dispose()} at once, thousands of times: every session ends. Reactor's
 * lambda subscriber once lost the disposal when it raced a late {@code onSubscribe} (about once in a thousand under
 * load), leaving a session, its watches and its consumer alive.
 */
@Timeout(120)
class DisposeRaceTest {

    @TempDir
    Path tmp;

    @Test
    void disposeRightAfterSubscribeAlwaysEndsTheSession() throws Exception {
        for (int round = 0; round < 100; round++) {
            FakeWatchBackend fake = FakeWatchBackend.recursive();
            try {
                FileWatcher w = FileWatcher.builder().root(Files.createDirectory(tmp.resolve("r" + round)))
                        .backend(fake).build();
                for (int i = 0; i < 20; i++) {
                    w.events().subscribe(e -> { }).dispose();
                }
                w.ready().block(Duration.ofSeconds(10));
                fake.checkNoOpenWatches();
            } finally {
                fake.shutdown();
            }
        }
    }
}
