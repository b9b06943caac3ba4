package dev.vigil.watch.internal.polling;

import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchBackend;
import dev.vigil.watch.internal.WatchChannel;
import dev.vigil.watch.internal.WatchSpec;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.scheduler.Schedulers;

/**
 * The polling backend: pure Java, available everywhere. Each channel's watched directories are listed, and their
 * entries' attributes read, once per poll interval; the difference with the previous listing becomes raw events
 * (see {@link PollingChannel}).
 *
 * <p>Threads: the polls are <em>timed</em> by the session's scheduler (virtual in tests), whose tick only queues
 * the channel's poll; the polls <em>run</em> on this instance's one thread ({@code vigil-poll-N}), which does
 * nothing else and exists only while there is work (it ends after {@value #KEEP_ALIVE_MILLIS} ms without any, and
 * comes back with the next poll). Between polls nothing runs. All channels share the thread, so one slow file
 * system delays the others' polls; a poll that outlasts the interval makes the next one start late, never pile up.
 */
public final class PollingBackend implements WatchBackend {

    /** How long the poll thread waits for work before it ends. */
    static final long KEEP_ALIVE_MILLIS = 2_000;
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final PollingBackend SHARED = new PollingBackend();

    private final ThreadPoolExecutor worker;
    /** Rename cookies: unique per instance, never 0. */
    private final AtomicLong cookies = new AtomicLong();
    /** Polls run so far (for tests: nothing runs between ticks). */
    final AtomicLong polls = new AtomicLong();
    /** Channels opened and not closed yet (for tests: none leaks). */
    final AtomicInteger openChannels = new AtomicInteger();

    private PollingBackend() {
        worker = new ThreadPoolExecutor(1, 1, KEEP_ALIVE_MILLIS, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "vigil-poll-" + THREADS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        worker.allowCoreThreadTimeOut(true);
    }

    /** The JVM-wide instance. */
    public static PollingBackend shared() {
        return SHARED;
    }

    /** A private instance with its own thread (tests, isolation); {@link #close()} releases it. */
    public static PollingBackend isolated() {
        return new PollingBackend();
    }

    @Override
    public String name() {
        return "polling";
    }

    /** The lowest: the last resort. */
    @Override
    public int priority() {
        return 0;
    }

    /** Always available: it needs only the JDK's file API. */
    @Override
    public Optional<Throwable> unavailabilityCause() {
        return Optional.empty();
    }

    /**
     * Per directory: the pipeline's tree model then decides which directories are polled (excluded ones never are,
     * nor anything below the top level of a non-recursive watch), and one listing per directory is what a recursive
     * walk would cost anyway. Renames are paired by file key (inode) within one poll; where the JDK gives no file
     * key (Windows) they are a deletion and a creation.
     */
    @Override
    public Capabilities capabilities() {
        return Capabilities.PER_DIRECTORY;
    }

    /** A channel polled every {@link WatchSpec#DEFAULT_POLL_INTERVAL}, timed by {@link Schedulers#parallel()}. */
    @Override
    public WatchChannel open(RawEventListener listener) throws IOException {
        return open(listener, new ChannelOptions(Schedulers.parallel(), WatchSpec.DEFAULT_POLL_INTERVAL));
    }

    @Override
    public WatchChannel open(RawEventListener listener, ChannelOptions options) throws IOException {
        Objects.requireNonNull(listener, "listener");
        if (worker.isShutdown()) {
            throw new IllegalStateException("this polling backend is closed");
        }
        PollingChannel c = new PollingChannel(this, listener, options);
        openChannels.incrementAndGet();
        return c;
    }

    /** Queues work for the poll thread. */
    void run(Runnable task) {
        worker.execute(task);
    }

    long nextCookie() {
        return cookies.incrementAndGet();
    }

    /** Whether the caller is the poll thread (for tests). */
    static boolean onPollThread() {
        return Thread.currentThread().getName().startsWith("vigil-poll-");
    }

    /** Channels of this instance that are open (for tests). */
    public int openChannels() {
        return openChannels.get();
    }

    /** Polls run so far by this instance (for tests). */
    public long polls() {
        return polls.get();
    }

    /**
     * Stops a private instance's thread once queued work is done. Idempotent.
     *
     * @throws UnsupportedOperationException on the {@linkplain #shared() shared} instance
     */
    public void close() {
        if (this == SHARED) {
            throw new UnsupportedOperationException("the shared polling backend lives as long as the JVM");
        }
        worker.shutdown();
    }
}
