package dev.vigil.watch.internal.linux;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import dev.vigil.watch.WatchException;
import dev.vigil.watch.internal.RawEvent;
import dev.vigil.watch.internal.RawEvent.RawKind;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.linux.jna.Inotify;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Exceptions;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * One inotify instance and its eventfd, owned by a daemon thread that blocks in {@code poll()} on both and
 * hands what it reads to the channels' listeners. The thread only reads and routes: listeners queue what they get.
 *
 * <p>Confinement: the read buffer and every listener call belong to the loop thread. The wd table is shared with
 * the sessions' threads, which add and remove watches themselves, under {@link #watchLock}: the loop routes each
 * read under that lock, so an event of a wd can never be routed before the {@code inotify_add_watch} that created
 * it has recorded its owner. Other threads reach the loop through {@link #submit} (a queue plus an eventfd write
 * that wakes {@code poll()}), {@link #open}, and {@link #stop}. Closing a fd does not wake a thread blocked on it,
 * hence the eventfd.
 */
final class InotifyLoop implements Runnable {

    /** What every watch asks for. IN_MODIFY covers writes, so IN_CLOSE_WRITE would only add noise. */
    static final int WATCH_MASK = Inotify.IN_CREATE | Inotify.IN_MODIFY | Inotify.IN_ATTRIB | Inotify.IN_DELETE
            | Inotify.IN_MOVED_FROM | Inotify.IN_MOVED_TO | Inotify.IN_DELETE_SELF | Inotify.IN_MOVE_SELF
            | Inotify.IN_DONT_FOLLOW | Inotify.IN_EXCL_UNLINK | Inotify.IN_ONLYDIR;

    /** Room for hundreds of events per read(); the kernel never splits an event across reads. */
    private static final int BUFFER_SIZE = 64 * 1024;
    private static final NativeLong TWO = new NativeLong(2);
    private static final NativeLong EIGHT = new NativeLong(Long.BYTES);
    private static final NativeLong BUFFER_LENGTH = new NativeLong(BUFFER_SIZE);
    private static final AtomicInteger THREADS = new AtomicInteger();
    /** The 8-byte value 1 written to the eventfd; native code only reads it. */
    private static final Memory ONE = new Memory(Long.BYTES);

    static {
        ONE.setLong(0, 1L);
    }

    /**
     * The libc calls of the loop that can fail for reasons no test can provoke on demand (a broken fd, kernel
     * memory): a seam for tests, which make them fail on purpose. {@link #LIBC} makes the real calls.
     */
    interface Libc {
        /** {@code inotify_add_watch(2)}. */
        int inotifyAddWatch(int fd, byte[] path, int mask) throws LastErrorException;

        /** {@code read(2)}. */
        int read(int fd, Pointer buf, NativeLong count) throws LastErrorException;
    }

    /** The real calls. */
    static final Libc LIBC = new Libc() {
        @Override
        public int inotifyAddWatch(int fd, byte[] path, int mask) {
            return Inotify.inotify_add_watch(fd, path, mask);
        }

        @Override
        public int read(int fd, Pointer buf, NativeLong count) {
            return Inotify.read(fd, buf, count);
        }
    };

    private final Libc libc;
    private final Fd inotify;
    private final Fd wakeup;
    private final Thread thread;
    private final int maxReadsPerTurn;
    private final ConcurrentLinkedQueue<Task> tasks = new ConcurrentLinkedQueue<>();
    private volatile boolean stopping;
    /** Set by a thread that found the inotify fd unusable: the loop dies of it at its next turn. */
    private volatile WatchException broken;

    // Guarded by this: the open channels, so that open() and the loop's death cannot miss each other.
    private final Set<InotifyChannel> channels = new LinkedHashSet<>();
    private volatile boolean dead;
    private Throwable failure;

    /** Guards the wd table, every channel's set of watches, and the inotify fd against its close. */
    private final Object watchLock = new Object();
    private final Map<Integer, List<Watch>> watches = new HashMap<>();
    private boolean fdClosed; // guarded by watchLock

    // Loop thread only.
    private final List<InotifyChannel> touched = new ArrayList<>();
    private final ArrayDeque<Task> due = new ArrayDeque<>();
    private final ByteBuffer events = ByteBuffer.allocateDirect(BUFFER_SIZE).order(ByteOrder.nativeOrder());
    private final Pointer eventsAddress = Native.getDirectBufferPointer(events);
    private final ByteBuffer pollfds = ByteBuffer.allocateDirect(2 * Inotify.POLLFD_SIZE)
            .order(ByteOrder.nativeOrder());
    private final Pointer pollfdsAddress = Native.getDirectBufferPointer(pollfds);
    private final ByteBuffer counter = ByteBuffer.allocateDirect(Long.BYTES).order(ByteOrder.nativeOrder());
    private final Pointer counterAddress = Native.getDirectBufferPointer(counter);
    // Written by the loop thread before it ends; read after join().
    private WatchException closeFailure;

    private InotifyLoop(Libc libc, Fd inotify, Fd wakeup, int maxReadsPerTurn) {
        this.libc = libc;
        this.inotify = inotify;
        this.wakeup = wakeup;
        this.maxReadsPerTurn = maxReadsPerTurn;
        pollfds.putInt(0, inotify.get()).putShort(4, Inotify.POLLIN);
        pollfds.putInt(Inotify.POLLFD_SIZE, wakeup.get()).putShort(Inotify.POLLFD_SIZE + 4, Inotify.POLLIN);
        thread = new Thread(this, "vigil-inotify-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
    }

    /** Creates the inotify fd and the eventfd, and starts the loop thread, which calls {@code libc}. */
    static InotifyLoop start(Libc libc) throws WatchException {
        // The kernel fixes an instance's queue size when it is created.
        String maxQueued = Errors.currentValue(Path.of("/proc/sys/fs/inotify/max_queued_events"));
        Fd inotify;
        try {
            inotify = new Fd(Inotify.inotify_init1(Inotify.IN_NONBLOCK | Inotify.IN_CLOEXEC), "inotify fd");
        } catch (LastErrorException e) {
            throw Errors.init(e.getErrorCode(), e);
        }
        Fd wakeup;
        try {
            wakeup = new Fd(Inotify.eventfd(0, Inotify.EFD_NONBLOCK | Inotify.EFD_CLOEXEC), "eventfd");
        } catch (LastErrorException e) {
            WatchException failed = Errors.syscall("eventfd", "0, EFD_NONBLOCK|EFD_CLOEXEC", e.getErrorCode(), e);
            try {
                inotify.close();
            } catch (WatchException closing) {
                failed.addSuppressed(closing);
            }
            throw failed;
        }
        InotifyLoop loop = new InotifyLoop(libc, inotify, wakeup, maxReadsPerTurn(maxQueued));
        loop.thread.start();
        return loop;
    }

    /**
     * How many full reads drain every event that was queued when a turn began: the queue holds at most
     * {@code max_queued_events} events plus the overflow, each at most {@link Inotify#EVENT_MAX_SIZE} bytes,
     * and a full read takes more than {@code BUFFER_SIZE - EVENT_MAX_SIZE} bytes. Reading no more than that
     * keeps a flood from starving the tasks; without the value, reads stop only at an empty queue.
     */
    static int maxReadsPerTurn(String maxQueuedEvents) {
        int events;
        try {
            events = Integer.parseInt(maxQueuedEvents); // an int sysctl
        } catch (NumberFormatException e) { // includes null
            return Integer.MAX_VALUE;
        }
        if (events < 0) {
            return Integer.MAX_VALUE;
        }
        long bytes = (events + 1L) * Inotify.EVENT_MAX_SIZE;
        long perRead = BUFFER_SIZE - Inotify.EVENT_MAX_SIZE;
        return (int) Math.min(Integer.MAX_VALUE, (bytes + perRead - 1) / perRead + 1);
    }

    /** A new channel, or {@code null} when this loop has died meanwhile. */
    synchronized InotifyChannel open(RawEventListener listener) {
        if (dead) {
            return null;
        }
        InotifyChannel channel = new InotifyChannel(this, listener);
        channels.add(channel);
        return channel;
    }

    boolean isDead() {
        return dead;
    }

    synchronized Throwable failure() {
        return failure;
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    String threadName() {
        return thread.getName();
    }

    int inotifyFd() {
        return inotify.get();
    }

    /** Queues {@code task} for the loop thread; a task of a channel runs only while the channel is open. */
    void submit(InotifyChannel channel, Runnable task) {
        if (dead) {
            return;
        }
        tasks.add(new Task(channel, task));
        if (!inLoop()) {
            wake(); // the loop itself does not block while tasks are queued (see turn())
        }
    }

    private void wake() {
        try {
            wakeup.write(ONE, Long.BYTES); // false once the loop has closed it: nothing left to wake
        } catch (LastErrorException e) {
            if (e.getErrorCode() != Errors.EAGAIN) { // EAGAIN: the counter is full, so the loop wakes anyway
                Operators.onErrorDropped(Errors.syscall("write", wakeup.toString(), e.getErrorCode(), e),
                        Context.empty());
            }
        }
    }

    /** Stops the loop; unless called on the loop thread, waits until both fds are closed. */
    void stop() throws WatchException {
        stopping = true;
        wake();
        if (inLoop()) {
            return;
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (closeFailure != null) {
            throw closeFailure;
        }
    }

    @Override
    public void run() {
        Throwable failed = null;
        try {
            while (!stopping) {
                turn();
                WatchException b = broken;
                if (b != null) {
                    throw b;
                }
            }
        } catch (Throwable t) {
            failed = t;
        } finally {
            die(failed);
        }
        if (failed != null) {
            Exceptions.throwIfJvmFatal(failed); // reported to the channels above; the thread's handler sees it too
        }
    }

    /**
     * One wake-up: wait, take the tasks queued so far, read the events queued so far, then run those tasks. A
     * task thus follows every event that happened before it was queued; tasks queued later wait for the next
     * turn (which does not block) so that the events before them are read first.
     */
    private void turn() throws WatchException {
        try {
            Inotify.poll(pollfdsAddress, TWO, tasks.isEmpty() ? -1 : 0);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Errors.EINTR) {
                return;
            }
            throw Errors.syscall("poll", inotify + ", " + wakeup, e.getErrorCode(), e);
        }
        if (pollfds.getShort(Inotify.POLLFD_SIZE + 6) != 0) {
            try {
                libc.read(wakeup.get(), counterAddress, EIGHT); // resets the counter
            } catch (LastErrorException e) {
                if (e.getErrorCode() != Errors.EAGAIN && e.getErrorCode() != Errors.EINTR) {
                    throw Errors.syscall("read", wakeup.toString(), e.getErrorCode(), e);
                }
            }
        }
        for (Task t; (t = tasks.poll()) != null; ) {
            due.add(t);
        }
        // Read even when only the eventfd woke us (the fd is non-blocking: one EAGAIN at most).
        readEvents();
        runTasks();
    }

    private void readEvents() throws WatchException {
        for (int i = 0; i < maxReadsPerTurn; i++) {
            int n;
            try {
                n = libc.read(inotify.get(), eventsAddress, BUFFER_LENGTH);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == Errors.EAGAIN) {
                    return;
                }
                if (e.getErrorCode() == Errors.EINTR) {
                    continue;
                }
                throw Errors.syscall("read", inotify.toString(), e.getErrorCode(), e);
            }
            if (n <= 0) {
                throw new WatchException("read(" + inotify + ") returned " + n, null, "read", 0, null);
            }
            dispatch(n);
            if (n < BUFFER_SIZE - Inotify.EVENT_MAX_SIZE) {
                return; // a short read: the kernel queue was empty
            }
        }
    }

    /** Parses {@code n} bytes of {@code struct inotify_event} and delivers one batch per channel. */
    private void dispatch(int n) {
        synchronized (watchLock) {
            route(n);
        }
        flush();
    }

    private void route(int n) {
        int pos = 0;
        while (pos + Inotify.EVENT_HEADER_SIZE <= n) {
            int wd = events.getInt(pos);
            int mask = events.getInt(pos + 4);
            long cookie = Integer.toUnsignedLong(events.getInt(pos + 8));
            int len = events.getInt(pos + 12);
            int nameAt = pos + Inotify.EVENT_HEADER_SIZE;
            pos = nameAt + len;
            if ((mask & Inotify.IN_Q_OVERFLOW) != 0) {
                overflow(); // in order: after everything queued before it
                continue;
            }
            List<Watch> owners = watches.get(wd);
            RawKind kind = kind(mask);
            if (owners == null || kind == null) {
                continue; // a wd already removed: these events were queued before inotify_rm_watch
            }
            String name = name(events, nameAt, len);
            boolean directory = (mask & Inotify.IN_ISDIR) != 0;
            for (Watch w : owners) {
                if (!w.channel.isClosed()) {
                    batchOf(w.channel).add(new RawEvent(w, kind, name, directory, cookie));
                }
            }
            if (kind == RawKind.UNWATCHED) {
                // The kernel dropped the wd (it will not report it again): forget it, never inotify_rm_watch it.
                watches.remove(wd);
                for (Watch w : owners) {
                    w.channel.watches.remove(w);
                }
            }
        }
    }

    private List<RawEvent> batchOf(InotifyChannel channel) {
        if (channel.batch == null) {
            channel.batch = new ArrayList<>();
            touched.add(channel);
        }
        return channel.batch;
    }

    /** The raw kind of an event mask, or {@code null} for an event we did not ask for. */
    static RawKind kind(int mask) {
        if ((mask & (Inotify.IN_IGNORED | Inotify.IN_UNMOUNT)) != 0) {
            return RawKind.UNWATCHED;
        }
        switch (mask & ~Inotify.IN_ISDIR) {
            case Inotify.IN_CREATE: return RawKind.CREATED;
            case Inotify.IN_MODIFY: return RawKind.MODIFIED;
            case Inotify.IN_ATTRIB: return RawKind.ATTRIBUTES;
            case Inotify.IN_DELETE: return RawKind.DELETED;
            case Inotify.IN_MOVED_FROM: return RawKind.MOVED_FROM;
            case Inotify.IN_MOVED_TO: return RawKind.MOVED_TO;
            case Inotify.IN_DELETE_SELF: return RawKind.SELF_DELETED;
            case Inotify.IN_MOVE_SELF: return RawKind.SELF_MOVED;
            default: return null;
        }
    }

    /**
     * The NUL-padded name at {@code at}, decoded as UTF-8. Linux names are bytes: a name that is not valid
     * UTF-8 comes out with U+FFFD replacement characters (and then names no file).
     */
    static String name(ByteBuffer buf, int at, int len) {
        int end = 0;
        while (end < len && buf.get(at + end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end];
        buf.get(at, bytes);
        return new String(bytes, UTF_8);
    }

    private void flush() {
        for (InotifyChannel channel : touched) {
            List<RawEvent> batch = channel.batch;
            channel.batch = null;
            if (!channel.isClosed()) {
                deliver(channel, () -> channel.listener.onEvents(batch));
            }
        }
        touched.clear();
    }

    /** The kernel queue overflowed: every channel may have lost events of any of its watches. */
    private void overflow() {
        List<InotifyChannel> all;
        synchronized (this) {
            all = new ArrayList<>(channels);
        }
        for (InotifyChannel channel : all) {
            if (!channel.isClosed()) {
                batchOf(channel).add(RawEvent.overflow(null, ""));
            }
        }
    }

    private void runTasks() {
        for (Task t; (t = due.poll()) != null; ) {
            if (t.channel == null) {
                try {
                    t.task.run();
                } catch (Throwable e) {
                    Exceptions.throwIfJvmFatal(e);
                    Operators.onErrorDropped(e, Context.empty());
                }
            } else if (!t.channel.isClosed()) {
                deliver(t.channel, t.task);
            }
        }
    }

    /** Runs a callback of {@code channel}; if it throws, the channel closes and learns why. */
    private void deliver(InotifyChannel channel, Runnable callback) {
        try {
            callback.run();
        } catch (Throwable t) {
            Exceptions.throwIfJvmFatal(t); // the loop dies of it, and every channel learns why
            if (!fail(channel, t)) {
                Operators.onErrorDropped(t, Context.empty()); // closed meanwhile by another thread
            }
        }
    }

    /** Closes {@code channel} and tells its listener why; false when it was closed already. Any thread. */
    private boolean fail(InotifyChannel channel, Throwable why) {
        if (!channel.markClosed()) {
            return false;
        }
        closed(channel);
        try {
            channel.listener.onFailure(why);
        } catch (Throwable t) {
            Exceptions.throwIfJvmFatal(t);
            t.addSuppressed(why);
            Operators.onErrorDropped(t, Context.empty());
        }
        return true;
    }

    /**
     * Registers a watch of {@code dir} for {@code channel}; its key is a new {@link Watch}. Any thread. The path
     * goes to the kernel as UTF-8, as the names come back (right wherever {@code sun.jnu.encoding} is UTF-8).
     *
     * <p>A failure that is the directory's own (it vanished, is not readable, its name is too long), or the watch
     * limit ({@code ENOSPC}), is only thrown. Any other one means that the channel cannot keep its tree watched:
     * the channel fails with it ({@link RawEventListener#onFailure}, on this thread, before it is thrown), and when the inotify fd itself is
     * unusable ({@code EBADF}, {@code EINVAL}) the loop dies of it, failing every channel; the next
     * {@link InotifyBackend#open} starts a new one.
     */
    Watch add(InotifyChannel channel, Path dir) throws IOException {
        byte[] path = (dir.toAbsolutePath() + "\0").getBytes(UTF_8);
        int errno;
        LastErrorException failed;
        synchronized (watchLock) {
            if (fdClosed) {
                throw new WatchException("the inotify loop has stopped", dir, "inotify_add_watch", 0, failure());
            }
            if (channel.isClosed()) {
                // closed meanwhile: its watches were dropped under this lock, and one added now would stay for good
                throw new java.nio.file.ClosedWatchServiceException();
            }
            try {
                int wd = libc.inotifyAddWatch(inotify.get(), path, WATCH_MASK);
                Watch w = new Watch(channel, wd, dir);
                watches.computeIfAbsent(wd, k -> new ArrayList<>(1)).add(w);
                channel.watches.add(w);
                return w;
            } catch (LastErrorException e) {
                errno = e.getErrorCode();
                failed = e;
            }
        }
        IOException error = Errors.addWatch(dir, errno, failed);
        if (Errors.failsTheChannel(errno)) {
            fail(channel, error);
            if (errno == Errors.EBADF || errno == Errors.EINVAL) {
                if (error instanceof WatchException) {
                    broken = (WatchException) error;
                }
                wake();
            }
        }
        throw error;
    }

    /** Drops one registration of {@code channel}; unknown keys are ignored. Any thread. */
    void remove(InotifyChannel channel, Object key) {
        synchronized (watchLock) {
            if (key instanceof Watch && ((Watch) key).channel == channel && channel.watches.remove(key)) {
                drop((Watch) key);
            }
        }
    }

    /** Called once a channel is marked closed, from any thread: drops its watches. */
    void closed(InotifyChannel channel) {
        synchronized (this) {
            channels.remove(channel);
        }
        synchronized (watchLock) {
            for (Watch w : channel.watches) {
                drop(w);
            }
            channel.watches.clear();
        }
    }

    /** Forgets one registration; the last one of a wd removes the kernel watch. Under {@link #watchLock}. */
    private void drop(Watch w) {
        List<Watch> owners = watches.get(w.wd);
        if (owners == null || !owners.remove(w) || !owners.isEmpty() || fdClosed) {
            return;
        }
        watches.remove(w.wd);
        try {
            Inotify.inotify_rm_watch(inotify.get(), w.wd);
        } catch (LastErrorException e) {
            // EINVAL: the kernel dropped the wd already (its IN_IGNORED is queued, and will be ignored).
            if (e.getErrorCode() != Errors.EINVAL) {
                Operators.onErrorDropped(Errors.syscall("inotify_rm_watch", inotify + ", wd " + w.wd,
                        e.getErrorCode(), e), Context.empty());
            }
        }
    }

    /** The loop ends: every open channel learns why, then both fds close. */
    private void die(Throwable failed) {
        List<InotifyChannel> left;
        synchronized (this) {
            dead = true;
            failure = failed;
            left = new ArrayList<>(channels);
            channels.clear();
        }
        tasks.clear();
        due.clear();
        Throwable why = failed instanceof WatchException || failed == null
                ? failed : new WatchException("the inotify loop failed: " + failed, null, null, 0, failed);
        for (InotifyChannel channel : left) {
            if (channel.markClosed()) {
                try {
                    channel.listener.onFailure(why != null ? why
                            : new WatchException("the inotify backend was closed", null, null, 0, null));
                } catch (Throwable t) {
                    Operators.onErrorDropped(t, Context.empty()); // even a VM error: the cleanup below must run
                }
            }
        }
        synchronized (watchLock) {
            fdClosed = true; // no add or remove can now reach a fd number the process may reuse
            watches.clear();
            try {
                inotify.close();
            } catch (WatchException e) {
                closeFailure = e;
            }
        }
        try {
            wakeup.close();
        } catch (WatchException e) {
            if (closeFailure == null) {
                closeFailure = e;
            } else {
                closeFailure.addSuppressed(e);
            }
        }
    }

    /** One registration of a directory by a channel; it is also the key of its events. */
    static final class Watch {
        final InotifyChannel channel;
        final int wd;
        final Path dir;

        Watch(InotifyChannel channel, int wd, Path dir) {
            this.channel = channel;
            this.wd = wd;
            this.dir = dir;
        }

        @Override
        public String toString() {
            return "inotify wd " + wd + " on " + dir;
        }
    }

    /** A queued task, and the channel it belongs to ({@code null} for the loop's own). */
    private static final class Task {
        final InotifyChannel channel;
        final Runnable task;

        Task(InotifyChannel channel, Runnable task) {
            this.channel = channel;
            this.task = task;
        }
    }
}
