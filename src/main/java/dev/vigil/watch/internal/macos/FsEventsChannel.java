package dev.vigil.watch.internal.macos;

import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchChannel;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/** One session on an {@link FsEventsLoop}: its listener, its root watches (one stream each), whether it is closed. */
final class FsEventsChannel implements WatchChannel {
    final RawEventListener listener;
    private final FsEventsLoop loop;
    private final AtomicBoolean closed = new AtomicBoolean();
    final Set<FsEventsLoop.Watch> watches = ConcurrentHashMap.newKeySet();

    FsEventsChannel(FsEventsLoop loop, RawEventListener listener) {
        this.loop = loop;
        this.listener = listener;
    }

    /**
     * {@inheritDoc}
     *
     * <p>One FSEvents stream watches the whole subtree of {@code dir} and, with {@code WatchRoot}, the path leading
     * to it. Returns once the stream has started.
     *
     * @throws ClosedWatchServiceException when this channel is closed
     */
    @Override
    public Object add(Path dir) throws IOException {
        Objects.requireNonNull(dir, "dir");
        if (isClosed()) {
            throw new ClosedWatchServiceException();
        }
        return loop.add(this, dir);
    }

    @Override
    public void remove(Object key) {
        if (key instanceof FsEventsLoop.Watch w && w.channel == this) {
            loop.release(w);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The barrier flushes this channel's streams ({@code FSEventStreamFlushSync}) on the loop thread, then runs
     * {@code task} after the records that flush delivered.
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (!isClosed()) {
            loop.execute(this, task);
        }
    }

    @Override
    public void close() {
        if (markClosed()) {
            loop.closed(this);
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    /** Whether this call closed the channel (only one call does). */
    boolean markClosed() {
        return closed.compareAndSet(false, true);
    }

    @Override
    public String toString() {
        return "FSEvents channel on " + loop.threadName() + (isClosed() ? " (closed)" : "");
    }
}
