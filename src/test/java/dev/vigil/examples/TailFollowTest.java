package dev.vigil.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/** {@link TailFollow} on real files with the machine's backend: exact line sequences, demand held back. */
class TailFollowTest {
    private static final Duration BOUND = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void appendedLinesArriveWholeAndAPartialLastLineWaitsForItsNewline() {
        Path log = dir.resolve("app.log");
        TailFollow tail = TailFollow.of(log).fromStart();
        StepVerifier.create(tail.lines())
                .then(() -> tail.ready().block(BOUND))
                .then(() -> append(log, "one\ntwo\r\nthr"))
                .expectNext("one", "two")
                .then(() -> append(log, "ee\n"))
                .expectNext("three")
                .then(() -> append(log, "é ü\n\n"))
                .expectNext("é ü", "")
                .thenCancel()
                .verify(BOUND);
    }

    @Test
    void byDefaultOnlyLinesAppendedAfterTheStartAreRead() {
        Path log = dir.resolve("app.log");
        append(log, "old 1\nold 2\n");
        TailFollow tail = TailFollow.of(log);
        StepVerifier.create(tail.lines())
                .then(() -> tail.ready().block(BOUND))
                .then(() -> append(log, "new\n"))
                .expectNext("new")
                .thenCancel()
                .verify(BOUND);
    }

    @Test
    void rotationByRenameAndCreateReadsTheRestOfTheOldFileFirstWhileDemandIsWithheld() {
        Path log = dir.resolve("app.log");
        append(log, "1\n2\n");
        TailFollow tail = TailFollow.of(log).fromStart();
        StepVerifier.create(tail.lines(), 0)
                .then(() -> tail.ready().block(BOUND))
                .thenRequest(1)
                .expectNext("1")
                .then(() -> {
                    // no demand: nothing of this is read until the request below
                    append(log, "3\n");
                    move(log, dir.resolve("app.log.1"));
                    append(dir.resolve("app.log.1"), "4 (late, to the renamed file)\n");
                    append(log, "5\n6\n");
                    tail.sync().block(BOUND);
                })
                .thenRequest(Long.MAX_VALUE)
                .expectNext("2", "3", "4 (late, to the renamed file)", "5", "6")
                .then(() -> {
                    move(log, dir.resolve("app.log.2"));
                    append(log, "7\n");
                })
                .expectNext("7")
                .thenCancel()
                .verify(BOUND);
    }

    @Test
    void aFileCreatedAfterTheStartIsReadFromItsFirstLine() {
        Path log = dir.resolve("later.log");
        TailFollow tail = TailFollow.of(log);
        StepVerifier.create(tail.lines())
                .then(() -> tail.ready().block(BOUND))
                .then(() -> append(log, "first\nsecond\n"))
                .expectNext("first", "second")
                .thenCancel()
                .verify(BOUND);
    }

    @Test
    void aTruncationRestartsAtTheStartEvenWhenTheNewContentIsLongerThanTheOld() {
        Path log = dir.resolve("app.log");
        TailFollow tail = TailFollow.of(log).fromStart();
        StepVerifier.create(tail.lines())
                .then(() -> tail.ready().block(BOUND))
                .then(() -> append(log, "a\nb\n"))
                .expectNext("a", "b")
                .then(() -> {
                    truncate(log); // copytruncate: the copy is someone else's business
                    tail.sync().block(BOUND);
                    append(log, "c\n");
                })
                .expectNext("c")
                .then(() -> {
                    truncate(log);
                    tail.sync().block(BOUND);
                    append(log, "a line longer than everything read so far\n");
                })
                .expectNext("a line longer than everything read so far")
                .thenCancel()
                .verify(BOUND);
    }

    @Test
    void aSlowSubscriberGetsExactlyWhatItRequestsAndEveryLineInOrder() {
        Path log = dir.resolve("app.log");
        List<String> expected = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 20_000; i++) { // about 300 KB: many reads of the 8 KiB buffer
            String line = "line " + i + " " + "x".repeat(i % 17);
            expected.add(line);
            text.append(line).append('\n');
        }
        append(log, text.toString());
        TailFollow tail = TailFollow.of(log).fromStart();
        StepVerifier.create(tail.lines(), 0)
                .then(() -> tail.ready().block(BOUND))
                .thenRequest(3)
                .expectNextSequence(expected.subList(0, 3))
                .then(() -> append(log, "tail end\n"))
                .thenRequest(Long.MAX_VALUE)
                .expectNextSequence(expected.subList(3, expected.size()))
                .expectNext("tail end")
                .thenCancel()
                .verify(BOUND);
    }

    @Test
    void aLineLongerThanTheLimitFailsTheStreamNamingTheFile() {
        Path log = dir.resolve("app.log");
        append(log, "short\n" + "x".repeat(40) + "\n");
        StepVerifier.create(TailFollow.of(log).fromStart().maxLineBytes(16).lines())
                .expectNext("short")
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(TailFollow.LineTooLongException.class)
                        .hasMessageContaining(log.toString())
                        .hasMessageContaining("16 bytes")
                        .hasMessageContaining("maxLineBytes"))
                .verify(BOUND);
    }

    private static void append(Path file, String text) {
        try {
            Files.writeString(file, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void truncate(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(0);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theDemoPrintsEveryLineOnceInOrderAcrossRotationAndTruncation() throws Exception {
        assertThat(IngestTest.printedBy(TailFollow::main))
                .filteredOn(l -> l.startsWith("line: ") || l.startsWith("(no line"))
                .containsExactly("line: started", "line: listening on :8080", "line: half a line",
                        "line: last line of the old file", "line: written late to the old file",
                        "line: first line of the new file", "line: after truncation");
    }
}
