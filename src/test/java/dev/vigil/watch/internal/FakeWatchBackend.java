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
 * A strict fake backend: its loop is one thread, raw events are injected by the test (inotify-style: per directory,
 * cookies for moves), watches are counted so that leaks fail the test, and failures can be injected per path.
 */
public final class FakeWatchBackend implements WatchBackend {

    private final ExecutorService loop;
    private volatile Thread loopThread;
    private final Set<FakeChannel> channels = ConcurrentHashMap.newKeySet();
    private final Map<Path, IOException> failures = new ConcurrentHashMap<>();

    public FakeWatchBackend() {
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

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        return Optional.empty();
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

    /** Delivers events as one batch per channel. */
    public void batch(List<Ev> events) {
        loop.execute(() -> {
            for (FakeChannel c : channels) {
                List<RawEvent> out = new ArrayList<>();
                for (Ev e : events) {
                    for (Map.Entry<Object, Path> w : c.watches.entrySet()) {
                        if (w.getValue().equals(e.dir())) {
                            out.add(new RawEvent(w.getKey(), e.kind(), e.name(), e.isDir(), e.cookie()));
                        }
                    }
                }
                if (!out.isEmpty() && !c.closed) {
                    c.listener.onEvents(out);
                }
            }
        });
    }

    /** Signals an OS queue overflow to every channel. */
    public void overflow() {
        loop.execute(() -> channels.forEach(c -> {
            if (!c.closed) {
                c.listener.onOverflow();
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

    /** Fails when a channel is still open or holds watches. */
    public void checkNoOpenWatches() throws InterruptedException {
        // a cancel may be carried out by a drain running on the loop: give the loop a bounded time to close
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
            if (!inLoop()) {
                throw new IllegalStateException("add off the loop");
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
            if (!inLoop()) {
                throw new IllegalStateException("remove off the loop");
            }
            watches.remove(key);
        }

        @Override
        public void execute(Runnable task) {
            if (!closed) {
                loop.execute(task);
            }
        }

        @Override
        public boolean inLoop() {
            return Thread.currentThread() == loopThread;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            loop.execute(() -> {
                closed = true;
                watches.clear();
            });
        }
    }
}
