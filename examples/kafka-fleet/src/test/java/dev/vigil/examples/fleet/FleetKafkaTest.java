package dev.vigil.examples.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.examples.fleet.FleetAggregator.Agent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet end to end: a real KRaft broker in this JVM, two agents in child JVMs (each watching its own directory,
 * with its own crash reporter), and the aggregator in this JVM.
 */
class FleetKafkaTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    static KafkaClusterTestKit cluster;
    static String bootstrap;

    @TempDir
    Path tmp;
    final List<Child> children = new ArrayList<>();
    FleetAggregator aggregator;

    /** One agent JVM: its process, its standard input, and where its standard error goes. */
    record Child(String id, Process process, Writer stdin, Path stderr, Path dir, Path dumps) {
        String errors() {
            try {
                return Files.readString(stderr);
            } catch (IOException e) {
                return "(stderr unreadable: " + e + ")";
            }
        }
    }

    @BeforeAll
    static void startBroker() throws Exception {
        long t0 = System.nanoTime();
        cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .build())
                // one broker: the internal topics get one replica, and a group starts without waiting for others
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        bootstrap = cluster.bootstrapServers();
        FleetAggregator.createTopics(bootstrap, 2);
        System.err.println("broker " + bootstrap + " ready in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void stopFleet() {
        for (Child c : children) {
            c.process().destroyForcibly();
        }
        if (aggregator != null) {
            aggregator.close();
        }
    }

    /** Starts an agent JVM on this test's class path and returns once it printed that it is watching. */
    private Child launch(String id) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve(id));
        Path dumps = tmp.resolve(id + "-dumps");
        Path stderr = tmp.resolve(id + ".stderr");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", classPath, FleetAgent.class.getName(),
                "--bootstrap", bootstrap, "--dir", dir.toString(), "--dumps", dumps.toString(), "--id", id)
                .redirectError(stderr.toFile())
                .start();
        Child child = new Child(id, p, new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8),
                stderr, dir, dumps);
        children.add(child);
        return child;
    }

    /** Waits (bounded) for the child's {@code ready} line; its further output is drained. */
    private static void awaitReady(Child c) throws Exception {
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(c.process().getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    ready.complete(line);
                }
                ready.complete("(end of output)");
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
        }, "stdout-" + c.id());
        reader.setDaemon(true);
        reader.start();
        String line;
        try {
            line = ready.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(c.id() + " printed nothing within " + WAIT + "; stderr:\n" + c.errors(), e);
        }
        assertThat(line).as("first line of %s; stderr:%n%s", c.id(), c.errors()).isEqualTo("ready " + c.id());
    }

    private Set<String> paths(String agent, String kind) {
        return aggregator.snapshot().agent(agent).map(Agent::recentFiles).orElse(List.of()).stream()
                .filter(f -> f.kind().equals(kind)).map(FileRecord::path).collect(Collectors.toSet());
    }

    @Test
    void theAggregatorSeesEveryFileEventOfEveryAgentAndTheCrashWithItsDump() throws Exception {
        aggregator = FleetAggregator.start(bootstrap, "fleet-test");
        Child a = launch("agent-a");
        Child b = launch("agent-b");
        awaitReady(a);
        awaitReady(b);

        Set<String> writtenA = new java.util.HashSet<>();
        Set<String> writtenB = new java.util.HashSet<>();
        for (int i = 0; i < 5; i++) {
            writtenA.add(Files.writeString(a.dir().resolve("a" + i + ".log"), "line " + i + "\n").toString());
            writtenB.add(Files.writeString(b.dir().resolve("b" + i + ".log"), "line " + i + "\n").toString());
        }
        a.stdin().write("crash disk full on agent-a\n");
        a.stdin().flush();

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(aggregator.failure()).isEmpty();
            assertThat(paths("agent-a", "CREATED")).as("agent-a; stderr:%n%s", a.errors()).isEqualTo(writtenA);
            assertThat(paths("agent-b", "CREATED")).as("agent-b; stderr:%n%s", b.errors()).isEqualTo(writtenB);
            assertThat(aggregator.snapshot().agent("agent-a").flatMap(Agent::latestCrash)).isPresent();
        });

        FleetAggregator.Snapshot s = aggregator.snapshot();
        for (Child c : List.of(a, b)) {
            Agent agent = s.agent(c.id()).orElseThrow();
            assertThat(agent.fileEvents()).containsEntry("CREATED", 5L);
            assertThat(agent.recentFiles()).allSatisfy(f -> {
                assertThat(f.agent()).isEqualTo(c.id());
                assertThat(f.pid()).isEqualTo(c.process().pid());
                assertThat(f.root()).isEqualTo(c.dir().toString());
            });
        }
        assertThat(s.malformed()).isZero();

        CrashRecord crash = s.agent("agent-a").orElseThrow().latestCrash().orElseThrow();
        assertThat(crash.kind()).isEqualTo("UNCAUGHT_EXCEPTION");
        assertThat(crash.pid()).isEqualTo(a.process().pid());
        assertThat(crash.thread()).isEqualTo("fleet-demo-crash");
        assertThat(crash.message()).contains("disk full on agent-a");
        assertThat(crash.dumpFormat()).isEqualTo("THREAD_DUMP");
        Path dump = Path.of(crash.dumpPath());
        assertThat(dump).startsWith(a.dumps()).isRegularFile();
        assertThat(Files.size(dump)).isEqualTo(crash.dumpSize()).isPositive();
        assertThat(Files.readString(dump)).contains("fleet-demo-crash");
        assertThat(s.agent("agent-b").orElseThrow().crashes()).isZero();
        assertThat(aggregator.summary()).contains("agent-a", "agent-b", "latest crash: UNCAUGHT_EXCEPTION",
                dump.toString());

        // the end of standard input stops an agent: it publishes what is pending, closes the producer and exits 0
        Files.writeString(b.dir().resolve("last.log"), "bye\n");
        for (Child c : List.of(a, b)) {
            c.stdin().close();
            assertThat(c.process().waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as(c.id() + " exited").isTrue();
            assertThat(c.process().exitValue()).as("exit status of %s; stderr:%n%s", c.id(), c.errors()).isZero();
        }
        await().atMost(WAIT).until(() -> paths("agent-b", "CREATED").contains(b.dir().resolve("last.log").toString()));
    }
}
