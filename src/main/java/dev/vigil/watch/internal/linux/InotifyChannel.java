package dev.vigil.watch.internal.linux;

import dev.vigil.watch.internal.RawEvent;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchChannel;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One session on an {@link InotifyLoop}: its listener, its registrations, and whether it is closed.
 *
 * <p>{@link #close()} returns once the channel's watches are removed: no callback starts after it returns, but
 * one already running on the loop thread may finish.
 */
final class InotifyChannel implements WatchChannel {
    final RawEventListener listener;
    private final InotifyLoop loop;
    private final AtomicBoolean closed = new AtomicBoolean();

    // Loop thread only: the registrations of this channel, and the events of the read being dispatched.
    final Set<InotifyLoop.Watch> watches = new LinkedHashSet<>();
    List<RawEvent> batch;

    InotifyChannel(InotifyLoop loop, RawEventListener listener) {
        this.loop = loop;
        this.listener = listener;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The directory is not followed if it is a symbolic link ({@code IN_DONT_FOLLOW}): such a path fails
     * with {@link java.nio.file.NoSuchFileException}, as does a file ({@code IN_ONLYDIR}). Watching the same
     * directory twice, or through two paths, gives two keys that share one kernel watch.
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
        loop.remove(this, key);
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (!isClosed()) {
            loop.submit(this, task);
        }
    }

    /** Whether the caller runs on the loop thread (for tests). */
    boolean inLoop() {
        return loop.inLoop();
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
        return "inotify channel on " + loop.threadName() + (isClosed() ? " (closed)" : "");
    }
}
