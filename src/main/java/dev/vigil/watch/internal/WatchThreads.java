package dev.vigil.watch.internal;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Exceptions;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

/**
 * The threads on which sessions work, in two JVM-wide pools of daemon threads that exist only while there is work:
 * <ul>
 *   <li>{@code vigil-watch-N}, bounded ({@link #WORKERS} threads): the {@link Serial} queues of the sessions' own
 *       work (establishment, model updates, scans, rescans) and a sync barrier's file work. That work may block on
 *       the disk, never on a subscriber, so a bound is safe and keeps a storm of subscriptions from creating a
 *       thread each.</li>
 *   <li>{@code vigil-deliver-N}, elastic: delivery to subscribers ({@code onSubscribe}, {@code onNext}, barrier
 *       callbacks), which may block for as long as the subscriber likes: a blocked subscriber holds one of these
 *       threads and nothing else.</li>
 * </ul>
 * Blocking (disk I/O, loading native code) is allowed on both.
 */
public final class WatchThreads {

    /** How long an idle thread lives. */
    private static final long KEEP_ALIVE_MILLIS = 2_000;
    /** The bound of the work pool. */
    static final int WORKERS = Math.max(4, 4 * Runtime.getRuntime().availableProcessors());
    private static final ThreadPoolExecutor WORK = pool("vigil-watch-", WORKERS, new LinkedBlockingQueue<>());
    private static final ThreadPoolExecutor DELIVERY = pool("vigil-deliver-", Integer.MAX_VALUE,
            new SynchronousQueue<>());
    private static final Scheduler SCHEDULER = Schedulers.fromExecutor(WORK);

    private WatchThreads() {
    }

    private static ThreadPoolExecutor pool(String prefix, int max, BlockingQueue<Runnable> queue) {
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(max == Integer.MAX_VALUE ? 0 : max, max, KEEP_ALIVE_MILLIS,
                TimeUnit.MILLISECONDS, queue, r -> {
                    Thread t = new Thread(r, prefix + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(max != Integer.MAX_VALUE);
        return pool;
    }

    /** Runs subscriber-facing {@code task} on a delivery thread; never blocks the caller. */
    static void deliver(Runnable task) {
        DELIVERY.execute(task);
    }

    /** A Reactor view of the work pool, for work a caller's thread must not do (file I/O of a sync barrier). */
    static Scheduler scheduler() {
        return SCHEDULER;
    }

    /**
     * Tasks run one at a time, in submission order, on work-pool threads: the confinement of one session's model. A
     * task that throws is reported to {@code Hooks.onErrorDropped}; the queue goes on.
     */
    static final class Serial implements Executor {
        private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        private final AtomicInteger wip = new AtomicInteger();
        private volatile Thread runner;

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
            if (wip.getAndIncrement() == 0) {
                WORK.execute(this::run);
            }
        }

        private void run() {
            Thread me = Thread.currentThread();
            int missed = 1;
            for (;;) {
                runner = me;
                for (Runnable t; (t = tasks.poll()) != null;) {
                    try {
                        t.run();
                    } catch (Throwable e) {
                        Exceptions.throwIfJvmFatal(e);
                        Operators.onErrorDropped(e, Context.empty());
                    }
                }
                runner = null; // before letting go: the next runner, on another thread, sets its own
                missed = wip.addAndGet(-missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        /** Whether the caller runs a task of this queue (the threading rule is asserted with it). */
        boolean inside() {
            return runner == Thread.currentThread();
        }
    }
}
