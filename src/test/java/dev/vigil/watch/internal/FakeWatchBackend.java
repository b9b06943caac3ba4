package dev.vigil.watch.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A strict fake backend: its loop is one thread, raw events are injected by the test, watches are counted so that
 * leaks fail the test, and failures can be injected per path. Two shapes: {@link #FakeWatchBackend()} emulates a
 * per-directory API (inotify: one watch per directory, one-segment names, directory flags, cookies for moves);
 * {@link #recursive()} emulates a recursive one (ReadDirectoryChangesW with the subtree flag: one watch per root,
 * multi-segment paths, no directory flag, rename halves adjacent without a cookie). Like a real reader thread, its
 * loop refuses to run pipeline work: {@code add} and {@code remove} on it fail the test.
 */
public final class FakeWatchBackend implements WatchBackend {

    private final ExecutorService loop;
    private volatile Thread loopThread;
    private final Set<FakeChannel> channels = ConcurrentHashMap.newKeySet();
    private final Map<Path, IOException> failures = new ConcurrentHashMap<>();
    private final Map<Path, Runnable> beforeListing = new ConcurrentHashMap<>();

    private final Capabilities capabilities;

    /** The per-directory shape. */
    public FakeWatchBackend() {
        this(Capabilities.PER_DIRECTORY);
    }

    /** The recursive shape. */
    public static FakeWatchBackend recursive() {
        return new FakeWatchBackend(new Capabilities(true, Pairing.ADJACENT));
    }

    private FakeWatchBackend(Capabilities capabilities) {
        this.capabilities = capabilities;
        loop = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "vigil-fake-loop");
            t.setDaemon(true);
            loopThread = t;
            return t;
        });
    }

    @Override
    public String name() {
        return "fake";
    }

    /** Lists with the JDK, after running (once) the action registered for the directory by {@link #beforeListing}. */
    @Override
    public DirectoryLister lister() {
        return (dir, sink) -> {
            Runnable r = beforeListing.remove(dir);
            if (r != null) {
                r.run();
            }
            DirectoryLister.JDK.list(dir, sink);
        };
    }

    /** Runs {@code action} right before the next listing of {@code dir} (a change made while a walk goes on). */
    public void beforeListing(Path dir, Runnable action) {
        beforeListing.put(dir, action);
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        return Optional.empty();
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    @Override
    public WatchChannel open(RawEventListener listener) {
        FakeChannel c = new FakeChannel(listener);
        channels.add(c);
        return c;
    }

    /** Makes {@code add(dir)} throw {@code failure}. */
    public void failOn(Path dir, IOException failure) {
        failures.put(dir, failure);
    }

    /** Delivers one raw event for directory {@code dir} to every channel watching it, on the loop. */
    public void emit(Path dir, RawEvent.RawKind kind, String name, boolean isDir, long cookie) {
        batch(List.of(new Ev(dir, kind, name, isDir, cookie)));
    }

    /** One raw event description. */
    public record Ev(Path dir, RawEvent.RawKind kind, String name, boolean isDir, long cookie) {
    }

    /**
     * Delivers events as one batch per channel. In the recursive shape an event goes to the watch of each root
     * containing its directory, with a path relative to that root and no directory flag; a cookie is dropped.
     */
    public void batch(List<Ev> events) {
        loop.execute(() -> {
            for (FakeChannel c : channels) {
                List<RawEvent> out = new ArrayList<>();
                for (Ev e : events) {
                    for (Map.Entry<Object, Path> w : c.watches.entrySet()) {
                        if (!capabilities.recursive() && w.getValue().equals(e.dir())) {
                            out.add(new RawEvent(w.getKey(), e.kind(), e.name(), e.isDir(), e.cookie()));
                        } else if (capabilities.recursive() && e.dir().startsWith(w.getValue())) {
                            String rel = w.getValue().relativize(e.dir().resolve(e.name())).toString();
                            out.add(new RawEvent(w.getKey(), e.kind(), rel, RawEvent.EntryType.UNKNOWN, 0));
                        }
                    }
                }
                if (!out.isEmpty() && !c.closed) {
                    c.listener.onEvents(out);
                }
            }
        });
    }

    /**
     * A directory moved: watches at or below {@code from} now watch the same directories at {@code to} (an inotify
     * watch follows its inode), on the loop, ordered with the events.
     */
    public void moved(Path from, Path to) {
        loop.execute(() -> channels.forEach(c -> c.watches.replaceAll(
                (key, p) -> p.startsWith(from) ? to.resolve(from.relativize(p)) : p)));
    }

    /** Signals an OS queue overflow to every channel. */
    public void overflow() {
        loop.execute(() -> channels.forEach(c -> {
            if (!c.closed) {
                c.listener.onEvents(List.of(RawEvent.overflow(null, "")));
            }
        }));
    }

    /** Waits until everything submitted to the loop so far has run. */
    public void settle() throws InterruptedException {
        CountDownLatch l = new CountDownLatch(1);
        loop.execute(l::countDown);
        if (!l.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("fake loop stuck");
        }
    }

    /** Directories watched by open channels. */
    public List<Path> watched() throws InterruptedException {
        settle();
        List<Path> out = new ArrayList<>();
        channels.forEach(c -> out.addAll(c.watches.values()));
        return out;
    }

    /** The keys of every watch of the open channels. */
    public List<Object> watchedKeys() throws InterruptedException {
        settle();
        List<Object> out = new ArrayList<>();
        channels.forEach(c -> out.addAll(c.watches.keySet()));
        return out;
    }

    /** Fails when a channel is still open or holds watches. */
    public void checkNoOpenWatches() throws InterruptedException {
        // a cancel is carried out on the session's executor: give it a bounded time to close
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (;;) {
            settle();
            FakeChannel open = channels.stream().filter(c -> !c.closed || !c.watches.isEmpty()).findFirst().orElse(null);
            if (open == null) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("leaked channel: closed=" + open.closed + " watches=" + open.watches.values());
            }
        }
    }

    public void shutdown() {
        loop.shutdownNow();
    }

    final class FakeChannel implements WatchChannel {
        final RawEventListener listener;
        final Map<Object, Path> watches = new ConcurrentHashMap<>();
        volatile boolean closed;

        FakeChannel(RawEventListener listener) {
            this.listener = listener;
        }

        @Override
        public Object add(Path dir) throws IOException {
            if (inLoop()) {
                throw new IllegalStateException("add on the reader thread: it must only read and route");
            }
            if (closed) {
                throw new IllegalStateException("add on a closed channel");
            }
            IOException f = failures.get(dir);
            if (f != null) {
                throw f;
            }
            if (!Files.isDirectory(dir)) {
                throw new NoSuchFileException(dir.toString());
            }
            Object key = new Object();
            watches.put(key, dir);
            return key;
        }

        @Override
        public void remove(Object key) {
            if (inLoop()) {
                throw new IllegalStateException("remove on the reader thread: it must only read and route");
            }
            watches.remove(key);
        }

        @Override
        public void execute(Runnable task) {
            if (!closed) {
                loop.execute(task);
            }
        }

        boolean inLoop() {
            return Thread.currentThread() == loopThread;
        }

        /** Like the real loops: once it returns, the watches are gone and no callback starts. */
        @Override
        public void close() {
            closed = true;
            watches.clear();
        }
    }
}
