package dev.vigil.examples.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.vigil.crash.CrashReporter;
import dev.vigil.crash.CrashReporterOptions;
import dev.vigil.crash.DumpFile;
import dev.vigil.watch.FileWatcher;
import dev.vigil.watch.WatchRootException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent in this JVM, over a real watcher and crash reporter, with Kafka's {@link MockProducer}. */
class FleetAgentTest {

    private static final Identity WHO = new Identity("agent-test", "localhost", ProcessHandle.current().pid());

    @TempDir
    Path tmp;
    Path dir;
    FileWatcher watcher;
    FleetAgent agent;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createDirectory(tmp.resolve("watched"));
    }

    @AfterEach
    void tearDown() {
        if (agent != null) {
            agent.close();
        }
    }

    private FleetAgent start(MockProducer<String, String> producer, int maxInFlight) throws IOException {
        CrashReporter reporter = CrashReporter.install(CrashReporterOptions.defaults()
                .withName("fleet-test")
                .withDumpDirectory(tmp.resolve("dumps"))
                .withAutomaticDumps(Set.of(DumpFile.Format.THREAD_DUMP))
                .withFlightRecorder(false));
        watcher = FileWatcher.of(dir);
        agent = FleetAgent.start(WHO, watcher, reporter, producer, maxInFlight);
        return agent;
    }

    private static MockProducer<String, String> producer(boolean autoComplete) {
        return new MockProducer<>(autoComplete, null, new StringSerializer(), new StringSerializer());
    }

    private static List<FileRecord> files(MockProducer<String, String> producer) throws JsonProcessingException {
        List<FileRecord> out = new ArrayList<>();
        for (ProducerRecord<String, String> r : producer.history()) {
            if (r.topic().equals(FleetAgent.FILE_TOPIC)) {
                assertThat(r.key()).isEqualTo(WHO.agent());
                out.add(Json.read(r.value(), FileRecord.class));
            }
        }
        return out;
    }

    @Test
    void sendsAtMostMaxInFlightRecordsAndAsksForMoreAsTheyAreAcknowledged() throws Exception {
        MockProducer<String, String> producer = producer(false);
        start(producer, 3);
        Set<Path> written = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            written.add(Files.createFile(dir.resolve("f" + i)));
        }
        // the window fills up to the bound, and no further while nothing is acknowledged
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() >= 3);
        watcher.ready().block(Duration.ofSeconds(5)); // every event of the 12 files has been read
        assertThat(producer.history()).hasSize(3);
        Set<Path> published = new HashSet<>();
        int acknowledged = 0;
        while (!published.equals(written)) {
            int done = acknowledged;
            await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() >= done + 1);
            int inFlight = producer.history().size() - acknowledged;
            assertThat(inFlight).as("records sent and not acknowledged").isBetween(1, 3);
            assertThat(producer.completeNext()).isTrue();
            acknowledged++;
            for (FileRecord r : files(producer)) {
                published.add(Path.of(r.path()));
            }
            assertThat(written).containsAll(published);
        }
        assertThat(acknowledged).as("acknowledgements needed to send 12 records 3 at a time").isGreaterThanOrEqualTo(9);
        closeAcknowledging(producer);
    }

    /** Closes the agent on another thread while acknowledging what it still sends. */
    private void closeAcknowledging(MockProducer<String, String> producer) {
        CompletableFuture<Void> closed = CompletableFuture.runAsync(agent::close);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10)).until(() -> {
            producer.completeNext();
            return closed.isDone();
        });
        closed.join();
        agent = null;
    }

    @Test
    void recordsCarryTheEvent() throws Exception {
        MockProducer<String, String> producer = producer(true);
        start(producer, 4);
        Path file = Files.writeString(dir.resolve("a.txt"), "x");
        await().atMost(Duration.ofSeconds(10)).until(() -> !files(producer).isEmpty());
        FileRecord r = files(producer).get(0);
        assertThat(r.agent()).isEqualTo("agent-test");
        assertThat(r.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(r.kind()).isEqualTo("CREATED");
        assertThat(r.path()).isEqualTo(file.toString());
        assertThat(r.root()).isEqualTo(dir.toString());
        assertThat(r.directory()).isFalse();
        assertThat(r.time()).isNotBlank();
    }

    @Test
    void publishesACrashWithItsDumpOnceTheDumpIsOnDisk() throws Exception {
        MockProducer<String, String> producer = producer(true);
        start(producer, 4);
        Thread t = new Thread(() -> {
            throw new IllegalStateException("in-process test crash");
        }, "fleet-test-crash");
        t.start();
        t.join(10_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> producer.history().stream()
                .anyMatch(r -> r.topic().equals(FleetAgent.CRASH_TOPIC)));
        ProducerRecord<String, String> sent = producer.history().stream()
                .filter(r -> r.topic().equals(FleetAgent.CRASH_TOPIC)).findFirst().orElseThrow();
        assertThat(sent.key()).isEqualTo("agent-test");
        CrashRecord c = Json.read(sent.value(), CrashRecord.class);
        assertThat(c.kind()).isEqualTo("UNCAUGHT_EXCEPTION");
        assertThat(c.source()).isEqualTo("IN_PROCESS");
        assertThat(c.thread()).isEqualTo("fleet-test-crash");
        assertThat(c.message()).contains("in-process test crash");
        assertThat(c.dumpFormat()).isEqualTo("THREAD_DUMP");
        assertThat(c.dumpError()).isNull();
        Path dump = Path.of(c.dumpPath());
        assertThat(dump).startsWith(tmp.resolve("dumps")).isRegularFile();
        assertThat(Files.size(dump)).isEqualTo(c.dumpSize()).isPositive();
    }

    @Test
    void closeReleasesTheProducerWithTheWatcher() throws Exception {
        MockProducer<String, String> producer = producer(true);
        FleetAgent a = start(producer, 4);
        Files.writeString(dir.resolve("last.txt"), "x");
        a.close();
        assertThat(producer.closed()).isTrue();
        a.done().block(Duration.ofSeconds(1)); // completed, not failed
        // close() waited for the change made before it (sync) to be published
        assertThat(files(producer)).extracting(FileRecord::path).contains(dir.resolve("last.txt").toString());
        assertThat(CrashReporter.installed()).isEmpty();
    }

    @Test
    void aFailedSendEndsTheAgentWithAnErrorNamingTheTopic() throws Exception {
        MockProducer<String, String> producer = producer(false);
        start(producer, 4);
        Files.createFile(dir.resolve("f"));
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() >= 1);
        producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("no broker"));
        assertThatThrownBy(() -> agent.done().block(Duration.ofSeconds(10)))
                .isInstanceOf(FleetException.class)
                .hasMessageContaining("vigil.file-events")
                .hasMessageContaining("agent-test")
                .hasMessageContaining("no broker");
        closeAcknowledging(producer);
    }

    @Test
    void aDirectoryThatCannotBeWatchedEndsTheAgentWithTheWatchersError() throws Exception {
        dir = tmp.resolve("missing");
        MockProducer<String, String> producer = producer(true);
        start(producer, 4);
        assertThatThrownBy(() -> agent.done().block(Duration.ofSeconds(10)))
                .hasCauseInstanceOf(WatchRootException.class) // block() wraps the checked exception
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("does not exist");
        agent.close();
        assertThat(producer.closed()).isTrue();
        assertThat(CrashReporter.installed()).isEmpty();
    }
}
