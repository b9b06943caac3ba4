package dev.vigil.watch.internal;

import java.util.concurrent.ConcurrentLinkedQueue;
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
 * The threads on which sessions work: one JVM-wide elastic pool of daemon threads ({@code vigil-watch-N}) that
 * exist only while there is work, and {@link Serial} queues on it, one per session job, that run their tasks one at
 * a time. A session whose subscriber blocks holds one pool thread, never another session's queue; idle sessions hold
 * none. Blocking (disk I/O, loading native code) is allowed on these threads.
 */
public final class WatchThreads {

    /** How long an idle pool thread lives. */
    private static final long KEEP_ALIVE_MILLIS = 2_000;
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final ThreadPoolExecutor POOL = new ThreadPoolExecutor(0, Integer.MAX_VALUE, KEEP_ALIVE_MILLIS,
            TimeUnit.MILLISECONDS, new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "vigil-watch-" + COUNT.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
    private static final Scheduler SCHEDULER = Schedulers.fromExecutor(POOL);

    private WatchThreads() {
    }

    /** Runs {@code task} on a pool thread; never blocks the caller. */
    static void execute(Runnable task) {
        POOL.execute(task);
    }

    /** A Reactor view of the pool, for work a caller's thread must not do (file I/O of a sync barrier). */
    static Scheduler scheduler() {
        return SCHEDULER;
    }

    /**
     * Tasks run one at a time, in submission order, on pool threads: the confinement of one session's model. A
     * task that throws is reported to {@code Hooks.onErrorDropped}; the queue goes on. When the queue runs dry, its
     * thread first lets go of the queue (a task submitted from then on runs on another thread), then runs the
     * {@linkplain #onIdle idle hook}: work that must not hold the queue up (delivery to a subscriber that may block)
     * runs there without another thread hand-off.
     */
    static final class Serial implements Executor {
        private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        private final AtomicInteger wip = new AtomicInteger();
        private volatile Thread runner;
        private volatile Runnable idle;

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
            if (wip.getAndIncrement() == 0) {
                POOL.execute(this::run);
            }
        }

        /** Sets the hook run, outside the queue, each time the queue runs dry. */
        void onIdle(Runnable hook) {
            idle = hook;
        }

        private void run() {
            runner = Thread.currentThread();
            int missed = 1;
            try {
                for (;;) {
                    for (Runnable t; (t = tasks.poll()) != null;) {
                        runSafely(t);
                    }
                    missed = wip.addAndGet(-missed);
                    if (missed == 0) {
                        break;
                    }
                }
            } finally {
                runner = null;
            }
            Runnable hook = idle;
            if (hook != null) {
                runSafely(hook);
            }
        }

        private static void runSafely(Runnable t) {
            try {
                t.run();
            } catch (Throwable e) {
                Exceptions.throwIfJvmFatal(e);
                Operators.onErrorDropped(e, Context.empty());
            }
        }

        /** Whether the caller runs a task of this queue (the threading rule is asserted with it). */
        boolean inside() {
            return runner == Thread.currentThread();
        }
    }
}
