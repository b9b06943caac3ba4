package dev.vigil.examples.fleet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A fleet on one machine, for the test and the demo: a real KRaft broker (controller and broker in one node) in this
 * JVM with the fleet's topics, and agent JVMs started on this JVM's class path. {@link #close()} stops the agents
 * still running (forcibly) and the broker.
 */
final class LocalFleet implements AutoCloseable {

    /** One agent JVM: its process, its standard input, where its standard error goes, what it watches. */
    record Child(String id, Process process, Writer stdin, Path stderr, Path dir, Path dumps) {

        /** What the agent wrote on standard error so far. */
        String errors() {
            try {
                return Files.readString(stderr);
            } catch (IOException e) {
                return "(stderr unreadable: " + e + ")";
            }
        }

        /** Sends a line to the agent's standard input ({@code crash MESSAGE} makes a thread die). */
        void tell(String line) throws IOException {
            stdin.write(line + "\n");
            stdin.flush();
        }

        /** Ends the agent's standard input, which stops it; waits for it to exit and returns its exit status. */
        int stop(Duration timeout) throws IOException, InterruptedException {
            stdin.close();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(id + " did not exit within " + timeout + "; stderr:\n" + errors());
            }
            return process.exitValue();
        }
    }

    private final KafkaClusterTestKit cluster;
    private final List<Child> children = new ArrayList<>();

    private LocalFleet(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Starts the broker and creates the topics ({@code partitions} each). */
    static LocalFleet start(int partitions) throws Exception {
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
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
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            FleetAggregator.createTopics(cluster.bootstrapServers(), partitions);
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
        return new LocalFleet(cluster);
    }

    String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /**
     * Starts an agent JVM watching {@code work/<id>} with its dumps in {@code work/<id>-dumps}, and returns once it
     * printed that it is watching (at most {@code timeout}).
     */
    Child launch(String id, Path work, Duration timeout) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(work.resolve(id));
        Path dumps = work.resolve(id + "-dumps");
        Path stderr = work.resolve(id + ".stderr");
        // surefire puts the test class path in this property (java.class.path may be a manifest-only jar)
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", classPath, FleetAgent.class.getName(),
                "--bootstrap", bootstrapServers(), "--dir", dir.toString(), "--dumps", dumps.toString(), "--id", id)
                .redirectError(stderr.toFile())
                .start();
        Child child = new Child(id, p, new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8), stderr,
                dir, dumps);
        children.add(child);
        String first = firstLine(child, timeout);
        if (!first.equals("ready " + id)) {
            throw new AssertionError(id + " printed '" + first + "' instead of 'ready " + id + "'; stderr:\n"
                    + child.errors());
        }
        return child;
    }

    /** The first line the child prints; the rest of its output is drained on a daemon thread. */
    private static String firstLine(Child c, Duration timeout) throws InterruptedException {
        CompletableFuture<String> first = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(c.process().getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    first.complete(line);
                }
                first.complete("(end of output, exit status " + c.process().waitFor() + ")");
            } catch (IOException | InterruptedException e) {
                first.completeExceptionally(e);
            }
        }, "stdout-" + c.id());
        reader.setDaemon(true);
        reader.start();
        try {
            return first.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(c.id() + " printed nothing within " + timeout + "; stderr:\n" + c.errors(), e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("cannot read the output of " + c.id(), e.getCause());
        }
    }

    @Override
    public void close() throws IOException {
        for (Child c : children) {
            c.process().destroyForcibly();
        }
        try {
            for (Child c : children) {
                c.process().waitFor(10, TimeUnit.SECONDS);
            }
            cluster.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IOException("could not stop the broker at " + bootstrapServers(), e);
        }
    }
}
