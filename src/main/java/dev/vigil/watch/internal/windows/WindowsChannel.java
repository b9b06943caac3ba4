package dev.vigil.watch.internal.windows;

import dev.vigil.watch.internal.RawEvent;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchChannel;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One session on an {@link IocpLoop}: its listener, its watches, and whether it is closed. {@link #close()} and
 * {@link #remove} stop the delivery of a watch's events at once; its read is cancelled and its handle closed by the
 * loop thread shortly after.
 */
final class WindowsChannel implements WatchChannel {
    final RawEventListener listener;
    private final IocpLoop loop;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The root watches of this channel. */
    final Set<IocpLoop.DirWatch> watches = ConcurrentHashMap.newKeySet();
    /** Loop thread only: the events of the completions being dispatched. */
    List<RawEvent> batch;

    WindowsChannel(IocpLoop loop, RawEventListener listener) {
        this.loop = loop;
        this.listener = listener;
    }

    /**
     * {@inheritDoc}
     *
     * <p>One directory handle watches the whole subtree of {@code dir}; a second, on its parent, reports the
     * removal or rename of {@code dir} itself (a drive or share root has no parent to watch). Returns once the first
     * read is pending: a change made after this returns is reported.
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
        if (key instanceof IocpLoop.DirWatch w && w.channel == this && watches.remove(w)) {
            loop.release(w);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The barrier is the completion port's order: the task runs after every read that had completed when it was
     * queued. A change the OS has not yet completed a read for (Wine takes about 10 ms) may come after it.
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (!isClosed()) {
            loop.submit(this, task);
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
        return "Windows channel on " + loop.threadName() + (isClosed() ? " (closed)" : "");
    }
}
