package dev.vigil.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.examples.Ingest.Outcome;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * {@link Ingest} on a real inbox with the machine's backend. The processor is held at a gate the test opens, so that
 * "at most K at a time" and "stop mid-way" are exact; the slowly written file is timed in virtual time, so that it is
 * complete when processed whatever the machine's pauses.
 */
class IngestTest {
    private static final Duration BOUND = Duration.ofSeconds(10);

    @TempDir
    Path inbox;

    private final Semaphore gate = new Semaphore(0);
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger maxActive = new AtomicInteger();
    private final Queue<String> started = new ConcurrentLinkedQueue<>();
    private final Map<String, String> contentSeen = new ConcurrentHashMap<>();
    private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    private final List<Disposable> runs = new ArrayList<>();

    @AfterEach
    void stop() {
        gate.release(1000);
        runs.forEach(Disposable::dispose);
    }

    private void gatedProcessor(Path file) throws Exception {
        int now = active.incrementAndGet();
        maxActive.accumulateAndGet(now, Math::max);
        started.add(file.getFileName().toString());
        contentSeen.put(file.getFileName().toString(), Files.readString(file));
        try {
            if (!gate.tryAcquire(BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the test never opened the gate");
            }
        } finally {
            active.decrementAndGet();
        }
    }

    private Ingest start(Ingest.Builder builder, AtomicBoolean completed) {
        Ingest ingest = builder.processor(this::gatedProcessor).build();
        runs.add(ingest.run().subscribe(outcomes::add, e -> { }, () -> completed.set(true)));
        ingest.ready().block(BOUND);
        return ingest;
    }

    @Test
    void everyFileIsProcessedOnceWithAtMostKAtATimeAndMovedToDone() throws Exception {
        Ingest ingest = start(Ingest.builder(inbox).concurrency(3).stability(Duration.ofMillis(100)), new AtomicBoolean());
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String name = "file-" + i + ".csv";
            names.add(name);
            if (i % 3 == 0) {
                writeInChunks(inbox.resolve(name), 4, null); // several writes, through one open stream
            } else {
                Files.writeString(inbox.resolve(name), "row " + i + "\n");
            }
        }
        await().atMost(BOUND).until(() -> started.size() == 3);
        assertThat(active.get()).isEqualTo(3);
        ingest.sync().block(BOUND);
        assertThat(started).as("the others wait for a free slot").hasSize(3);

        gate.release(1000);
        await().atMost(BOUND).until(() -> outcomes.size() == 10);
        assertThat(maxActive.get()).isEqualTo(3);
        assertThat(started).containsExactlyInAnyOrderElementsOf(names);
        assertThat(outcomes).allMatch(Outcome::succeeded)
                .extracting(Outcome::name).containsExactlyInAnyOrderElementsOf(names);
        assertThat(regularFiles(inbox)).isEmpty();
        assertThat(regularFiles(inbox.resolve("done"))).containsExactlyInAnyOrderElementsOf(names);
        for (int i = 0; i < 10; i += 3) {
            assertThat(contentSeen.get("file-" + i + ".csv")).isEqualTo("chunk 0\nchunk 1\nchunk 2\nchunk 3\n");
        }
    }

    @Test
    void aFileWrittenSlowlyInChunksIsProcessedOnceCompleteAndNotBefore() throws Exception {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        try {
            gate.release(1000);
            Ingest ingest = start(Ingest.builder(inbox).concurrency(2).stability(Duration.ofSeconds(1)).scheduler(clock),
                    new AtomicBoolean());
            Path file = inbox.resolve("slow.bin");
            writeInChunks(file, 5, ingest); // the watcher sees each chunk; virtual time stands still meanwhile
            ingest.sync().block(BOUND);
            assertThat(started).as("not stable yet: no virtual time has passed").isEmpty();

            await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> {
                clock.advanceTimeBy(Duration.ofMillis(100));
                return outcomes.size() == 1;
            });
            assertThat(contentSeen.get("slow.bin")).isEqualTo("chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n");
            assertThat(started).containsExactly("slow.bin");
            assertThat(outcomes.get(0).movedTo()).isEqualTo(inbox.resolve("done/slow.bin"));
        } finally {
            clock.dispose();
        }
    }

    @Test
    void aStopMidWayThenARestartNeitherLosesNorRepeatsAFileAndTakesThoseDroppedMeanwhile() throws Exception {
        AtomicBoolean firstCompleted = new AtomicBoolean();
        Ingest first = start(Ingest.builder(inbox).concurrency(2).stability(Duration.ofMillis(100)), firstCompleted);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            names.add("a-" + i + ".csv");
            Files.writeString(inbox.resolve("a-" + i + ".csv"), "row " + i + "\n");
        }
        await().atMost(BOUND).until(() -> started.size() == 2);
        first.stop();
        gate.release(2); // the two in progress finish, and are moved
        await().atMost(BOUND).untilTrue(firstCompleted);
        assertThat(outcomes).extracting(Outcome::name).containsExactlyInAnyOrderElementsOf(List.copyOf(started));
        assertThat(regularFiles(inbox.resolve("done"))).hasSize(2);
        assertThat(regularFiles(inbox)).hasSize(4);

        for (int i = 0; i < 2; i++) { // dropped while nothing runs
            names.add("b-" + i + ".csv");
            Files.writeString(inbox.resolve("b-" + i + ".csv"), "late " + i + "\n");
        }
        gate.release(1000);
        start(Ingest.builder(inbox).concurrency(2).stability(Duration.ofMillis(100)), new AtomicBoolean());
        await().atMost(BOUND).until(() -> outcomes.size() == 8);
        assertThat(started).as("each file processed exactly once across the two runs")
                .containsExactlyInAnyOrderElementsOf(names);
        assertThat(regularFiles(inbox)).isEmpty();
        assertThat(regularFiles(inbox.resolve("done"))).containsExactlyInAnyOrderElementsOf(names);
    }

    @Test
    void aFileWhoseProcessingFailsIsMovedToFailedWithTheError() throws Exception {
        Ingest ingest = Ingest.builder(inbox).stability(Duration.ofMillis(50)).processor(f -> {
            if (f.getFileName().toString().startsWith("bad")) {
                throw new IllegalArgumentException("not a CSV: " + f.getFileName());
            }
        }).build();
        runs.add(ingest.run().subscribe(outcomes::add));
        ingest.ready().block(BOUND);
        Files.writeString(inbox.resolve("bad.txt"), "?");
        Files.writeString(inbox.resolve("good.csv"), "1\n");
        await().atMost(BOUND).until(() -> outcomes.size() == 2);
        Map<String, Outcome> byName = outcomes.stream().collect(Collectors.toMap(Outcome::name, o -> o));
        assertThat(byName.get("bad.txt").failure()).hasMessage("not a CSV: bad.txt");
        assertThat(byName.get("bad.txt").movedTo()).isEqualTo(inbox.resolve("failed/bad.txt"));
        assertThat(byName.get("good.csv").succeeded()).isTrue();
        assertThat(byName.get("good.csv").movedTo()).isEqualTo(inbox.resolve("done/good.csv"));
    }

    /** Writes {@code chunks} lines through one open stream, waiting for the watcher between writes when given one. */
    private static void writeInChunks(Path file, int chunks, Ingest ingest) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < chunks; i++) {
                out.write(("chunk " + i + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (ingest != null) {
                    ingest.sync().block(BOUND);
                }
            }
        }
    }

    private static List<String> regularFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).collect(Collectors.toList());
        }
    }

    @Test
    void theDemoProcessesEveryFileOnceAcrossItsRestart() throws Exception {
        assertThat(printedBy(Ingest::main)).filteredOn(l -> l.contains(" -> done/"))
                .containsExactlyInAnyOrder("a.csv -> done/a.csv", "b.csv -> done/b.csv", "slow.csv -> done/slow.csv",
                        "c.csv -> done/c.csv", "d.csv -> done/d.csv");
    }

    /** Runs {@code main} with its standard output captured, and returns the lines it printed, stripped. */
    static java.util.List<String> printedBy(DemoMain main) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream was = System.out;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            main.run(new String[0]);
        } finally {
            System.setOut(was);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8).lines().map(String::strip).toList();
    }

    /** A program's {@code main}. */
    interface DemoMain {
        void run(String[] args) throws Exception;
    }
}
