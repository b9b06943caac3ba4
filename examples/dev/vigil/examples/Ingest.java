package dev.vigil.examples;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileWatcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Ingestion: files dropped in an inbox are processed with bounded concurrency once completely written, then moved to
 * {@code done/} (or {@code failed/} when processing throws).
 *
 * <p>What it shows:
 * <ul>
 *   <li><b>Complete files only</b>: {@link FileWatcher.Builder#awaitWriteFinish(Duration)} holds a file's events
 *       until its size and modification time have stayed the same for {@link Builder#stability(Duration)}; a file
 *       written under a temporary name and renamed into the inbox is complete at its rename.</li>
 *   <li><b>Bounded concurrency</b>: at most {@link Builder#concurrency(int)} files are processed at a time
 *       ({@code flatMap(.., k)} on {@link Schedulers#boundedElastic()}); the watcher's bounded buffer holds the
 *       backlog (merged per path; beyond its bound, an {@code OVERFLOW} relists the inbox).</li>
 *   <li><b>Restart without loss or repeat</b>, by a <b>startup listing</b>, not the watcher's state file: the inbox
 *       <em>is</em> the state. A file in the inbox has not been processed; it leaves the inbox (moved to
 *       {@code done/}, one atomic rename in the same file system) right after its processing succeeds. So at each
 *       start, once the watch is established, the inbox is listed and every file in it is processed (once it is
 *       stable, like a live one). The state file ({@link FileWatcher.Builder#stateFile(Path)}) would tell what
 *       <em>changed</em> since the last run, but that is not the question here (a file processed and moved is a
 *       change too), it cannot be combined with {@code awaitWriteFinish} (the builder refuses: held events would be
 *       saved as received), and it would be a second record that can disagree with the inbox.</li>
 *   <li>A file is claimed before it is processed, so the listing and the live events never process one file twice;
 *       a claimed file that is no longer in the inbox when its turn comes (renamed away, already done) is
 *       skipped.</li>
 *   <li><b>Stopping</b>: {@link #stop()} takes no new file, lets the files in progress finish and be moved, then
 *       completes {@link #run()}. The guarantee: each file dropped is processed once, whether it arrives while running
 *       or while stopped. The exception is a process killed, or a {@code run()} cancelled, in the instant between the
 *       end of a file's processing and its move: that file is processed again at the next start (at least once),
 *       so processing should be idempotent or record what it did in the same transaction.</li>
 * </ul>
 * Subdirectories and hidden files (a name starting with {@code .}) of the inbox are not processed.
 *
 * <p>Run it: {@code mvn -q -B -ntp test-compile exec:java@ingest} (a scene in a temporary inbox: files written slowly,
 * a stop and a restart with files dropped in between).
 */
public final class Ingest {

    /**
     * What happens to one file.
     */
    @FunctionalInterface
    public interface Processor {
        /** Processes {@code file} (in the inbox); throwing moves it to {@code failed/} instead of {@code done/}. */
        void process(Path file) throws Exception;
    }

    /**
     * One file handled.
     *
     * @param name the file's name in the inbox
     * @param movedTo where it is now: in {@code done/}, or in {@code failed/} when {@code failure} is set
     * @param failure what the processor threw, or null
     */
    public record Outcome(String name, Path movedTo, Throwable failure) {
        /** Whether the processor succeeded. */
        public boolean succeeded() {
            return failure == null;
        }
    }

    private final Path inbox;
    private final Path done;
    private final Path failed;
    private final int concurrency;
    private final Duration stability;
    private final Scheduler timer;
    private final Processor processor;
    private final FileWatcher watcher;
    private final Set<Path> claimed = ConcurrentHashMap.newKeySet();
    private final Sinks.Empty<Void> stop = Sinks.empty();

    private Ingest(Builder b) {
        this.inbox = b.inbox;
        this.done = inbox.resolve("done");
        this.failed = inbox.resolve("failed");
        this.concurrency = b.concurrency;
        this.stability = b.stability;
        this.timer = b.timer;
        this.processor = Objects.requireNonNull(b.processor, "processor: call Builder.processor(..)");
        this.watcher = FileWatcher.builder().root(inbox).recursive(false).awaitWriteFinish(stability)
                .scheduler(timer).build();
    }

    /** An ingestion of {@code inbox}; see {@link Builder} for the options. */
    public static Builder builder(Path inbox) {
        return new Builder(inbox);
    }

    /**
     * Runs the ingestion: creates {@code done/} and {@code failed/}, watches the inbox, lists it once the watch is
     * established, and processes every complete file, emitting one {@link Outcome} per file. Subscribe once per
     * {@code Ingest}; completes after {@link #stop()} once the files in progress are done; fails when the inbox
     * cannot be watched or a file cannot be moved. Cancelling abandons the files in progress (see the class
     * documentation).
     */
    public Flux<Outcome> run() {
        return Flux.defer(() -> {
            try {
                Files.createDirectories(done);
                Files.createDirectories(failed);
            } catch (IOException e) {
                return Flux.error(new UncheckedIOException("cannot create " + done + " and " + failed + ": " + e, e));
            }
            Flux<Path> live = watcher.events().concatMap(e -> e.kind() == FileEvent.Kind.OVERFLOW
                    ? Flux.defer(this::listing).subscribeOn(Schedulers.boundedElastic()) // events were lost: the inbox says what is left to do
                    : e.isDirectory() || e.kind() == FileEvent.Kind.DELETED ? Flux.empty() : Flux.just(e.path()), 1);
            Flux<Path> atStart = Mono.defer(watcher::ready).publishOn(Schedulers.boundedElastic())
                    .thenMany(Flux.defer(this::listing));
            return Flux.merge(1, live, atStart)
                    .takeUntilOther(stop.asMono())
                    .filter(f -> f.getParent().equals(inbox) && !f.getFileName().toString().startsWith(".")
                            && claimed.add(f))
                    .flatMap(this::handle, concurrency);
        });
    }

    /** Takes no new file; {@link #run()} completes once the files in progress are processed and moved. */
    public void stop() {
        stop.tryEmitEmpty();
    }

    /** Completes once the inbox is watched: a file dropped afterwards is seen live. */
    public Mono<Void> ready() {
        return Mono.defer(watcher::ready);
    }

    /**
     * A barrier: completes once every change made in the inbox before it has been seen, up to the wait for stability
     * (a file written before it and then left alone is processed after {@link Builder#stability(Duration)}). It
     * needs demand: while every slot is busy the watcher's events wait, and so does this barrier; bound it.
     */
    public Mono<Void> sync() {
        return Mono.defer(watcher::sync);
    }

    /** The regular files in the inbox now, each once it is stable. */
    private Flux<Path> listing() {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(inbox)) {
            for (Path f : entries) {
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    files.add(f);
                }
            }
        } catch (IOException e) {
            return Flux.error(new UncheckedIOException("cannot list the inbox " + inbox + ": " + e, e));
        }
        return Flux.fromIterable(files).flatMap(f -> whenStable(f, signature(f)));
    }

    /** {@code file} once two reads {@code stability} apart agree; empty if it goes away. */
    private Mono<Path> whenStable(Path file, List<Object> before) {
        if (before == null) {
            return Mono.empty();
        }
        return Mono.delay(stability, timer).publishOn(Schedulers.boundedElastic()).flatMap(t -> {
            List<Object> now = signature(file);
            return before.equals(now) ? Mono.just(file) : whenStable(file, now);
        });
    }

    private static List<Object> signature(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return List.of(a.size(), a.lastModifiedTime());
        } catch (IOException gone) {
            return null;
        }
    }

    /** Processes a claimed file and moves it; the claim is released once it has left the inbox. */
    private Mono<Outcome> handle(Path file) {
        return Mono.fromCallable(() -> {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return null; // gone meanwhile (renamed away, or handled under an earlier claim): nothing to do
            }
            Throwable failure = null;
            try {
                processor.process(file);
            } catch (Exception e) {
                failure = e;
            }
            Path to = moveAside(file, failure == null ? done : failed);
            return new Outcome(file.getFileName().toString(), to, failure);
        }).subscribeOn(Schedulers.boundedElastic()).doFinally(s -> claimed.remove(file));
    }

    /** Moves {@code file} into {@code dir} atomically, under its name or, when that is taken, a unique variant. */
    private static Path moveAside(Path file, Path dir) throws IOException {
        String name = file.getFileName().toString();
        Path target = dir.resolve(name);
        for (int attempt = 0; ; attempt++) {
            try {
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new FileAlreadyExistsException(target.toString());
                }
                return Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException taken) {
                if (attempt == 100) {
                    throw taken;
                }
                target = dir.resolve(name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            } catch (NoSuchFileException e) {
                throw new NoSuchFileException(file.toString(), target.toString(),
                        "the file left the inbox while it was being processed");
            }
        }
    }

    /** Options of an {@link Ingest}. */
    public static final class Builder {
        private final Path inbox;
        private int concurrency = 4;
        private Duration stability = Duration.ofMillis(500);
        private Scheduler timer = Schedulers.parallel();
        private Processor processor;

        private Builder(Path inbox) {
            this.inbox = Objects.requireNonNull(inbox, "inbox").toAbsolutePath().normalize();
        }

        /** At most this many files are processed at a time (default 4). */
        public Builder concurrency(int k) {
            if (k < 1) {
                throw new IllegalArgumentException("concurrency must be at least 1, was " + k);
            }
            this.concurrency = k;
            return this;
        }

        /** How long a file's size and modification time must stay the same before it is processed (default 0.5 s). */
        public Builder stability(Duration stability) {
            if (stability.isNegative() || stability.isZero()) {
                throw new IllegalArgumentException("stability must be positive, was " + stability);
            }
            this.stability = stability;
            return this;
        }

        /** The scheduler that times the stability checks (default {@link Schedulers#parallel()}). */
        public Builder scheduler(Scheduler timer) {
            this.timer = Objects.requireNonNull(timer, "timer");
            return this;
        }

        /** What to do with each file (required). */
        public Builder processor(Processor processor) {
            this.processor = Objects.requireNonNull(processor, "processor");
            return this;
        }

        /** An ingestion; nothing happens until {@link Ingest#run()} is subscribed. */
        public Ingest build() {
            return new Ingest(this);
        }
    }

    /**
     * Plays a scene in a temporary inbox: three files, one written slowly in chunks, processed two at a time; a stop;
     * two files dropped while stopped; a restart that processes them.
     */
    public static void main(String[] args) throws Exception {
        Path inbox = Files.createTempDirectory("vigil-inbox");
        Processor printer = f -> System.out.println("  processing " + f.getFileName() + " (" + Files.size(f) + " bytes) on "
                + Thread.currentThread().getName());
        Ingest first = Ingest.builder(inbox).concurrency(2).stability(Duration.ofMillis(300)).processor(printer).build();
        Sinks.Many<Outcome> outcomes = Sinks.many().replay().all();
        first.run().subscribe(o -> {
            System.out.println("  " + o.name() + " -> " + inbox.relativize(o.movedTo()));
            outcomes.tryEmitNext(o);
        });
        first.ready().block(Duration.ofSeconds(10));
        System.out.println("ingesting " + inbox + " (files are processed 0.3 s after their last write)");
        Files.writeString(inbox.resolve("a.csv"), "1,2,3\n");
        Files.writeString(inbox.resolve("b.csv"), "4,5,6\n");
        try (var out = Files.newBufferedWriter(inbox.resolve("slow.csv"))) {
            for (int i = 0; i < 5; i++) {
                out.write("chunk " + i + "\n");
                out.flush();
                System.out.println("$ wrote chunk " + i + " of slow.csv");
                first.sync().block(Duration.ofSeconds(10)); // the watcher has seen it: the file is held, not processed
            }
        }
        outcomes.asFlux().take(3).blockLast(Duration.ofSeconds(10));
        first.stop();
        System.out.println("$ stopped; dropping c.csv and d.csv");
        Files.writeString(inbox.resolve("c.csv"), "7\n");
        Files.writeString(inbox.resolve("d.csv"), "8\n");
        Ingest second = Ingest.builder(inbox).concurrency(2).stability(Duration.ofMillis(300)).processor(printer).build();
        System.out.println("$ restarted");
        second.run().doOnNext(o -> System.out.println("  " + o.name() + " -> " + inbox.relativize(o.movedTo())))
                .take(2).blockLast(Duration.ofSeconds(10));
        System.out.println("done; the inbox is left at " + inbox);
    }
}
