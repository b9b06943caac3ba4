package dev.vigil.watch.internal.windows;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.vigil.watch.WatchException;
import dev.vigil.watch.internal.RawEvent;
import dev.vigil.watch.internal.RawEvent.EntryType;
import dev.vigil.watch.internal.RawEvent.RawKind;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.windows.Kernel.Win32Exception;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.Exceptions;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * One I/O completion port and the daemon thread ({@code vigil-iocp-N}) that drains it with
 * {@code GetQueuedCompletionStatusEx}, waiting without a timeout (no CPU when idle). Every directory handle of every
 * channel is associated with the port under its own completion key; key 0 is the loop's wake-up.
 *
 * <p>Ownership: each {@link DirWatch} owns a directory handle, a 64 KiB buffer and an {@code OVERLAPPED}. Reads are
 * issued, re-issued, cancelled and their handles closed only on the loop thread; the buffer and the
 * {@code OVERLAPPED} stay referenced until the completion of the last read has been dequeued, so the OS never writes
 * to freed memory. A completed read is copied out and the next one issued before the copy is parsed, so that nothing
 * happening meanwhile is missed.
 *
 * <p>Other threads reach the loop through {@link #submit}: a task queue plus one posted wake-up packet per task. The
 * port hands out packets in order, and each wake-up runs one task, so a task runs after every read that had
 * completed before it was queued: the channels' read barrier.
 */
final class IocpLoop implements Runnable {

    /** The largest buffer a read may use on a network share; Windows keeps changes there between reads. */
    static final int BUFFER_SIZE = 64 * 1024;
    /** A root's parent reports only names: its own removal or rename. */
    static final int PARENT_BUFFER_SIZE = 4 * 1024;
    /** Long paths need the {@code \\?\} prefix from this length on (MAX_PATH less room for an 8.3 name). */
    static final int LONG_PATH = 248;

    private static final long WAKE = 0;
    private static final int ENTRIES = 64;
    /** How long a stopping loop waits for its cancelled reads before it abandons their buffers. */
    private static final int STOP_WAIT_MILLIS = 5_000;
    private static final AtomicInteger THREADS = new AtomicInteger();
    /** Buffers whose read never completed: kept forever rather than freed under the OS. */
    private static final Set<DirWatch> ABANDONED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Kernel os;
    private final WinErrors errors;
    private final long port;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Task> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicLong keys = new AtomicLong();
    private final AtomicInteger handles = new AtomicInteger();
    private volatile boolean stopping;

    // Guarded by this: the open channels, so that open() and the loop's death cannot miss each other.
    private final Set<WindowsChannel> channels = new LinkedHashSet<>();
    private volatile boolean dead;
    private Throwable failure;

    // Loop thread only.
    private final Map<Long, DirWatch> watches = new HashMap<>();
    private final Memory entries = new Memory((long) ENTRIES * Layouts.ENTRY_SIZE);
    private final byte[] copy = new byte[BUFFER_SIZE];
    private final List<WindowsChannel> touched = new ArrayList<>();
    private long cookies;

    private IocpLoop(Kernel os, long port) {
        this.os = os;
        this.errors = new WinErrors(os::message);
        this.port = port;
        thread = new Thread(this, "vigil-iocp-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
    }

    /** Creates the completion port and starts the loop thread. */
    static IocpLoop start(Kernel os) throws WatchException {
        long port;
        try {
            port = os.createPort();
        } catch (Win32Exception e) {
            throw new WinErrors(os::message).call(e.call, null, e.code);
        }
        IocpLoop loop = new IocpLoop(os, port);
        loop.thread.start();
        return loop;
    }

    /** A new channel, or {@code null} when this loop has died meanwhile. */
    synchronized WindowsChannel open(RawEventListener listener) {
        if (dead) {
            return null;
        }
        WindowsChannel channel = new WindowsChannel(this, listener);
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

    /** Directory handles open right now (for tests: none is left once every channel closed). */
    int openHandles() {
        return handles.get();
    }

    // ------------------------------------------------------------------------------------------------ other threads

    /**
     * Watches {@code dir} for {@code channel}: opens its handle (and its parent's), then has the loop issue the first
     * read, and returns once it is pending. Any thread but the loop's.
     */
    DirWatch add(WindowsChannel channel, Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        String osPath = osPath(abs);
        int attributes;
        try {
            attributes = os.attributes(osPath);
        } catch (Win32Exception e) {
            throw errors.watch(abs, e);
        }
        if ((attributes & Kernel.FILE_ATTRIBUTE_DIRECTORY) == 0) {
            throw errors.watch(abs, new Win32Exception("ReadDirectoryChangesW", WinErrors.ERROR_DIRECTORY));
        }
        String longRoot = osPath;
        if (osPath.indexOf('~') >= 0) {
            try {
                longRoot = os.longPathName(osPath);
            } catch (Win32Exception e) {
                // keep the path as given: short names below it are then expanded against it as given
            }
        }
        DirWatch root = open(channel, abs, osPath, null, longRoot);
        Path parent = abs.getParent();
        if (parent != null) {
            try {
                root.parentWatch = open(channel, parent, osPath(parent), root, null);
            } catch (IOException e) {
                // Without it, the root's removal shows only through its own read failing (as Windows does; Wine does
                // not): the parent may be unreadable to this process.
            }
        }
        channel.watches.add(root);
        if (channel.isClosed()) { // closed while we were opening: closed() may have missed this watch
            channel.remove(root);
        }
        return root;
    }

    private DirWatch open(WindowsChannel channel, Path path, String osPath, DirWatch root, String longPath)
            throws IOException {
        long handle;
        try {
            handle = os.openDirectory(osPath);
        } catch (Win32Exception e) {
            throw errors.watch(path, e);
        }
        handles.incrementAndGet();
        long key = keys.incrementAndGet();
        DirWatch w = new DirWatch(channel, path, osPath, handle, key, root, longPath);
        try {
            os.associate(port, handle, key);
        } catch (Win32Exception e) {
            closeHandle(w);
            throw errors.watch(path, e);
        }
        Arm arm = new Arm(w);
        if (!submit(null, arm)) {
            closeHandle(w);
            throw new WatchException("the Windows watch loop has stopped", path, "ReadDirectoryChangesW", 0,
                    failure());
        }
        try {
            boolean interrupted = false;
            while (true) {
                try {
                    arm.done.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the arm is short and the handle is ours: finish it
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new WatchException("watching " + path + " failed: " + e.getCause(), path, null, 0, e.getCause());
        }
        return w;
    }

    /** Stops delivering {@code w}'s events now; the loop cancels its read and closes its handle. Any thread. */
    void release(DirWatch w) {
        w.removed = true;
        submit(null, () -> {
            cancel(w);
            if (w.parentWatch != null) {
                cancel(w.parentWatch);
            }
        });
    }

    /** Called once a channel is marked closed, from any thread: releases its watches. */
    void closed(WindowsChannel channel) {
        synchronized (this) {
            channels.remove(channel);
        }
        for (DirWatch w : channel.watches) {
            channel.watches.remove(w);
            release(w);
        }
    }

    /** Queues {@code task} for the loop thread; a task of a channel runs only while the channel is open. */
    boolean submit(WindowsChannel channel, Runnable task) {
        if (dead) {
            return false;
        }
        tasks.add(new Task(channel, task));
        try {
            os.post(port, WAKE);
        } catch (Win32Exception e) {
            // Only a closed port refuses a packet: the loop died meanwhile
        }
        if (dead) { // died while we queued: its own sweep may have missed our task
            failQueued();
            return false;
        }
        return true;
    }

    /** Fails every queued watch whose first read will never be issued (the loop is dead). Any thread. */
    private void failQueued() {
        Throwable why = failure();
        for (Task t; (t = tasks.poll()) != null; ) {
            if (t.task instanceof Arm arm) {
                arm.done.completeExceptionally(why instanceof WatchException ? why
                        : new WatchException("the Windows watch loop has stopped", arm.watch.path, null, 0, why));
            }
        }
    }

    /**
     * Stops the loop: cancels every read, waits for their completions (at most a few seconds), closes the handles
     * and the port. Unless called on the loop thread, returns once that is done.
     */
    void stop() throws WatchException {
        stopping = true;
        submit(null, () -> new ArrayList<>(watches.values()).forEach(this::cancel));
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
    }

    // ------------------------------------------------------------------------------------------------ loop thread

    @Override
    public void run() {
        Throwable failed = null;
        try {
            while (!stopping || !watches.isEmpty() || !tasks.isEmpty()) {
                if (!turn()) {
                    break;
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

    /** Dequeues and handles one batch of packets; false when a stopping loop waited in vain. */
    private boolean turn() throws Win32Exception {
        int n = os.dequeue(port, entries, ENTRIES, stopping ? STOP_WAIT_MILLIS : -1);
        if (n == 0) {
            return !stopping;
        }
        for (int i = 0; i < n; i++) {
            long at = (long) i * Layouts.ENTRY_SIZE;
            long key = entries.getLong(at + Layouts.ENTRY_KEY);
            if (key == WAKE) {
                flush(); // what completed before the task is delivered before it runs
                Task t = tasks.poll();
                if (t != null) {
                    run(t);
                }
                continue;
            }
            completed(key, entries.getLong(at + Layouts.ENTRY_OVERLAPPED), entries.getInt(at + Layouts.ENTRY_STATUS),
                    entries.getInt(at + Layouts.ENTRY_BYTES));
        }
        flush();
        return true;
    }

    /** Issues {@code w}'s next read. */
    private void arm(DirWatch w) throws Win32Exception {
        w.overlapped.clear(Layouts.OVERLAPPED_SIZE);
        try {
            os.readChanges(w.handle, w.buffer, w.size, w.subtree, w.filter, w.overlapped, w.extended);
        } catch (Win32Exception e) {
            if (!w.extended || !refusesExtended(e.code)) {
                throw e;
            }
            w.extended = false; // this file system (or SMB server) refuses the extended class: use the plain read
            os.readChanges(w.handle, w.buffer, w.size, w.subtree, w.filter, w.overlapped, false);
        }
        w.armed = true;
    }

    private static boolean refusesExtended(int code) {
        return code == WinErrors.ERROR_INVALID_PARAMETER || code == WinErrors.ERROR_INVALID_FUNCTION
                || code == WinErrors.ERROR_NOT_SUPPORTED;
    }

    /** A read of the watch under {@code key} completed with an {@code NTSTATUS} and a byte count. */
    private void completed(long key, long overlapped, int status, int bytes) {
        DirWatch w = watches.get(key);
        if (w == null || overlapped != Pointer.nativeValue(w.overlapped)) {
            return; // not ours (a packet of a handle already closed)
        }
        w.armed = false;
        if (w.cancelled) {
            forget(w);
            return;
        }
        if (status == WinErrors.STATUS_SUCCESS && bytes > 0) {
            int n = Math.min(bytes, w.size);
            w.buffer.read(0, copy, 0, n);
            Win32Exception rearm = rearm(w);
            received(w, n);
            if (rearm != null) {
                failed(w, rearm.call, rearm.code);
            }
        } else if (status == WinErrors.STATUS_SUCCESS || status == WinErrors.STATUS_NOTIFY_ENUM_DIR) {
            // 0 bytes: more changes than the buffer holds (ERROR_NOTIFY_ENUM_DIR); the OS kept none of them
            Win32Exception rearm = rearm(w);
            lost(w);
            if (rearm != null) {
                failed(w, rearm.call, rearm.code);
            }
        } else {
            failed(w, w.extended ? "ReadDirectoryChangesExW" : "ReadDirectoryChangesW", os.errorOf(status));
        }
    }

    private Win32Exception rearm(DirWatch w) {
        try {
            arm(w);
            return null;
        } catch (Win32Exception e) {
            return e;
        }
    }

    /** Routes the {@code n} bytes just copied out of {@code w}'s buffer. */
    private void received(DirWatch w, int n) {
        DirWatch root = w.root != null ? w.root : w;
        if (root.removed || root.channel.isClosed()) {
            return;
        }
        List<Notifications.Record> records;
        try {
            records = Notifications.parse(ByteBuffer.wrap(copy, 0, n), n, w.extended);
        } catch (Notifications.MalformedException e) {
            lost(w); // the records of this read cannot be trusted: rescan what they were about
            return;
        }
        List<RawEvent> batch = batchOf(root.channel);
        if (w.root != null) {
            for (Notifications.Record r : records) {
                if (r.name().equalsIgnoreCase(root.path.getFileName().toString())) {
                    if (r.action() == Notifications.REMOVED) {
                        batch.add(new RawEvent(root, RawKind.SELF_DELETED, "", EntryType.DIRECTORY, 0));
                    } else if (r.action() == Notifications.RENAMED_OLD_NAME) {
                        batch.add(new RawEvent(root, RawKind.SELF_MOVED, "", EntryType.DIRECTORY, 0));
                    }
                }
            }
            return;
        }
        Notifications.Record previous = w.trailingOld;
        long previousCookie = w.trailingCookie;
        for (Notifications.Record r : records) {
            RawKind kind;
            long cookie = 0;
            switch (r.action()) {
                case Notifications.ADDED -> kind = RawKind.CREATED;
                case Notifications.REMOVED -> kind = RawKind.DELETED;
                case Notifications.MODIFIED -> kind = RawKind.MODIFIED;
                case Notifications.RENAMED_OLD_NAME -> {
                    kind = RawKind.MOVED_FROM;
                    cookie = ++cookies;
                }
                case Notifications.RENAMED_NEW_NAME -> {
                    kind = RawKind.MOVED_TO;
                    if (previous != null && previous.action() == Notifications.RENAMED_OLD_NAME
                            && (!r.directoryKnown() || !previous.directoryKnown() || r.fileId() == previous.fileId())) {
                        cookie = previousCookie;
                    }
                }
                default -> {
                    batch.add(RawEvent.overflow(w, "")); // an action this code does not know: resync the tree
                    previous = r;
                    continue;
                }
            }
            previous = r;
            previousCookie = cookie;
            if (kind == RawKind.MODIFIED && r.directory()) {
                continue; // Windows reports every change of a directory's content on the directory too
            }
            EntryType type = !r.directoryKnown() ? EntryType.UNKNOWN
                    : r.directory() ? EntryType.DIRECTORY : EntryType.FILE;
            batch.add(new RawEvent(w, kind, longName(w, r.name()), type, cookie));
        }
        boolean trailing = previous != null && previous.action() == Notifications.RENAMED_OLD_NAME;
        w.trailingOld = trailing ? previous : null; // its other half may open the next read
        w.trailingCookie = trailing ? previousCookie : 0;
    }

    /**
     * {@code name} with 8.3 short segments expanded, where the entry still exists; otherwise as reported. Asks the
     * file system only for names holding a {@code ~}.
     */
    private String longName(DirWatch w, String name) {
        if (name.indexOf('~') < 0) {
            return name;
        }
        String full;
        try {
            full = os.longPathName(w.osPath + "\\" + name.replace('/', '\\'));
        } catch (Win32Exception e) {
            return name; // gone already, or not expandable
        }
        String base = w.longPath;
        if (full.length() > base.length() + 1 && full.regionMatches(true, 0, base, 0, base.length())
                && full.charAt(base.length()) == '\\') {
            return full.substring(base.length() + 1).replace('\\', '/');
        }
        return name;
    }

    /** Events of {@code w} were lost: its root resyncs (or, for a parent, the root is checked). */
    private void lost(DirWatch w) {
        DirWatch root = w.root != null ? w.root : w;
        if (root.removed || root.channel.isClosed()) {
            return;
        }
        if (w.root != null) {
            if (gone(root)) {
                batchOf(root.channel).add(new RawEvent(root, RawKind.SELF_DELETED, "", EntryType.DIRECTORY, 0));
            }
            return;
        }
        batchOf(root.channel).add(RawEvent.overflow(w, ""));
    }

    /**
     * A read of {@code w} failed, or could not be issued. A root that is gone is reported deleted (Windows fails the
     * read of a deleted directory, with {@code ERROR_ACCESS_DENIED} while it is pending deletion); any other failure of
     * a root fails its channel. A parent that fails only stops reporting the root's removal.
     */
    private void failed(DirWatch w, String call, int code) {
        DirWatch root = w.root != null ? w.root : w;
        if (root.removed || root.channel.isClosed()) {
            cancel(w);
            return;
        }
        if (w.root != null) {
            cancel(w);
            if (gone(root)) {
                batchOf(root.channel).add(new RawEvent(root, RawKind.SELF_DELETED, "", EntryType.DIRECTORY, 0));
            }
            return;
        }
        if (gone(w)) {
            batchOf(w.channel).add(new RawEvent(w, RawKind.SELF_DELETED, "", EntryType.DIRECTORY, 0));
            return; // the session removes the watch
        }
        WindowsChannel channel = w.channel;
        flush();
        fail(channel, errors.call(call, w.path, code));
    }

    /** Whether {@code w}'s directory no longer exists (or is being deleted). */
    private boolean gone(DirWatch w) {
        try {
            return (os.attributes(w.osPath) & Kernel.FILE_ATTRIBUTE_DIRECTORY) == 0;
        } catch (Win32Exception e) {
            return WinErrors.gone(e.code);
        }
    }

    /** Cancels {@code w}'s read; its handle closes when the cancellation completes (at once when none is pending). */
    private void cancel(DirWatch w) {
        if (w.cancelled) {
            return;
        }
        w.cancelled = true;
        if (!w.armed) {
            forget(w);
            return;
        }
        try {
            os.cancel(w.handle, w.overlapped);
        } catch (Win32Exception e) {
            if (e.code != WinErrors.ERROR_NOT_FOUND) { // NOT_FOUND: it completed already; its packet is queued
                Operators.onErrorDropped(errors.call("CancelIoEx", w.path, e.code), Context.empty());
                closeHandle(w); // closing a handle completes its pending read too; the buffer waits for that packet
            }
        }
    }

    /** The last read of {@code w} has completed (or none was pending): close its handle, drop its memory. */
    private void forget(DirWatch w) {
        watches.remove(w.key);
        closeHandle(w);
    }

    private void closeHandle(DirWatch w) {
        if (w.handleClosed) {
            return;
        }
        w.handleClosed = true;
        handles.decrementAndGet();
        try {
            os.close(w.handle);
        } catch (Win32Exception e) {
            Operators.onErrorDropped(errors.call("CloseHandle", w.path, e.code), Context.empty());
        }
    }

    private List<RawEvent> batchOf(WindowsChannel channel) {
        if (channel.batch == null) {
            channel.batch = new ArrayList<>();
            touched.add(channel);
        }
        return channel.batch;
    }

    private void flush() {
        for (WindowsChannel channel : touched) {
            List<RawEvent> batch = channel.batch;
            channel.batch = null;
            if (!channel.isClosed()) {
                deliver(channel, () -> channel.listener.onEvents(batch));
            }
        }
        touched.clear();
    }

    private void run(Task t) {
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

    /** Runs a callback of {@code channel}; if it throws, the channel closes and learns why. */
    private void deliver(WindowsChannel channel, Runnable callback) {
        try {
            callback.run();
        } catch (Throwable t) {
            Exceptions.throwIfJvmFatal(t);
            fail(channel, t);
        }
    }

    private void fail(WindowsChannel channel, Throwable why) {
        if (!channel.markClosed()) {
            Operators.onErrorDropped(why, Context.empty()); // closed meanwhile by another thread
            return;
        }
        closed(channel);
        try {
            channel.listener.onFailure(why);
        } catch (Throwable t2) {
            Exceptions.throwIfJvmFatal(t2);
            t2.addSuppressed(why);
            Operators.onErrorDropped(t2, Context.empty());
        }
    }

    /** The loop ends: every open channel learns why, queued adds fail, handles and the port close. */
    private void die(Throwable failed) {
        List<WindowsChannel> left;
        synchronized (this) {
            dead = true;
            failure = failed;
            left = new ArrayList<>(channels);
            channels.clear();
        }
        Throwable why = failed instanceof WatchException || failed == null ? failed
                : new WatchException("the Windows watch loop failed: " + failed, null, null, 0, failed);
        failQueued();
        for (WindowsChannel channel : left) {
            if (channel.markClosed()) {
                try {
                    channel.listener.onFailure(why != null ? why
                            : new WatchException("the Windows backend was closed", null, null, 0, null));
                } catch (Throwable t) {
                    Operators.onErrorDropped(t, Context.empty()); // even a VM error: the cleanup below must run
                }
            }
        }
        for (DirWatch w : watches.values()) {
            if (w.armed) {
                ABANDONED.add(w); // its read never completed: the OS may still write to its buffer
            }
            closeHandle(w);
        }
        watches.clear();
        try {
            os.close(port);
        } catch (Win32Exception e) {
            Operators.onErrorDropped(errors.call("CloseHandle", null, e.code), Context.empty());
        }
    }

    /** {@code path} as CreateFileW wants it: long paths get the {@code \\?\} (or {@code \\?\UNC\}) prefix. */
    static String osPath(Path path) {
        String s = path.toString();
        if (s.length() < LONG_PATH) { // (a Path never holds the prefix: the JDK refuses its '?')
            return s;
        }
        return s.startsWith("\\\\") ? "\\\\?\\UNC\\" + s.substring(2) : "\\\\?\\" + s;
    }

    /**
     * One directory handle and what its reads need: a root of a channel (its whole subtree), or a root's parent
     * ({@link #root} set: reports only the root's own removal or rename). It is also the key of the root's events.
     */
    static final class DirWatch {
        final WindowsChannel channel;
        final Path path;
        final String osPath;
        final long handle;
        final long key;
        final DirWatch root;
        final int size;
        final boolean subtree;
        final int filter;
        final Memory buffer;
        final Memory overlapped = new Memory(Layouts.OVERLAPPED_SIZE);
        /** Set by {@link #release} on any thread: no more events of this watch are delivered. */
        volatile boolean removed;
        // Loop thread only (and the adding thread before the first read).
        boolean extended;
        boolean armed;
        boolean cancelled;
        boolean handleClosed;
        final String longPath;
        DirWatch parentWatch;
        Notifications.Record trailingOld;
        long trailingCookie;

        DirWatch(WindowsChannel channel, Path path, String osPath, long handle, long key, DirWatch root,
                String longPath) {
            this.channel = channel;
            this.path = path;
            this.osPath = osPath;
            this.handle = handle;
            this.key = key;
            this.root = root;
            this.size = root == null ? BUFFER_SIZE : PARENT_BUFFER_SIZE;
            this.subtree = root == null;
            this.filter = root == null ? Kernel.NOTIFY_FILTER : Kernel.NOTIFY_DIR_NAME;
            this.buffer = new Memory(size);
            this.longPath = longPath != null ? longPath : osPath;
        }

        @Override
        public String toString() {
            return (root == null ? "Windows watch of " : "Windows watch of the parent ") + path;
        }
    }

    /** Issues a new watch's first read on the loop thread. */
    private final class Arm implements Runnable {
        final DirWatch watch;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Arm(DirWatch watch) {
            this.watch = watch;
        }

        @Override
        public void run() {
            watch.extended = os.extendedAvailable() && watch.root == null;
            watches.put(watch.key, watch);
            try {
                arm(watch);
                done.complete(null);
            } catch (Win32Exception e) {
                forget(watch);
                done.completeExceptionally(errors.watch(watch.path, e));
            }
        }
    }

    /** A queued task, and the channel it belongs to ({@code null} for the loop's own). */
    private record Task(WindowsChannel channel, Runnable task) {
    }
}
