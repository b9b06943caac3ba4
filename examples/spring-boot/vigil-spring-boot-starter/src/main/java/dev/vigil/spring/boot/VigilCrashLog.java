package dev.vigil.spring.boot;

import dev.vigil.crash.CrashEvent;
import dev.vigil.crash.CrashReporter;
import dev.vigil.crash.DumpFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The recent crash events of the application's {@link CrashReporter}, with their dump files, for the {@code vigil}
 * endpoint; each event is also logged at {@code ERROR} (category {@code dev.vigil.crash}). Keeps the last
 * {@code vigil.crash.recent-events}; subscribes from construction until {@link #close()}.
 */
public final class VigilCrashLog implements AutoCloseable {

    private static final Log LOG = LogFactory.getLog("dev.vigil.crash");

    private final CrashReporter reporter;
    private final int capacity;
    private final Deque<Entry> recent = new ArrayDeque<>(); // guarded by itself
    private final Disposable subscription;

    VigilCrashLog(CrashReporter reporter, int capacity) {
        this.reporter = reporter;
        this.capacity = Math.max(1, capacity);
        this.subscription = reporter.events().subscribe(this::record);
    }

    /**
     * One crash event as listed by the endpoint.
     *
     * @param event the event
     * @param dumps its dump files as they are written (the files its process left, its primary dump and its automatic
     *              dumps)
     * @param dumpErrors why a dump could not be written, one line each
     */
    public record Entry(CrashEvent event, List<DumpFile> dumps, List<String> dumpErrors) {
    }

    /** The recent events, the most recently published first (a fatal event is published after its dump). */
    public List<Entry> recent() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }

    /** The crash reporter whose events these are. */
    public CrashReporter reporter() {
        return reporter;
    }

    /**
     * The files in the dump directory, newest first (at most {@code limit}); empty when the directory is missing.
     *
     * @throws IOException when the directory cannot be listed
     */
    public List<Path> dumpFiles(int limit) throws IOException {
        Path dir = reporter.dumpDirectory();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile)
                    .sorted(Comparator.comparing(VigilCrashLog::modified).reversed())
                    .limit(limit)
                    .toList();
        }
    }

    private static Instant modified(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).lastModifiedTime().toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    private void record(CrashEvent event) {
        LOG.error("Vigil crash event " + event.kind() + " (" + event.source() + ", thread "
                + event.thread().orElse("-") + "): " + event.message(), event.throwable().orElse(null));
        List<DumpFile> dumps = new CopyOnWriteArrayList<>(event.artifacts());
        List<String> errors = new CopyOnWriteArrayList<>();
        synchronized (recent) {
            recent.addFirst(new Entry(event, dumps, errors));
            while (recent.size() > capacity) {
                recent.removeLast();
            }
        }
        if (event.kind() == CrashEvent.Kind.SUPPRESSED) {
            return;
        }
        Set<Mono<DumpFile>> wanted = new LinkedHashSet<>();
        wanted.add(event.dump());
        if (event.source() == CrashEvent.Source.IN_PROCESS) {
            reporter.options().automaticDumps(event.kind()).forEach(f -> wanted.add(event.dump(f)));
        }
        // each Mono is cached by the event: subscribing to an automatic dump only waits for the file being written
        Flux.concat(new ArrayList<>(wanted).stream()
                        .map(m -> m.doOnError(e -> errors.add(e.getClass().getSimpleName() + ": " + e.getMessage()))
                                .onErrorResume(e -> Mono.empty()))
                        .toList())
                .filter(d -> !dumps.contains(d))
                .subscribe(dumps::add);
    }

    /** Stops recording. */
    @Override
    public void close() {
        subscription.dispose();
    }
}
