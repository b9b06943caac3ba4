package dev.vigil.crash.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.crash.DumpFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention: the oldest dumps go first once the directory holds more files or bytes than allowed. Failures: nothing
 * is left behind, and a file-system cause is named with what to do.
 */
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

    @Test
    void aWriterFailingHalfwayLeavesNothingAndItsErrorIsPassedOnAsItIs() throws Exception {
        DumpStore store = new DumpStore(tmp.resolve("dumps"), "app", 100, Long.MAX_VALUE,
                new RateWindow(1_000, Duration.ofMinutes(1), System::nanoTime));
        IOException own = new IOException("the recording could not be copied");
        assertThatThrownBy(() -> store.write(DumpFile.Format.FLIGHT_RECORDING, Instant.now(), target -> {
            Files.write(target, new byte[10_000]);
            throw own;
        })).isSameAs(own);
        assertThat(names(store.directory())).as("no dump name, no temporary file").isEmpty();
    }

    @Test
    void aDeletedDirectoryIsNamedWithWhatToDoAndNotRecreated() throws Exception {
        DumpStore store = new DumpStore(tmp.resolve("dumps"), "app", 100, Long.MAX_VALUE,
                new RateWindow(1_000, Duration.ofMinutes(1), System::nanoTime));
        Files.delete(store.directory());
        assertThatThrownBy(() -> store.write(DumpFile.Format.THREAD_DUMP, Instant.now(),
                target -> Files.writeString(target, "dump", StandardOpenOption.CREATE_NEW)))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageStartingWith(store.directory() + ": could not write a THREAD_DUMP dump in the dump "
                        + "directory (NoSuchFileException: " + store.directory().resolve(".vigil-tmp-"))
                .hasMessageEndingWith(".tdump): it no longer exists (was it deleted while the reporter ran?); create it "
                        + "again, or close every CrashReporter handle and install again, which creates it")
                .hasCauseInstanceOf(NoSuchFileException.class);
        assertThat(store.directory()).doesNotExist();
    }

    @Test
    void aFileThatCannotBeClaimedStaysWhereItWasFound() throws Exception {
        DumpStore store = new DumpStore(tmp.resolve("dumps"), "app", 100, Long.MAX_VALUE,
                new RateWindow(1_000, Duration.ofMinutes(1), System::nanoTime));
        Path report = Files.writeString(tmp.resolve("hs_err_pid4242.log"), "# A fatal error has been detected");
        Files.delete(store.directory());
        assertThatThrownBy(() -> store.claim(report, DumpFile.Format.HS_ERR, Instant.now()))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageStartingWith(store.directory() + ": could not move " + report + " into the dump directory")
                .hasMessageContaining("it no longer exists");
        assertThat(report).hasContent("# A fatal error has been detected");
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
