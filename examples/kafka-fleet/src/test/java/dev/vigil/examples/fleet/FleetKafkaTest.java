package dev.vigil.examples.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.examples.fleet.FleetAggregator.Agent;
import dev.vigil.examples.fleet.LocalFleet.Child;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
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

    static LocalFleet fleet;

    @TempDir
    Path tmp;
    FleetAggregator aggregator;

    @BeforeAll
    static void startBroker() throws Exception {
        fleet = LocalFleet.start(2);
    }

    @AfterAll
    static void stopBroker() throws java.io.IOException {
        if (fleet != null) {
            fleet.close();
        }
    }

    @AfterEach
    void stopAggregator() {
        if (aggregator != null) {
            aggregator.close();
        }
    }

    private Set<String> paths(String agent, String kind) {
        return aggregator.snapshot().agent(agent).map(Agent::recentFiles).orElse(List.of()).stream()
                .filter(f -> f.kind().equals(kind)).map(FileRecord::path).collect(Collectors.toSet());
    }

    @Test
    void theAggregatorSeesEveryFileEventOfEveryAgentAndTheCrashWithItsDump() throws Exception {
        aggregator = FleetAggregator.start(fleet.bootstrapServers(), "fleet-test");
        Child a = fleet.launch("agent-a", tmp, WAIT);
        Child b = fleet.launch("agent-b", tmp, WAIT);

        Set<String> writtenA = new HashSet<>();
        Set<String> writtenB = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            writtenA.add(Files.writeString(a.dir().resolve("a" + i + ".log"), "line " + i + "\n").toString());
            writtenB.add(Files.writeString(b.dir().resolve("b" + i + ".log"), "line " + i + "\n").toString());
        }
        a.tell("crash disk full on agent-a");

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

        // the end of standard input (agent-b) or SIGTERM, as Ctrl-C sends (agent-a; Process.destroy() also closes its
        // input, so both ways race there), stops an agent: it publishes the changes made before, closes the producer
        // and exits
        Path lastA = Files.writeString(a.dir().resolve("last.log"), "bye\n");
        Path lastB = Files.writeString(b.dir().resolve("last.log"), "bye\n");
        a.process().destroy();
        assertThat(a.process().waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("agent-a exited on SIGTERM").isTrue();
        assertThat(a.process().exitValue()).as("exit status of agent-a; stderr:%n%s", a.errors()).isEqualTo(143);
        assertThat(b.stop(WAIT)).as("exit status of agent-b; stderr:%n%s", b.errors()).isZero();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(paths("agent-a", "CREATED")).as("agent-a; stderr:%n%s", a.errors()).contains(lastA.toString());
            assertThat(paths("agent-b", "CREATED")).contains(lastB.toString());
        });
    }
}
