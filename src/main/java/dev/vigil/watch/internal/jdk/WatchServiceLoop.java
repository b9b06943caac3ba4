package dev.vigil.watch.internal.jdk;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import dev.vigil.watch.WatchException;
import dev.vigil.watch.internal.RawEvent;
import dev.vigil.watch.internal.RawEvent.EntryType;
import dev.vigil.watch.internal.RawEvent.RawKind;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchChannel;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Exceptions;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * One {@link WatchService} and the thread that takes its keys and routes their events to the channels. The thread
 * only takes, routes and runs read barriers; it is woken for a barrier by an interrupt (a {@code WatchService} has no
 * other way), and ends when the service is closed.
 *
 * <p>Confinement: the key table is shared with the sessions' threads, which register and cancel themselves, under
 * {@link #lock}; the thread routes each key under it, so an event can never be routed before the registration that
 * asked for it has recorded its owner.
 */
final class WatchServiceLoop implements Runnable {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final WatchService service;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Task> tasks = new ConcurrentLinkedQueue<>();
    private final Object lock = new Object();
    private final Map<WatchKey, List<Watch>> keys = new IdentityHashMap<>(); // guarded by lock
    private final Set<Channel> channels = new LinkedHashSet<>(); // guarded by this
    private volatile boolean dead;
    private Throwable failure; // guarded by this

    private WatchServiceLoop(WatchService service) {
        this.service = service;
        this.thread = new Thread(this, "vigil-watchservice-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
    }

    static WatchServiceLoop start() throws IOException {
        WatchServiceLoop loop = new WatchServiceLoop(FileSystems.getDefault().newWatchService());
        loop.thread.start();
        return loop;
    }

    synchronized Channel open(RawEventListener listener) {
        if (dead) {
            return null;
        }
        Channel c = new Channel(listener);
        channels.add(c);
        return c;
    }

    boolean isDead() {
        return dead;
    }

    synchronized Throwable failure() {
        return failure;
    }

    synchronized int openChannels() {
        return channels.size();
    }

    int registeredKeys() {
        synchronized (lock) {
            return keys.size();
        }
    }

    /** Closes the service; unless called on the loop thread, waits for the thread to end. */
    void stop() {
        try {
            service.close();
        } catch (IOException e) {
            Operators.onErrorDropped(e, Context.empty());
        }
        if (Thread.currentThread() == thread) {
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

    @Override
    public void run() {
        Throwable failed = null;
        try {
            for (;;) {
                WatchKey key;
                try {
                    key = service.take();
                } catch (InterruptedException e) {
                    key = null; // a read barrier was queued
                }
                Thread.interrupted(); // before taking the tasks: a barrier queued from now on interrupts again
                List<Task> due = new ArrayList<>();
                for (Task t; (t = tasks.poll()) != null;) {
                    due.add(t);
                }
                Map<Channel, List<RawEvent>> batches = new LinkedHashMap<>();
                for (; key != null; key = service.poll()) {
                    route(key, batches);
                }
                batches.forEach((c, batch) -> {
                    if (!c.closed.get()) {
                        deliver(c, () -> c.listener.onEvents(batch));
                    }
                });
                for (Task t : due) {
                    if (!t.channel.closed.get()) {
                        deliver(t.channel, t.task);
                    }
                }
            }
        } catch (ClosedWatchServiceException e) {
            // stopped
        } catch (Throwable t) {
            failed = t;
        } finally {
            die(failed);
        }
        if (failed != null) {
            Exceptions.throwIfJvmFatal(failed);
        }
    }

    /** Turns one signalled key's events into raw events of its owners; a key that became invalid ends its watches. */
    private void route(WatchKey key, Map<Channel, List<RawEvent>> batches) {
        List<WatchEvent<?>> events = key.pollEvents();
        boolean valid = key.reset();
        synchronized (lock) {
            List<Watch> owners = keys.get(key);
            if (owners == null) {
                return; // cancelled meanwhile
            }
            for (WatchEvent<?> e : events) {
                RawEvent.RawKind kind;
                if (e.kind() == OVERFLOW) {
                    kind = RawKind.OVERFLOW;
                } else if (e.kind() == ENTRY_CREATE) {
                    kind = RawKind.CREATED;
                } else if (e.kind() == ENTRY_DELETE) {
                    kind = RawKind.DELETED;
                } else if (e.kind() == ENTRY_MODIFY) {
                    kind = RawKind.MODIFIED;
                } else {
                    continue;
                }
                String name = kind == RawKind.OVERFLOW || e.context() == null ? "" : e.context().toString();
                for (Watch w : owners) {
                    if (!w.channel.closed.get()) {
                        batches.computeIfAbsent(w.channel, c -> new ArrayList<>()).add(kind == RawKind.OVERFLOW
                                ? RawEvent.overflow(w, "") : new RawEvent(w, kind, name, EntryType.UNKNOWN, 0));
                    }
                }
            }
            if (!valid) {
                // the directory is gone (or its file system): the JDK dropped the key, which is never reported again
                keys.remove(key);
                for (Watch w : owners) {
                    w.channel.watches.remove(w);
                    if (!w.channel.closed.get()) {
                        batches.computeIfAbsent(w.channel, c -> new ArrayList<>())
                                .add(new RawEvent(w, RawKind.UNWATCHED, "", EntryType.DIRECTORY, 0));
                    }
                }
            }
        }
    }

    /** Runs a callback of {@code channel}; if it throws, the channel closes and learns why. */
    private void deliver(Channel channel, Runnable callback) {
        try {
            callback.run();
        } catch (Throwable t) {
            Exceptions.throwIfJvmFatal(t);
            if (channel.closed.compareAndSet(false, true)) {
                closed(channel);
                try {
                    channel.listener.onFailure(t);
                } catch (Throwable t2) {
                    Exceptions.throwIfJvmFatal(t2);
                    Operators.onErrorDropped(t2, Context.empty());
                }
            } else {
                Operators.onErrorDropped(t, Context.empty());
            }
        }
    }

    private void die(Throwable failed) {
        List<Channel> left;
        synchronized (this) {
            dead = true;
            failure = failed;
            left = new ArrayList<>(channels);
            channels.clear();
        }
        tasks.clear();
        try {
            service.close();
        } catch (IOException e) {
            Operators.onErrorDropped(e, Context.empty());
        }
        synchronized (lock) {
            keys.clear();
        }
        WatchException why = new WatchException(failed == null ? "the WatchService backend was closed"
                : "the WatchService loop failed: " + failed, null, null, 0, failed);
        for (Channel c : left) {
            if (c.closed.compareAndSet(false, true)) {
                try {
                    c.listener.onFailure(why);
                } catch (Throwable t) {
                    Operators.onErrorDropped(t, Context.empty());
                }
            }
        }
    }

    /** Drops every watch of a channel marked closed. Any thread. */
    private void closed(Channel channel) {
        synchronized (this) {
            channels.remove(channel);
        }
        synchronized (lock) {
            for (Watch w : channel.watches) {
                drop(w);
            }
            channel.watches.clear();
        }
    }

    /** Forgets one registration; the last one of a key cancels it. Under {@link #lock}. */
    private void drop(Watch w) {
        List<Watch> owners = keys.get(w.key);
        if (owners != null && owners.remove(w) && owners.isEmpty()) {
            keys.remove(w.key);
            w.key.cancel();
        }
    }

    /** One registration of a directory by a channel; it is also the key of its events. */
    static final class Watch {
        final Channel channel;
        final WatchKey key;
        final Path dir;

        Watch(Channel channel, WatchKey key, Path dir) {
            this.channel = channel;
            this.key = key;
            this.dir = dir;
        }

        @Override
        public String toString() {
            return "WatchService key on " + dir;
        }
    }

    private record Task(Channel channel, Runnable task) {
    }

    /** One session on this loop. */
    final class Channel implements WatchChannel {
        final RawEventListener listener;
        final AtomicBoolean closed = new AtomicBoolean();
        final Set<Watch> watches = new LinkedHashSet<>(); // guarded by lock

        Channel(RawEventListener listener) {
            this.listener = listener;
        }

        /**
         * {@inheritDoc}
         *
         * <p>Registers {@code dir} for creations, deletions and modifications; registering a directory again (by
         * any channel) shares the JDK's key.
         */
        @Override
        public Object add(Path dir) throws IOException {
            Objects.requireNonNull(dir, "dir");
            synchronized (lock) {
                if (closed.get()) {
                    throw new ClosedWatchServiceException();
                }
                WatchKey key;
                try {
                    key = dir.register(service, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
                } catch (NoSuchFileException e) {
                    throw e;
                } catch (NotDirectoryException e) {
                    throw new NoSuchFileException(dir.toString(), null, "not a directory");
                } catch (AccessDeniedException e) {
                    throw new WatchException("WatchService registration failed for " + dir + ": permission denied",
                            dir, "register", 0, e);
                } catch (ClosedWatchServiceException e) {
                    throw new WatchException("the WatchService backend has stopped", dir, "register", 0, e);
                } catch (IOException e) {
                    throw new WatchException("WatchService registration failed for " + dir + ": " + e, dir,
                            "register", 0, e);
                }
                Watch w = new Watch(this, key, dir);
                keys.computeIfAbsent(key, k -> new ArrayList<>(1)).add(w);
                watches.add(w);
                return w;
            }
        }

        @Override
        public void remove(Object key) {
            synchronized (lock) {
                if (key instanceof Watch w && w.channel == this && watches.remove(w)) {
                    drop(w);
                }
            }
        }

        /**
         * Runs {@code task} on the loop thread after the events the JDK has already signalled are handed over. The
         * JDK reads the OS on a thread of its own, so a change made just before may come later; {@code sync()}'s
         * cookie file is the barrier for it.
         */
        @Override
        public void execute(Runnable task) {
            Objects.requireNonNull(task, "task");
            if (!closed.get() && !dead) {
                tasks.add(new Task(this, task));
                thread.interrupt();
            }
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                closed(this);
            }
        }

        @Override
        public String toString() {
            return "WatchService channel on " + thread.getName() + (closed.get() ? " (closed)" : "");
        }
    }
}
