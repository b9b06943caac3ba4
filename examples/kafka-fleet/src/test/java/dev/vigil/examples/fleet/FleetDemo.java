package dev.vigil.examples.fleet;

import dev.vigil.examples.fleet.LocalFleet.Child;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The fleet on one machine, for a first look: starts a KRaft broker in this JVM, the aggregator, and two agent JVMs
 * watching temp directories; writes a few files in each, makes one agent's thread die of an uncaught exception, and
 * prints the aggregator's summary. Run it with
 * {@code mvn -B -ntp -q -f examples/kafka-fleet/pom.xml test-compile exec:exec@fleet-demo}.
 */
public final class FleetDemo {
    private FleetDemo() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("vigil-fleet-demo");
        Duration wait = Duration.ofSeconds(60);
        System.out.println("starting a KRaft broker in this JVM ...");
        try (LocalFleet fleet = LocalFleet.start(2);
             FleetAggregator aggregator = FleetAggregator.start(fleet.bootstrapServers(), "fleet-demo")) {
            System.out.println("broker at " + fleet.bootstrapServers() + "; starting two agents in " + work);
            List<Child> agents = List.of(fleet.launch("web-1", work, wait), fleet.launch("batch-1", work, wait));
            for (Child c : agents) {
                System.out.println(c.id() + " (pid " + c.process().pid() + ") watches " + c.dir());
                for (int i = 0; i < 3; i++) {
                    Files.writeString(c.dir().resolve(c.id() + "-" + i + ".log"), "hello\n");
                }
            }
            agents.get(1).tell("crash the nightly batch ran out of patience");
            Instant deadline = Instant.now().plus(wait);
            while (aggregator.snapshot().agent("batch-1").flatMap(FleetAggregator.Agent::latestCrash).isEmpty()
                    || aggregator.snapshot().records() < 7) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("the aggregator did not see the demo's events within " + wait
                            + ":\n" + aggregator.summary());
                }
                Thread.sleep(100); // a console demo polling its own summary, not a test
            }
            for (Child c : agents) {
                System.out.println(c.id() + " stopped with status " + c.stop(wait));
            }
            System.out.print(aggregator.summary());
        }
    }
}
