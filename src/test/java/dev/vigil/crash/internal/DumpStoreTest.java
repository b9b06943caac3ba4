package dev.vigil.crash.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.crash.DumpFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention: the oldest dumps go first once the directory holds more files or bytes than allowed. */
class DumpStoreTest {

    @TempDir
    Path tmp;

    @Test
    void retentionByBytesRemovesTheOldestAndKeepsTheNewestEvenWhenItAloneIsTooBig() throws Exception {
        DumpStore store = new DumpStore(tmp.resolve("dumps"), "app", 100, 2_500,
                new RateWindow(1_000, Duration.ofMinutes(1), System::nanoTime));
        Instant t0 = Instant.parse("2026-11-27T10:00:00Z");
        List<DumpFile> written = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            written.add(store.write(DumpFile.Format.THREAD_DUMP, t0.plusSeconds(i), target -> {
                Files.write(target, new byte[1_000]);
                // distinct modification times whatever the file system's resolution: retention orders by them
                Files.setLastModifiedTime(target, FileTime.from(t0.plusSeconds(n)));
            }));
            assertThat(bytes(store.directory())).isLessThanOrEqualTo(2_500);
        }
        assertThat(names(store.directory())).containsExactly(written.get(3).path().getFileName().toString(),
                written.get(4).path().getFileName().toString());
        DumpFile big = store.write(DumpFile.Format.THREAD_DUMP, t0.plusSeconds(10), target -> {
            Files.write(target, new byte[4_000]);
            Files.setLastModifiedTime(target, FileTime.from(t0.plusSeconds(10)));
        });
        assertThat(names(store.directory())).containsExactly(big.path().getFileName().toString()); // never itself
    }

    private static long bytes(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
