package dev.vigil.examples.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The fleet's one reader: consumes {@value FleetAgent#FILE_TOPIC} and {@value FleetAgent#CRASH_TOPIC} and keeps,
 * per agent, the count of file events by kind, the last {@value #RECENT} file events, the count of crashes and the
 * latest crash.
 *
 * <p>One consumer on one thread of its own ({@code vigil-fleet-aggregator}), started by {@link #start} and ended by
 * {@link #close()}. {@link #snapshot()} may be called from any thread. A record that is not valid JSON of the
 * topic's type is counted in {@link Snapshot#malformed()} and skipped; a consumer failure ends the thread and is
 * kept in {@link #failure()}.
 */
public final class FleetAggregator implements AutoCloseable {

    /** How many recent file events are kept per agent. */
    public static final int RECENT = 100;

    /** What the aggregator knows about one agent. */
    public record Agent(String agent, Map<String, Long> fileEvents, List<FileRecord> recentFiles, long crashes,
                        Optional<CrashRecord> latestCrash) {
    }

    /**
     * What the aggregator knows, at one moment.
     *
     * @param agents    per agent, by name
     * @param records   every record read so far
     * @param malformed records skipped because they could not be read
     */
    public record Snapshot(Map<String, Agent> agents, long records, long malformed) {

        /** The agent of that name, if any record of it was read. */
        public Optional<Agent> agent(String name) {
            return Optional.ofNullable(agents.get(name));
        }
    }

    /** Mutable per-agent state; guarded by the aggregator's lock. */
    private static final class State {
        final Map<String, Long> fileEvents = new TreeMap<>();
        final ArrayDeque<FileRecord> recent = new ArrayDeque<>();
        long crashes;
        CrashRecord latestCrash;
    }

    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private final Map<String, State> agents = new TreeMap<>(); // guarded by this
    private long records; // guarded by this
    private long malformed; // guarded by this
    private volatile Throwable failure;
    private volatile boolean closing;

    private FleetAggregator(KafkaConsumer<String, String> consumer) {
        this.consumer = consumer;
        this.thread = new Thread(this::run, "vigil-fleet-aggregator");
        this.thread.setDaemon(true);
    }

    /**
     * Starts consuming both topics from their beginning (for a new consumer group) on a thread of its own.
     *
     * @param bootstrapServers the brokers, {@code host:port[,host:port]}
     * @param groupId          the consumer group; aggregators of one group share the partitions
     */
    public static FleetAggregator start(String bootstrapServers, String groupId) {
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, groupId,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.CLIENT_ID_CONFIG, "vigil-fleet-aggregator"),
                new StringDeserializer(), new StringDeserializer());
        FleetAggregator aggregator = new FleetAggregator(consumer);
        consumer.subscribe(List.of(FleetAgent.FILE_TOPIC, FleetAgent.CRASH_TOPIC));
        aggregator.thread.start();
        return aggregator;
    }

    /**
     * Creates the two topics with {@code partitions} partitions each (records of one agent stay in order: they
     * share a key), unless they exist. Waits up to 30 s.
     *
     * @throws FleetException when the brokers do not answer, or refuse
     */
    public static void createTopics(String bootstrapServers, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            for (String topic : List.of(FleetAgent.FILE_TOPIC, FleetAgent.CRASH_TOPIC)) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())))
                            .all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new FleetException("could not create topic " + topic + " at " + bootstrapServers
                                + ": " + e.getCause() + "; create it with kafka-topics.sh --create", e.getCause());
                    }
                }
            }
        } catch (TimeoutException e) {
            throw new FleetException("the brokers at " + bootstrapServers + " did not answer within 30 s: are they "
                    + "running, and is that their address?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FleetException("interrupted while creating the fleet's topics at " + bootstrapServers, e);
        }
    }

    /** What has been read so far. */
    public synchronized Snapshot snapshot() {
        Map<String, Agent> view = new TreeMap<>();
        agents.forEach((name, s) -> view.put(name, new Agent(name, Map.copyOf(s.fileEvents),
                List.copyOf(s.recent), s.crashes, Optional.ofNullable(s.latestCrash))));
        return new Snapshot(Map.copyOf(view), records, malformed);
    }

    /** Why the consumer stopped before {@link #close()}, if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** The snapshot as text: one block per agent. */
    public String summary() {
        Snapshot s = snapshot();
        StringBuilder out = new StringBuilder("fleet: " + s.agents().size() + " agents, " + s.records() + " records"
                + (s.malformed() > 0 ? ", " + s.malformed() + " malformed" : "") + "\n");
        for (Agent a : s.agents().values()) {
            out.append("  ").append(a.agent()).append(": file events ").append(new TreeMap<>(a.fileEvents()))
                    .append(", crashes ").append(a.crashes()).append('\n');
            if (!a.recentFiles().isEmpty()) {
                FileRecord last = a.recentFiles().get(a.recentFiles().size() - 1);
                out.append("    last change: ").append(last.kind()).append(' ').append(last.path()).append('\n');
            }
            a.latestCrash().ifPresent(c -> out.append("    latest crash: ").append(c.kind()).append(" on ")
                    .append(c.thread()).append(": ").append(c.message()).append(" (").append(c.time()).append(")\n")
                    .append("      dump: ").append(c.dumpPath() != null
                            ? c.dumpPath() + " (" + c.dumpSize() + " bytes)" : "none: " + c.dumpError())
                    .append('\n'));
        }
        return out.toString();
    }

    /** Stops consuming and closes the consumer; waits up to 10 s for its thread. Idempotent. */
    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            while (!closing) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofSeconds(1))) {
                    apply(r.topic(), r.value());
                }
            }
        } catch (WakeupException e) {
            // close() woke the poll: the normal end
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    private synchronized void apply(String topic, String value) {
        records++;
        try {
            if (FleetAgent.FILE_TOPIC.equals(topic)) {
                FileRecord f = Json.read(value, FileRecord.class);
                if (f.agent() == null || f.kind() == null) {
                    malformed++;
                    return;
                }
                State s = agents.computeIfAbsent(f.agent(), k -> new State());
                s.fileEvents.merge(f.kind(), 1L, Long::sum);
                if (s.recent.size() == RECENT) {
                    s.recent.removeFirst();
                }
                s.recent.addLast(f);
            } else {
                CrashRecord c = Json.read(value, CrashRecord.class);
                if (c.agent() == null || c.kind() == null) {
                    malformed++;
                    return;
                }
                State s = agents.computeIfAbsent(c.agent(), k -> new State());
                s.crashes++;
                s.latestCrash = c;
            }
        } catch (JsonProcessingException e) {
            malformed++;
        }
    }

    /**
     * Runs an aggregator until interrupted (Ctrl-C), printing the summary when it changed, at most every
     * {@code --every} seconds: {@code FleetAggregator --bootstrap HOST:PORT [--group NAME] [--every SECONDS]
     * [--partitions N]}. Creates the topics first if they do not exist.
     */
    public static void main(String[] args) throws InterruptedException {
        Map<String, String> opts = Args.parse(args, Set.of("--bootstrap", "--group", "--every", "--partitions"),
                Set.of("--bootstrap"),
                "FleetAggregator --bootstrap HOST:PORT [--group NAME] [--every SECONDS] [--partitions N]");
        String bootstrap = opts.get("--bootstrap");
        createTopics(bootstrap, Integer.parseInt(opts.getOrDefault("--partitions", "3")));
        FleetAggregator aggregator = start(bootstrap, opts.getOrDefault("--group", "vigil-fleet"));
        Runtime.getRuntime().addShutdownHook(new Thread(aggregator::close, "vigil-fleet-aggregator-close"));
        long every = Long.parseLong(opts.getOrDefault("--every", "5"));
        long printed = -1;
        while (aggregator.failure().isEmpty()) {
            long seen = aggregator.snapshot().records();
            if (seen != printed) {
                System.out.print(aggregator.summary());
                System.out.flush();
                printed = seen;
            }
            Thread.sleep(TimeUnit.SECONDS.toMillis(every)); // the printing period of a console program, not a wait
        }
        System.err.println("fleet aggregator failed: " + aggregator.failure().get());
        System.exit(2);
    }
}
