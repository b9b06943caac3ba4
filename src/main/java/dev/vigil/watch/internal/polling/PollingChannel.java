package dev.vigil.watch.internal.polling;

import dev.vigil.watch.WatchException;
import dev.vigil.watch.internal.RawEvent;
import dev.vigil.watch.internal.RawEvent.EntryType;
import dev.vigil.watch.internal.RawEvent.RawKind;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchBackend.ChannelOptions;
import dev.vigil.watch.internal.WatchChannel;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * One session's watches on the {@link PollingBackend}: each poll lists every watched directory, compares it with
 * the previous listing, and hands the differences to the listener as one batch.
 *
 * <p>What identifies an entry: its file key ({@link BasicFileAttributes#fileKey()}: device and inode on Unix),
 * its type, its size and its modification time at the precision the file system keeps (nanoseconds on ext4, tmpfs,
 * btrfs, xfs). A file whose size or time changed is {@code MODIFIED}; an entry that vanished under one name and
 * appeared under another with the same file key and type moved: {@code MOVED_FROM} and {@code MOVED_TO} with one
 * cookie, in the same batch. Where the file system has no file keys (the JDK gives none on Windows), renames are
 * a deletion and a creation. A watched directory that is gone (or replaced by another one) is reported
 * {@code SELF_DELETED} then {@code UNWATCHED}, and forgotten, unless it moved within the watched tree: its watch
 * then follows it, as an inotify watch follows its inode. A directory that cannot be listed any more (permission
 * withdrawn, I/O error) on two polls in a row gives one {@code OVERFLOW} of it (the pipeline rescans it and reports
 * why), and is polled again: once it can be listed, the difference with its last good listing is reported. A failure
 * on one poll only is passed over: on Windows a directory is briefly unlistable while another process holds it
 * without sharing (a sharing violation) or while its deletion waits for a handle to close.
 *
 * <p>Batch order: unpaired deletions, every first half, every second half, creations, modifications, then the
 * watches that ended. All first halves go before any second half so that chains ({@code a→b, c→a}) and swaps pair
 * right; deletions go first so that a name taken by a moved entry is free when it arrives.
 *
 * <p>Threading: {@link #add} lists the directory on the caller's thread (the session's executor), so that the
 * first poll reports every change made after the watch was added; polls and read barriers run on the backend's
 * thread, in the order queued.
 */
final class PollingChannel implements WatchChannel {

    private final PollingBackend backend;
    private final RawEventListener listener;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** True from a tick's queueing of a poll until that poll ended: ticks in between are dropped. */
    private final AtomicBoolean pollQueued = new AtomicBoolean();
    private final Disposable ticks;
    private final Object lock = new Object();
    private final Set<Watch> watches = new LinkedHashSet<>(); // guarded by lock

    /** @throws WatchException when the session's scheduler cannot run periodic tasks (e.g. {@code immediate()}) */
    PollingChannel(PollingBackend backend, RawEventListener listener, ChannelOptions options) throws WatchException {
        this.backend = backend;
        this.listener = listener;
        long every = options.pollInterval().toNanos();
        try {
            this.ticks = options.timer().schedulePeriodically(this::tick, every, every, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            throw new WatchException("the polling backend cannot time its polls with the scheduler "
                    + options.timer() + " (it refused a periodic task); give FileWatcher.Builder.scheduler(..) one "
                    + "that supports them, such as Schedulers.parallel()", null, null, 0, e);
        }
    }

    /** An entry as a poll saw it. */
    record Entry(Object fileKey, boolean dir, long size, long mtimeNanos) {
        boolean sameFile(Entry o) {
            return dir == o.dir && Objects.equals(fileKey, o.fileKey);
        }
    }

    /** One watched directory; also the key of its events. Its fields belong to the poll thread once added. */
    static final class Watch {
        Path path;
        final Object dirKey;
        Map<String, Entry> entries;
        /** Polls in a row that could not list it (0: the last one could). */
        int failedPolls;

        Watch(Path path, Object dirKey, Map<String, Entry> entries) {
            this.path = path;
            this.dirKey = dirKey;
            this.entries = entries;
        }

        @Override
        public String toString() {
            return "polled " + path;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Lists {@code dir} now: that listing is what the first poll compares with.
     *
     * @throws ClosedWatchServiceException when this channel is closed
     */
    @Override
    public Object add(Path dir) throws IOException {
        Objects.requireNonNull(dir, "dir");
        if (closed.get()) {
            throw new ClosedWatchServiceException();
        }
        BasicFileAttributes self;
        Map<String, Entry> entries;
        try {
            self = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!self.isDirectory()) {
                throw new NoSuchFileException(dir.toString(), null, "not a directory");
            }
            entries = list(dir);
        } catch (NotDirectoryException e) {
            throw new NoSuchFileException(dir.toString(), null, "not a directory");
        } catch (NoSuchFileException e) {
            throw e;
        } catch (AccessDeniedException e) {
            throw new WatchException("cannot poll " + dir + ": permission denied (it cannot be listed)", dir,
                    "opendir", 0, e);
        } catch (IOException e) {
            throw new WatchException("cannot poll " + dir + ": " + e, dir, "opendir", 0, e);
        }
        Watch w = new Watch(dir, self.fileKey(), entries);
        synchronized (lock) {
            if (closed.get()) {
                throw new ClosedWatchServiceException();
            }
            watches.add(w);
        }
        return w;
    }

    @Override
    public void remove(Object key) {
        synchronized (lock) {
            watches.remove(key);
        }
    }

    /**
     * Runs {@code task} on the poll thread after the poll under way or queued, if any: everything polls have seen
     * so far has then been handed over. A change made just before is seen by the next poll; {@code sync()}'s
     * cookie file is the barrier for it.
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (closed.get()) {
            return;
        }
        try {
            backend.run(() -> {
                if (!closed.get()) {
                    deliver(task);
                }
            });
        } catch (RejectedExecutionException e) {
            fail(new WatchException("the polling backend was closed", null, null, 0, e));
        }
    }

    /** Polls now (on the poll thread, after what is queued there), then runs {@code task} there. */
    @Override
    public void catchUp(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (closed.get()) {
            return;
        }
        try {
            backend.run(() -> {
                if (!closed.get()) {
                    poll();
                }
                if (!closed.get()) {
                    deliver(task);
                }
            });
        } catch (RejectedExecutionException e) {
            fail(new WatchException("the polling backend was closed", null, null, 0, e));
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            release();
        }
    }

    /** Once, by whoever closed the channel: no tick, no watch. */
    private void release() {
        ticks.dispose();
        synchronized (lock) {
            watches.clear();
        }
        backend.openChannels.decrementAndGet();
    }

    boolean isClosed() {
        return closed.get();
    }

    /** On the timer: queues a poll unless one is queued or running. */
    private void tick() {
        if (closed.get() || !pollQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            backend.run(() -> {
                try {
                    if (!closed.get()) {
                        poll();
                    }
                } finally {
                    pollQueued.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            pollQueued.set(false);
            fail(new WatchException("the polling backend was closed", null, null, 0, e));
        }
    }

    private void fail(Throwable error) {
        if (closed.compareAndSet(false, true)) {
            release();
            try {
                listener.onFailure(error);
            } catch (Throwable t) {
                Exceptions.throwIfJvmFatal(t);
                Operators.onErrorDropped(t, Context.empty());
            }
        }
    }

    /** Runs a listener call; if it throws, the channel closes and the listener learns why. */
    private void deliver(Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            Exceptions.throwIfJvmFatal(t);
            fail(t);
        }
    }

    // ------------------------------------------------------------------------------------------------ one poll

    /** What one poll found in one watched directory. */
    private static final class Seen {
        Map<String, Entry> entries; // null: gone or failing
        IOException failure; // not null: exists but cannot be listed
    }

    private record Half(Watch watch, String name, Entry entry) {
    }

    /** One poll of every watch of this channel, on the poll thread. */
    void poll() {
        backend.polls.incrementAndGet();
        List<Watch> all;
        synchronized (lock) {
            all = new ArrayList<>(watches);
        }
        Map<Watch, Seen> seen = new IdentityHashMap<>();
        for (Watch w : all) {
            seen.put(w, look(w));
        }
        List<Half> vanished = new ArrayList<>();
        List<Half> appeared = new ArrayList<>();
        List<Half> modified = new ArrayList<>();
        List<Half[]> moves = new ArrayList<>();
        // A moved directory takes its watches along: re-path the ones found gone, then look again (bounded: each
        // round re-paths at least one watch, and a watch once)
        Set<Watch> repathed = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (;;) {
            vanished.clear();
            appeared.clear();
            modified.clear();
            moves.clear();
            for (Watch w : all) {
                Seen s = seen.get(w);
                if (s.entries != null) {
                    compare(w, s.entries, vanished, appeared, modified);
                }
            }
            pair(vanished, appeared, moves);
            boolean again = false;
            for (Half[] m : moves) {
                if (!m[0].entry.dir()) {
                    continue;
                }
                Path from = m[0].watch.path.resolve(m[0].name);
                Path to = m[1].watch.path.resolve(m[1].name);
                for (Watch w : all) {
                    Seen s = seen.get(w);
                    if (s.entries == null && s.failure == null && !repathed.contains(w) && w.path.startsWith(from)) {
                        w.path = to.resolve(from.relativize(w.path).toString());
                        repathed.add(w);
                        seen.put(w, look(w));
                        again = true;
                    }
                }
            }
            if (!again) {
                break;
            }
        }
        List<RawEvent> batch = new ArrayList<>();
        for (Half h : vanished) {
            batch.add(event(h, RawKind.DELETED, 0));
        }
        long[] cookies = new long[moves.size()];
        for (int i = 0; i < moves.size(); i++) {
            cookies[i] = backend.nextCookie();
            batch.add(event(moves.get(i)[0], RawKind.MOVED_FROM, cookies[i]));
        }
        for (int i = 0; i < moves.size(); i++) {
            batch.add(event(moves.get(i)[1], RawKind.MOVED_TO, cookies[i]));
        }
        for (Half h : appeared) {
            batch.add(event(h, RawKind.CREATED, 0));
        }
        for (Half h : modified) {
            batch.add(event(h, RawKind.MODIFIED, 0));
        }
        List<Watch> ended = new ArrayList<>();
        for (Watch w : all) {
            Seen s = seen.get(w);
            if (s.entries != null) {
                w.entries = s.entries;
                w.failedPolls = 0;
            } else if (s.failure != null) {
                // a failure on one poll only is passing (a deletion pending while another handle is open, a
                // sharing violation on Windows); on the second in a row it is reported, once until it lists again
                if (++w.failedPolls == 2) {
                    batch.add(RawEvent.overflow(w, ""));
                }
            } else {
                ended.add(w);
                batch.add(new RawEvent(w, RawKind.SELF_DELETED, "", EntryType.DIRECTORY, 0));
                batch.add(new RawEvent(w, RawKind.UNWATCHED, "", EntryType.DIRECTORY, 0));
            }
        }
        if (!ended.isEmpty()) {
            synchronized (lock) {
                ended.forEach(watches::remove);
            }
        }
        if (!batch.isEmpty() && !closed.get()) {
            deliver(() -> listener.onEvents(batch));
        }
    }

    private static RawEvent event(Half h, RawKind kind, long cookie) {
        return new RawEvent(h.watch, kind, h.name, h.entry.dir(), cookie);
    }

    /** Lists a watched directory, after checking it is still the directory that was watched. */
    private static Seen look(Watch w) {
        Seen s = new Seen();
        try {
            BasicFileAttributes self = Files.readAttributes(w.path, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (!self.isDirectory() || (w.dirKey != null && !w.dirKey.equals(self.fileKey()))) {
                return s; // replaced: the watched directory is gone
            }
            s.entries = list(w.path);
        } catch (NoSuchFileException | NotDirectoryException e) {
            s.entries = null;
        } catch (IOException e) {
            s.failure = e;
        }
        return s;
    }

    /** The differences between a watch's previous listing and {@code now}. */
    private static void compare(Watch w, Map<String, Entry> now, List<Half> vanished, List<Half> appeared,
            List<Half> modified) {
        Map<String, Entry> before = w.entries;
        before.forEach((name, was) -> {
            Entry is = now.get(name);
            if (is == null || !is.sameFile(was)) {
                vanished.add(new Half(w, name, was));
            }
        });
        now.forEach((name, is) -> {
            Entry was = before.get(name);
            if (was == null || !is.sameFile(was)) {
                appeared.add(new Half(w, name, is));
            } else if (!is.dir() && (is.size() != was.size() || is.mtimeNanos() != was.mtimeNanos())) {
                modified.add(new Half(w, name, is));
            }
        });
    }

    /**
     * Moves {@code vanished}/{@code appeared} halves that are one entry into {@code moves}: the same file key and
     * type and, for a file, the same size and modification time (a rename keeps both). The last condition keeps a
     * file deleted and another created between two polls from passing for a rename when the file system reuses the
     * inode, as ext4 and tmpfs readily do; a file renamed and written between two polls is then reported deleted
     * and created, which is also true.
     */
    private static void pair(List<Half> vanished, List<Half> appeared, List<Half[]> moves) {
        Map<Object, Half> byKey = new HashMap<>();
        for (Half h : vanished) {
            if (h.entry.fileKey() != null) {
                byKey.putIfAbsent(h.entry.fileKey(), h); // hard links: the first name pairs, the others are deleted
            }
        }
        if (byKey.isEmpty()) {
            return;
        }
        for (var it = appeared.iterator(); it.hasNext();) {
            Half to = it.next();
            Half from = to.entry.fileKey() == null ? null : byKey.get(to.entry.fileKey());
            if (from != null && from.entry.dir() == to.entry.dir() && (to.entry.dir()
                    || from.entry.size() == to.entry.size() && from.entry.mtimeNanos() == to.entry.mtimeNanos())) {
                byKey.remove(to.entry.fileKey());
                vanished.remove(from);
                it.remove();
                moves.add(new Half[] {from, to});
            }
        }
    }

    /**
     * A directory's entries with their attributes (links not followed). The directory is open only while its names
     * are read, never while attributes are: on Windows an open directory handle can make a concurrent rename or
     * deletion of that directory fail (Wine's listing handle does not share deletion), so that instant is kept to
     * the enumeration itself. An entry that vanishes before its attributes are read is left out.
     */
    static Map<String, Entry> list(Path dir) throws IOException {
        List<Path> listed = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(listed::add);
        }
        Map<String, Entry> out = new LinkedHashMap<>();
        for (Path p : listed) {
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException gone) {
                continue;
            }
            out.put(p.getFileName().toString(), new Entry(a.fileKey(), a.isDirectory(), a.size(),
                    a.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
        }
        return out;
    }
}
