package dev.vigil.watch.internal.macos;

import dev.vigil.watch.WatchException;
import dev.vigil.watch.internal.RawEvent;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.macos.EventStreams.Entry;
import dev.vigil.watch.internal.macos.EventStreams.Record;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Exceptions;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The FSEvents reader: one daemon thread ({@code vigil-fsevents-N}) that takes, in order, the records the streams'
 * callbacks queued (on the OS's dispatch thread, which only queues) and the tasks of other threads, decodes the
 * records against the disk ({@link Decoder}) and hands the raw events to the channels. It waits in
 * {@link LinkedBlockingQueue#take()}: no CPU when idle.
 *
 * <p>Ownership: each {@link Watch} owns one stream, opened by {@link #add} on the caller's thread and flushed and
 * closed only on this thread, so that a flush never meets a released stream. The read barrier of a channel flushes
 * its streams ({@code FSEventStreamFlushSync}: every event that occurred before has been queued) and then queues its
 * task behind those records.
 */
final class FsEventsLoop implements Runnable {

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final Runnable STOP = () -> { };

    private final EventStreams os;
    private final double latency;
    private final Decoder decoder;
    private final Thread thread;
    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final AtomicInteger streams = new AtomicInteger();
    private final Set<FsEventsChannel> channels = new LinkedHashSet<>(); // guarded by this
    private volatile boolean dead;
    private Throwable failure; // guarded by this

    private FsEventsLoop(EventStreams os, double latency) {
        this.os = os;
        this.latency = latency;
        this.decoder = new Decoder(os);
        thread = new Thread(this, "vigil-fsevents-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
    }

    static FsEventsLoop start(EventStreams os, double latency) {
        FsEventsLoop loop = new FsEventsLoop(os, latency);
        loop.thread.start();
        return loop;
    }

    /** A new channel, or null when the loop has died. */
    synchronized FsEventsChannel open(RawEventListener listener) {
        if (dead) {
            return null;
        }
        FsEventsChannel channel = new FsEventsChannel(this, listener);
        channels.add(channel);
        return channel;
    }

    boolean isDead() {
        return dead;
    }

    synchronized Throwable failure() {
        return failure;
    }

    String threadName() {
        return thread.getName();
    }

    /** Streams open now (for tests: none once every channel closed). */
    int openStreams() {
        return streams.get();
    }

    /**
     * Starts a stream on {@code dir}'s real path (FSEvents reports real paths: {@code /private/tmp} for
     * {@code /tmp}); its events are routed from the moment it has started. Any thread but the loop's.
     */
    Watch add(FsEventsChannel channel, Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Path real = abs.toRealPath();
        Entry root = os.entry(real, false);
        if (root == null || !root.directory()) {
            throw new NoSuchFileException(abs.toString(), null, "not a directory");
        }
        Watch w = new Watch(channel, abs, real, root.inode(), os.caseSensitive(real));
        if (!submit(() -> { })) {
            throw new WatchException("the FSEvents loop has stopped", abs, "FSEventStreamCreate", 0, failure());
        }
        w.stream = os.open(real.toString(), Flags.SINCE_NOW, latency, records -> queue(w, records));
        streams.incrementAndGet();
        channel.watches.add(w);
        if (channel.isClosed() || dead) { // closed meanwhile: closed() may have missed this watch
            release(w);
        }
        return w;
    }

    /** Called on the OS's thread for each callback of {@code w}'s stream. */
    private void queue(Watch w, List<Record> records) {
        if (!w.removed) {
            submit(() -> route(w, records));
        }
    }

    /** Stops delivering {@code w}'s events now; the loop closes its stream. Any thread. */
    void release(Watch w) {
        if (w.removed) {
            return;
        }
        w.removed = true;
        w.channel.watches.remove(w);
        if (!submit(() -> closeStream(w))) {
            closeStream(w); // the loop is gone: nobody else flushes it
        }
    }

    /** Called once a channel is marked closed, from any thread: releases its watches. */
    void closed(FsEventsChannel channel) {
        synchronized (this) {
            channels.remove(channel);
        }
        for (Watch w : new ArrayList<>(channel.watches)) {
            release(w);
        }
    }

    /** The read barrier of {@code channel}: flush its streams, then run {@code task} after what they delivered. */
    void execute(FsEventsChannel channel, Runnable task) {
        submit(() -> {
            for (Watch w : channel.watches) {
                if (!w.removed && w.stream != null) {
                    w.stream.flush();
                }
            }
            submit(() -> {
                if (!channel.isClosed()) {
                    deliver(channel, task);
                }
            });
        });
    }

    /** Queues {@code task} for the loop thread; false when the loop is dead. */
    private boolean submit(Runnable task) {
        if (dead) {
            return false;
        }
        tasks.add(task);
        return true;
    }

    /** Stops the loop: every channel fails, every stream closes. Returns once done (unless on the loop thread). */
    void stop() {
        submit(() -> die(null));
        submit(STOP);
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
        try {
            while (true) {
                Runnable t = tasks.take();
                if (t == STOP || dead) {
                    return; // (die() ran the tasks queued after it)
                }
                try {
                    t.run();
                } catch (Throwable e) {
                    Exceptions.throwIfJvmFatal(e);
                    Operators.onErrorDropped(e, Context.empty());
                }
                if (dead) {
                    return;
                }
            }
        } catch (Throwable e) { // a JVM error, or an interrupt nobody sends
            die(e);
            Exceptions.throwIfJvmFatal(e);
        }
    }

    private void route(Watch w, List<Record> records) {
        FsEventsChannel channel = w.channel;
        if (w.removed || channel.isClosed()) {
            return;
        }
        List<RawEvent> batch = decoder.decode(w.root, records);
        if (!batch.isEmpty()) {
            deliver(channel, () -> channel.listener.onEvents(batch));
        }
    }

    private void closeStream(Watch w) {
        if (w.closed) {
            return;
        }
        w.closed = true;
        if (w.stream != null) {
            w.stream.close();
            streams.decrementAndGet();
        }
    }

    /** Runs a callback of {@code channel}; if it throws, the channel closes and learns why. */
    private void deliver(FsEventsChannel channel, Runnable callback) {
        try {
            callback.run();
        } catch (Throwable t) {
            Exceptions.throwIfJvmFatal(t);
            if (channel.markClosed()) {
                closed(channel);
                channel.listener.onFailure(t);
            } else {
                Operators.onErrorDropped(t, Context.empty());
            }
        }
    }

    /** The loop ends: open channels learn why, streams close. */
    private void die(Throwable why) {
        List<FsEventsChannel> left;
        synchronized (this) {
            dead = true;
            failure = why;
            left = new ArrayList<>(channels);
            channels.clear();
        }
        Throwable error = why == null ? new WatchException("the FSEvents backend was closed", null, null, 0, null)
                : new WatchException("the FSEvents loop failed: " + why, null, null, 0, why);
        for (FsEventsChannel channel : left) {
            if (channel.markClosed()) {
                for (Watch w : new ArrayList<>(channel.watches)) {
                    w.removed = true;
                    channel.watches.remove(w);
                    closeStream(w);
                }
                try {
                    channel.listener.onFailure(error);
                } catch (Throwable t) {
                    Operators.onErrorDropped(t, Context.empty());
                }
            }
        }
        for (Runnable t; (t = tasks.poll()) != null; ) {
            if (t != STOP) {
                try {
                    t.run(); // stream closes queued by release(); routes and barriers of closed channels do nothing
                } catch (Throwable e) {
                    Operators.onErrorDropped(e, Context.empty());
                }
            }
        }
    }

    /** One root watched for one channel: its stream and how its records are decoded. Also the key of its events. */
    static final class Watch {
        final FsEventsChannel channel;
        final Decoder.Root root;
        /** Set once the stream has started (on the adding thread, before the watch is returned). */
        volatile EventStreams.Stream stream;
        /** Set by {@link #release} on any thread: no more events of this watch are delivered. */
        volatile boolean removed;
        /** Loop thread only. */
        boolean closed;

        Watch(FsEventsChannel channel, Path given, Path real, long inode, boolean caseSensitive) {
            this.channel = channel;
            this.root = new Decoder.Root(this, given, real, inode, caseSensitive);
        }

        @Override
        public String toString() {
            return "FSEvents watch of " + root.given;
        }
    }
}
