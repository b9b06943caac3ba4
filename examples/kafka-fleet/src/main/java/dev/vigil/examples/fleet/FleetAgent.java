package dev.vigil.examples.fleet;

import dev.vigil.crash.CrashEvent;
import dev.vigil.crash.CrashReporter;
import dev.vigil.crash.CrashReporterOptions;
import dev.vigil.crash.DumpFile;
import dev.vigil.watch.FileWatcher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * One member of the fleet: publishes the file events of a {@link FileWatcher} and the crash events of a
 * {@link CrashReporter} of this process to Kafka, as JSON records keyed by the process ({@link Identity#agent()}):
 * {@link FileRecord}s to {@value #FILE_TOPIC} and {@link CrashRecord}s to {@value #CRASH_TOPIC}.
 *
 * <ul>
 *   <li><b>Backpressure.</b> At most {@code maxInFlight} records per topic are sent and not yet acknowledged: the
 *       streams ask the watcher and the reporter for more only as sends complete, so a slow or absent broker makes
 *       the watcher merge changes in its bounded buffer instead of queueing records without bound.</li>
 *   <li><b>Crashes</b> are published once their dump is on disk (its path and size are in the record), or with
 *       the reason there is none. The reporter's thread (possibly a dying one) only hands the event over.</li>
 *   <li><b>Ownership.</b> The agent owns the watcher, the reporter handle and the producer it is given, and
 *       {@link #close()} releases all three.</li>
 *   <li><b>Failure.</b> A record that cannot be sent (after the producer's own retries) ends both streams;
 *       {@link #done()} then fails with a {@link FleetException} naming the record, the topic and the cause.</li>
 * </ul>
 */
public final class FleetAgent implements AutoCloseable {

    /** The topic of {@link FileRecord}s. */
    public static final String FILE_TOPIC = "vigil.file-events";
    /** The topic of {@link CrashRecord}s. */
    public static final String CRASH_TOPIC = "vigil.crash-events";
    /** Default bound on records sent per topic and not yet acknowledged by the broker. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 64;

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final Identity identity;
    private final FileWatcher watcher;
    private final CrashReporter reporter;
    private final Producer<String, String> producer;
    private final Mono<Void> done;
    private final Disposable running;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<Void> released = new CompletableFuture<>();

    private FleetAgent(Identity identity, FileWatcher watcher, CrashReporter reporter,
                       Producer<String, String> producer, int maxInFlight) {
        this.identity = identity;
        this.watcher = watcher;
        this.reporter = reporter;
        this.producer = producer;
        Mono<Void> files = watcher.events()
                .map(e -> FileRecord.of(identity, e))
                .flatMap(r -> send(FILE_TOPIC, r, r.path()), maxInFlight)
                .then();
        Mono<Void> crashes = reporter.events()
                .publishOn(Schedulers.boundedElastic()) // the reporting thread (maybe a dying one) only hands over
                .concatMap(this::withDump)
                .flatMap(r -> send(CRASH_TOPIC, r, r.kind() + " on " + r.thread()), maxInFlight)
                .then();
        this.done = Mono.when(files, crashes).cache();
        this.running = done.subscribe(null, e -> { }); // the failure is kept for done(); this only starts the streams
    }

    /**
     * Starts publishing, and returns once the watcher is watching: every change made after this returns is
     * published.
     *
     * @param identity    the key and origin of every record
     * @param watcher     the watcher whose events are published; owned by the agent from now on
     * @param reporter    a crash reporter handle whose events are published; owned by the agent from now on
     * @param producer    where records go; owned by the agent from now on
     * @param maxInFlight how many records per topic may be sent and not yet acknowledged, at least 1
     * @return the running agent
     * @throws FleetException when the watcher is not watching within 30 seconds (the agent is closed); a session
     *                        that fails to start (a missing root) does not throw here: {@link #done()} fails with
     *                        the watcher's error
     */
    public static FleetAgent start(Identity identity, FileWatcher watcher, CrashReporter reporter,
                                   Producer<String, String> producer, int maxInFlight) {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(watcher, "watcher");
        Objects.requireNonNull(reporter, "reporter");
        Objects.requireNonNull(producer, "producer");
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, was " + maxInFlight);
        }
        FleetAgent agent = new FleetAgent(identity, watcher, reporter, producer, maxInFlight);
        try {
            watcher.ready().block(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            agent.close();
            throw new FleetException("the watcher of " + watcher.roots() + " was not watching within 30 s: "
                    + e.getMessage() + "; check that the directories exist and can be read", e);
        }
        return agent;
    }

    /** A producer for {@code bootstrapServers} with string keys and values, all replicas acknowledging. */
    public static Producer<String, String> producer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000,    // a broker that never answers fails a send in 15 s
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.CLIENT_ID_CONFIG, "vigil-fleet-agent"),
                new StringSerializer(), new StringSerializer());
    }

    /** Who this agent publishes as. */
    public Identity identity() {
        return identity;
    }

    /**
     * Completes when both streams have ended (after {@link #close()}), or fails with the {@link FleetException}
     * that ended them.
     */
    public Mono<Void> done() {
        return done;
    }

    /**
     * Publishes what is pending and releases everything: waits up to 5 s for the changes made before this call to
     * be published, closes the watcher and the reporter handle (their streams complete), waits up to 10 s for the
     * records in flight to be acknowledged, then closes the producer. Idempotent: a call while another is under way
     * returns when that one is done.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            // a second caller (the shutdown hook while main closes at the end of its input) returns only once the
            // first is done, or the JVM could exit with records still in flight; bounded, as the first close is
            released.join();
            return;
        }
        try {
            watcher.sync().timeout(Duration.ofSeconds(5)).onErrorComplete().block();
            watcher.close();
            reporter.close();
            done.timeout(CLOSE_TIMEOUT).onErrorComplete().block();
        } finally {
            try {
                running.dispose();
                producer.close(CLOSE_TIMEOUT);
            } finally {
                released.complete(null);
            }
        }
    }

    private Mono<CrashRecord> withDump(CrashEvent e) {
        return e.dump()
                .map(dump -> CrashRecord.of(identity, e, dump))
                .onErrorResume(why -> Mono.just(CrashRecord.withoutDump(identity, e, why)));
    }

    private Mono<RecordMetadata> send(String topic, Object record, String what) {
        String json = Json.write(record);
        return Mono.<RecordMetadata>create(sink -> producer.send(new ProducerRecord<>(topic, identity.agent(), json),
                        (metadata, error) -> {
                            if (error != null) {
                                sink.error(error);
                            } else {
                                sink.success(metadata);
                            }
                        }))
                .onErrorMap(error -> new FleetException("could not publish " + what + " of " + identity.agent()
                        + " to topic " + topic + ": " + error + "; check that the brokers are reachable and that "
                        + "the topic exists (FleetAggregator creates it)", error));
    }

    /**
     * Runs an agent until its standard input ends or the JVM is asked to stop (Ctrl-C): {@code FleetAgent --bootstrap HOST:PORT --dir DIR
     * [--dumps DIR] [--id NAME] [--max-in-flight N]}. Prints {@code ready <id>} once watching. A line {@code crash
     * MESSAGE} on standard input makes a thread die of an uncaught exception with that message (a demo crash).
     */
    public static void main(String[] args) throws IOException {
        Map<String, String> opts = Args.parse(args, Set.of("--bootstrap", "--dir", "--dumps", "--id",
                "--max-in-flight"), Set.of("--bootstrap", "--dir"),
                "FleetAgent --bootstrap HOST:PORT --dir DIR [--dumps DIR] [--id NAME] [--max-in-flight N]");
        Path dir = Path.of(opts.get("--dir")).toAbsolutePath();
        Path dumps = Path.of(opts.getOrDefault("--dumps", dir.resolveSibling(dir.getFileName() + "-dumps")
                .toString())).toAbsolutePath();
        Identity identity = Identity.current(opts.get("--id"));
        CrashReporter reporter = CrashReporter.install(CrashReporterOptions.defaults()
                .withName("fleet")
                .withDumpDirectory(dumps)
                // a thread dump per event; no flight recording, which costs ~1 MB per event and a second at start
                .withAutomaticDumps(Set.of(DumpFile.Format.THREAD_DUMP))
                .withFlightRecorder(false));
        FleetAgent agent = start(identity, FileWatcher.of(dir), reporter, producer(opts.get("--bootstrap")),
                Integer.parseInt(opts.getOrDefault("--max-in-flight", String.valueOf(DEFAULT_MAX_IN_FLIGHT))));
        agent.done().subscribe(null, e -> {
            if (!agent.closed.get()) { // a send cut short by close() is no failure of the agent
                System.err.println("fleet agent " + identity.agent() + " failed: " + e.getMessage());
                System.exit(2);
            }
        });
        // Ctrl-C (SIGTERM) closes the agent too: what is in flight is still acknowledged before the JVM exits
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "vigil-fleet-agent-close"));
        System.out.println("ready " + identity.agent());
        System.out.flush();
        try (agent; BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("crash ")) {
                    String message = line.substring("crash ".length());
                    Thread t = new Thread(() -> {
                        throw new IllegalStateException(message);
                    }, "fleet-demo-crash");
                    t.start();
                }
            }
        }
    }
}
