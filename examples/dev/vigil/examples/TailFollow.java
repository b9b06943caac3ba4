package dev.vigil.examples;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileWatcher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@code tail -F} as a {@code Flux<String>}: the lines of a log file, followed across rotation, read on demand.
 *
 * <p>What it shows: a {@link FileWatcher} on the file's directory used only as a wake-up signal, while the file itself
 * is read through one open {@link FileChannel} on a serial worker, so that
 * <ul>
 *   <li><b>backpressure</b> is real: bytes are read only while the subscriber has demand, into an 8 KiB buffer plus at
 *       most one partial line ({@link #maxLineBytes(int)}); a subscriber that stops requesting holds up nothing and
 *       costs no memory beyond that;</li>
 *   <li><b>lines are never split</b>: a last line without its {@code \n} waits for it ({@code \r\n} is accepted; a
 *       line longer than the limit fails the stream, naming the file and the limit);</li>
 *   <li><b>nothing is read twice</b>: the read offset only moves forward, except after a truncation;</li>
 *   <li><b>rotation by rename and create</b> ({@code logrotate}'s default) loses nothing: the renamed file stays open,
 *       its rest is read to the end before the new file at the same path is opened (from its start). A new file is
 *       told from the old one by its file key (inode); where the file system has none (Windows), by the watcher's
 *       rename or deletion event;</li>
 *   <li><b>truncation</b> ({@code copytruncate}) is noticed when the file is shorter than what was read; reading
 *       restarts at offset 0 and a partial line is dropped. Lines written before the truncation that had not been read
 *       yet are only in the copy: with {@code copytruncate} they are lost (as with {@code tail -F}); a truncation
 *       followed by a rewrite longer than what had been read, before the follower saw the truncation, cannot be told
 *       from an append. Prefer rename and create.</li>
 * </ul>
 * Cancelling closes the file and the watch. The file may not exist yet: it is followed from its creation. Text is
 * UTF-8.
 *
 * <p>Run it: {@code mvn -q -B -ntp test-compile exec:java@tail} (a scene in a temporary directory: append, rotate,
 * truncate) or {@code ... exec:java@tail -Dexec.args=/var/log/some.log} to follow a real file until Ctrl-C.
 */
public final class TailFollow {
    private static final int BUFFER_BYTES = 8192;

    private final Path file;
    private final boolean fromStart;
    private final int maxLineBytes;
    private final FileWatcher watcher;

    private TailFollow(Path file, boolean fromStart, int maxLineBytes) {
        this.file = file;
        this.fromStart = fromStart;
        this.maxLineBytes = maxLineBytes;
        this.watcher = FileWatcher.builder().root(file.getParent()).recursive(false).build();
    }

    /** Follows {@code file} from its current end, as {@code tail -F -n 0} does. */
    public static TailFollow of(Path file) {
        return new TailFollow(absolute(file), false, 1 << 20);
    }

    /** Follows {@code file} from its first line. */
    public TailFollow fromStart() {
        return new TailFollow(file, true, maxLineBytes);
    }

    /** The longest line accepted, in bytes (default 1 MiB); a longer one fails the stream. */
    public TailFollow maxLineBytes(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxLineBytes must be at least 1, was " + max);
        }
        return new TailFollow(file, fromStart, max);
    }

    /**
     * The lines, without their terminator. Cold: each subscription opens its own watch and file (its end is taken at
     * subscription), and starts reading once the watch is established; lines are read
     * on a worker of {@link Schedulers#boundedElastic()} and delivered there. Fails with an {@link UncheckedIOException}
     * naming the file when it cannot be read, or when a line is longer than {@link #maxLineBytes(int)}.
     */
    public Flux<String> lines() {
        return Flux.create(sink -> new Follower(sink).start(), FluxSink.OverflowStrategy.ERROR);
    }

    /** Completes once every subscription's watch is established: a line appended afterwards will be read. */
    public Mono<Void> ready() {
        return Mono.defer(watcher::ready);
    }

    /**
     * A barrier: completes once every change to the file made before it was called has been seen by every
     * subscription (a truncation made before it is known to the follower).
     */
    public Mono<Void> sync() {
        return Mono.defer(watcher::sync);
    }

    private static Path absolute(Path file) {
        Path f = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
        if (f.getParent() == null) {
            throw new IllegalArgumentException("cannot follow a root directory: " + f);
        }
        return f;
    }

    /** The open file: one per generation of the path. */
    private static final class Source {
        final FileChannel channel;
        final Object key;
        long offset;
        volatile long readUpTo;
        volatile boolean truncated;
        volatile boolean replaced;

        Source(FileChannel channel, Object key, long offset) {
            this.channel = channel;
            this.key = key;
            this.offset = offset;
            this.readUpTo = offset;
        }
    }

    /** One subscription: all reading runs as tasks of one serial worker. */
    private final class Follower {
        private final FluxSink<String> sink;
        private final Scheduler.Worker worker = Schedulers.boundedElastic().createWorker();
        private final ByteBuffer buf = ByteBuffer.allocate(BUFFER_BYTES).flip();
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private volatile Source source; // written on the worker only, after start()
        private volatile boolean established;

        Follower(FluxSink<String> sink) {
            this.sink = sink;
        }

        void start() {
            if (!fromStart) {
                try { // the end is taken now, on the subscribing thread: what is appended after subscribe() is read
                    source = openAt(true);
                } catch (IOException e) {
                    worker.dispose();
                    sink.error(new UncheckedIOException("cannot follow " + file + ": " + e.getMessage(), e));
                    return;
                }
            }
            BaseSubscriber<FileEvent> events = new BaseSubscriber<>() {
                @Override
                protected void hookOnSubscribe(Subscription s) {
                    s.request(Long.MAX_VALUE);
                    established = true; // from now on every change wakes us: reading may start
                    wake();
                }

                @Override
                protected void hookOnNext(FileEvent e) {
                    onEvent(e);
                }

                @Override
                protected void hookOnError(Throwable t) {
                    onWorker(() -> sink.error(t));
                }

                @Override
                protected void hookOnComplete() {
                    onWorker(sink::complete);
                }
            };
            sink.onRequest(n -> wake());
            sink.onDispose(() -> {
                events.dispose();
                onWorker(() -> {
                    close(source);
                    worker.dispose();
                });
            });
            watcher.events().subscribe(events);
        }

        private void onEvent(FileEvent e) {
            boolean ours = e.path().equals(file) || e.previous().map(file::equals).orElse(false);
            if (!ours && e.kind() != FileEvent.Kind.OVERFLOW) {
                return;
            }
            Source s = source;
            if (s != null) {
                if (e.kind() == FileEvent.Kind.DELETED || e.previous().map(file::equals).orElse(false)) {
                    s.replaced = true;
                }
                try {
                    // checked here, before the event counts as delivered, so that a sync() after a truncation
                    // means the follower knows of it before anything is appended again
                    if (s.channel.size() < s.readUpTo) {
                        s.truncated = true;
                    }
                } catch (IOException closed) {
                    // the worker switched files meanwhile: the new one is read from its start anyway
                }
            }
            wake();
        }

        private void wake() {
            if (established) {
                onWorker(this::drain);
            }
        }

        private void onWorker(Runnable task) {
            try {
                worker.schedule(task);
            } catch (RejectedExecutionException disposed) {
                // the subscription has ended and its file is closed: there is nothing left to read for
            }
        }

        /** Runs on the worker only. */
        private void drain() {
            if (sink.isCancelled()) {
                return;
            }
            try {
                if (source == null && !open()) {
                    return; // no file yet: its creation wakes us, and it is read from its start
                }
                while (!sink.isCancelled()) {
                    Source s = source;
                    if (s.truncated || s.channel.size() < s.readUpTo) {
                        s.truncated = false;
                        s.offset = 0;
                        s.readUpTo = 0;
                        buf.clear().flip();
                        partial.reset();
                    }
                    if (sink.requestedFromDownstream() == 0) {
                        return; // the next request wakes us
                    }
                    String line = nextLine();
                    if (line != null) {
                        sink.next(line);
                        continue;
                    }
                    buf.clear();
                    int n = s.channel.read(buf, s.offset);
                    buf.flip();
                    if (s.truncated) {
                        buf.clear().flip(); // what was read may be new content after a truncation: read it again
                        continue;
                    }
                    if (n > 0) {
                        s.offset += n;
                        s.readUpTo = s.offset;
                        continue;
                    }
                    if (!replacedOnDisk(s) || !open()) {
                        return; // at the end of the current file: the next change wakes us
                    }
                }
            } catch (IOException e) {
                sink.error(new UncheckedIOException("cannot follow " + file + ": " + e.getMessage(), e));
            } catch (LineTooLongException e) {
                sink.error(e);
            }
        }

        /** The next complete line in the buffer (moving any incomplete rest to {@code partial}), or null. */
        private String nextLine() {
            int start = buf.position();
            for (int i = start; i < buf.limit(); i++) {
                if (buf.get(i) == '\n') {
                    int end = i > start && buf.get(i - 1) == '\r' ? i - 1 : i;
                    byte[] bytes;
                    if (partial.size() == 0) {
                        if (end - start > maxLineBytes) {
                            throw new LineTooLongException(file, maxLineBytes);
                        }
                        bytes = new byte[end - start];
                        buf.get(start, bytes);
                    } else {
                        append(start, i);
                        bytes = partial.toByteArray();
                        partial.reset();
                        int len = bytes.length;
                        if (len > 0 && bytes[len - 1] == '\r') {
                            len--;
                        }
                        bytes = java.util.Arrays.copyOf(bytes, len);
                    }
                    buf.position(i + 1);
                    return new String(bytes, StandardCharsets.UTF_8);
                }
            }
            append(start, buf.limit());
            buf.position(buf.limit());
            return null;
        }

        private void append(int from, int to) {
            if (partial.size() + (to - from) > maxLineBytes) {
                throw new LineTooLongException(file, maxLineBytes);
            }
            byte[] bytes = new byte[to - from];
            buf.get(from, bytes);
            partial.writeBytes(bytes);
        }

        /** Whether the path now names another file than the open one (the open one is read to its end). */
        private boolean replacedOnDisk(Source s) throws IOException {
            BasicFileAttributes now;
            try {
                now = Files.readAttributes(file, BasicFileAttributes.class);
            } catch (NoSuchFileException gone) {
                return false; // renamed or deleted, nothing new yet: keep the old one until a new one appears
            }
            return now.fileKey() != null && s.key != null ? !now.fileKey().equals(s.key) : s.replaced;
        }

        /** Opens the file at the path from its start, replacing the current one. Returns false when there is none. */
        private boolean open() throws IOException {
            Source next = openAt(false);
            if (next == null) {
                return false;
            }
            close(source);
            buf.clear().flip();
            partial.reset();
            source = next;
            return true;
        }

        /** The file now at the path, positioned at its start or end; null when there is none. */
        private Source openAt(boolean end) throws IOException {
            FileChannel ch;
            try {
                ch = FileChannel.open(file, StandardOpenOption.READ);
            } catch (NoSuchFileException none) {
                return null;
            }
            try {
                Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
                return new Source(ch, key, end ? ch.size() : 0);
            } catch (IOException e) {
                ch.close();
                throw e;
            }
        }

        private void close(Source s) {
            if (s != null) {
                try {
                    s.channel.close();
                } catch (IOException ignored) {
                    // a read-only channel: nothing was written that closing could lose
                }
            }
        }
    }

    /** A line longer than {@link #maxLineBytes(int)}. */
    public static final class LineTooLongException extends UncheckedIOException {
        private static final long serialVersionUID = 1L;

        LineTooLongException(Path file, int max) {
            super("a line of " + file + " is longer than " + max + " bytes without a newline; raise "
                    + "TailFollow.maxLineBytes(int) if such lines are expected", new IOException("line too long"));
        }
    }

    /**
     * Follows {@code args[0]} until Ctrl-C, printing each line; without an argument, plays a short scene in a temporary
     * directory (append, a partial line, rotation by rename and create, truncation) and exits.
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length > 0) {
            TailFollow.of(Path.of(args[0])).lines().doOnNext(System.out::println).blockLast();
            return;
        }
        Path dir = Files.createTempDirectory("vigil-tail");
        Path log = dir.resolve("app.log");
        TailFollow tail = TailFollow.of(log).fromStart();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Disposable d = tail.lines().subscribe(lines::add);
        tail.ready().block(Duration.ofSeconds(10));
        System.out.println("following " + log);
        scene("append two lines and half a third", 2, lines, () -> append(log, "started\nlistening on :8080\nhalf a"));
        scene("finish the third line", 1, lines, () -> append(log, " line\n"));
        scene("rotate: one more line, mv app.log app.log.1, a late line to app.log.1, create app.log", 3, lines, () -> {
            append(log, "last line of the old file\n");
            Files.move(log, dir.resolve("app.log.1"));
            append(dir.resolve("app.log.1"), "written late to the old file\n");
            append(log, "first line of the new file\n");
        });
        scene("copytruncate: truncate app.log", 0, lines, () -> {
            try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
                ch.truncate(0);
            }
        });
        tail.sync().block(Duration.ofSeconds(10)); // the follower knows of the truncation
        scene("append after the truncation", 1, lines, () -> append(log, "after truncation\n"));
        d.dispose();
        System.out.println("done; the files are left in " + dir);
    }

    private interface Step {
        void run() throws IOException;
    }

    private static void scene(String what, int expected, BlockingQueue<String> lines, Step step)
            throws IOException, InterruptedException {
        System.out.println("$ " + what);
        step.run();
        for (int i = 0; i < expected; i++) {
            String line = lines.poll(10, TimeUnit.SECONDS);
            System.out.println(line == null ? "  (no line within 10 s)" : "  line: " + line);
        }
    }

    private static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
