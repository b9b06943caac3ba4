package dev.vigil.crash.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import reactor.core.scheduler.Schedulers;

/**
 * Times the tasks that run on Reactor non-blocking workers, so that the watchdog can see one that runs too long.
 * Installed as a keyed {@code Schedulers.onScheduleHook}; costs a thread-local read and two volatile writes per task.
 */
public final class TaskClock implements Function<Runnable, Runnable> {

    /** The state of one worker thread; written by that thread only. */
    public static final class Slot {
        final Thread thread;
        volatile long startedNanos;
        volatile long task;
        long reportedTask = -1;
        int depth;

        Slot(Thread thread) {
            this.thread = thread;
        }
    }

    /** A task seen running beyond the threshold. */
    public record Stuck(Thread thread, long runningNanos) {
    }

    private final Set<Slot> slots = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<Slot> local = ThreadLocal.withInitial(() -> {
        Slot s = new Slot(Thread.currentThread());
        slots.add(s);
        return s;
    });
    private volatile boolean active = true;

    @Override
    public Runnable apply(Runnable task) {
        return () -> {
            if (!active || !Schedulers.isInNonBlockingThread()) {
                task.run();
                return;
            }
            Slot s = local.get();
            if (s.depth++ == 0) {
                s.task++;
                s.startedNanos = System.nanoTime();
            }
            try {
                task.run();
            } finally {
                if (--s.depth == 0) {
                    s.startedNanos = 0;
                }
            }
        };
    }

    /** Tasks running for more than {@code thresholdNanos}, each reported once; forgets dead threads. */
    public List<Stuck> stuck(long thresholdNanos) {
        long now = System.nanoTime();
        List<Stuck> out = new ArrayList<>();
        for (Slot s : slots) {
            if (!s.thread.isAlive()) {
                slots.remove(s);
                continue;
            }
            long started = s.startedNanos;
            long task = s.task;
            if (started != 0 && now - started > thresholdNanos && s.reportedTask != task) {
                s.reportedTask = task;
                out.add(new Stuck(s.thread, now - started));
            }
        }
        return out;
    }

    /** Stops timing (the hook may stay in wrapped tasks already scheduled). */
    public void deactivate() {
        active = false;
    }
}
