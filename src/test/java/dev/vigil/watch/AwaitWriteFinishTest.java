package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/** {@link FileWatcher.Builder#awaitWriteFinish}, for real: the machine's backend, a writer that takes its time. */
class AwaitWriteFinishTest {

    @TempDir
    Path dir;

    @Test
    void aFileWrittenSlowlyIsDeliveredOnceAsCreatedAfterTheLastWriteWithItsFinalSize() throws Exception {
        FileWatcher watcher = FileWatcher.builder().root(dir).awaitWriteFinish(Duration.ofSeconds(1), Duration.ofMillis(50))
                .build();
        List<FileEvent> events = new CopyOnWriteArrayList<>();
        List<Long> sizeOnArrival = new CopyOnWriteArrayList<>();
        AtomicLong lastWrite = new AtomicLong();
        List<Long> arrival = new CopyOnWriteArrayList<>();
        Disposable subscription = watcher.events().subscribe(e -> {
            arrival.add(System.nanoTime());
            sizeOnArrival.add(e.path().toFile().length());
            events.add(e);
        });
        try {
            watcher.ready().block(Duration.ofSeconds(30));
            Path file = dir.resolve("upload.bin");
            byte[] chunk = new byte[4096];
            try (OutputStream out = Files.newOutputStream(file)) {
                for (int i = 0; i < 20; i++) { // about a second: each pause is shorter than the stability period
                    out.write(chunk);
                    out.flush();
                    lastWrite.set(System.nanoTime());
                    TimeUnit.MILLISECONDS.sleep(50); // the writer's pace, not a wait for the watcher
                }
            }
            lastWrite.set(System.nanoTime());
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !events.isEmpty());
            assertThat(events.get(0).kind()).isEqualTo(FileEvent.Kind.CREATED);
            assertThat(events.get(0).path()).isEqualTo(file);
            assertThat(arrival.get(0)).as("delivered after the last write").isGreaterThan(lastWrite.get());
            assertThat(sizeOnArrival.get(0)).as("complete when delivered").isEqualTo(20L * chunk.length);
            // and the stage does not hold what the watcher reports afterwards any longer than it must
            Files.delete(file);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> events.stream().anyMatch(e -> e.kind() == FileEvent.Kind.DELETED));
            assertThat(events).filteredOn(e -> e.kind() == FileEvent.Kind.CREATED).hasSize(1);
        } finally {
            subscription.dispose();
        }
    }

    @Test
    void nonPositiveDurationsAreRefusedWithTheValues() {
        assertThatThrownBy(() -> FileWatcher.builder().awaitWriteFinish(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
        assertThatThrownBy(() -> FileWatcher.builder().awaitWriteFinish(Duration.ofSeconds(1), Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-0.001S");
    }
}
