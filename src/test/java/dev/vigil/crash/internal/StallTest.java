package dev.vigil.crash.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which waiting threads the watchdog may call stuck: those waiting for a lock another thread holds (a monitor, or an
 * ownable {@code java.util.concurrent} lock), never those merely parked with no owner to blame. Real threads, each
 * held in the state under test until its {@link ThreadInfo} is read.
 */
class StallTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private final CountDownLatch release = new CountDownLatch(1);
    private final Object monitor = new Object();
    private final ReentrantLock lock = new ReentrantLock();
    private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();

    @AfterEach
    void release() {
        release.countDown();
    }

    @Test
    void aThreadEnteringAMonitorHeldByAnotherWaitsOnAnOwner() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        start("holder", () -> {
            synchronized (monitor) {
                held.countDown();
                awaitRelease();
            }
        });
        assertThat(held.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(CrashEngine.waitingOnAnOwner(infoWhen(start("entering", () -> {
            synchronized (monitor) {
                monitor.notifyAll();
            }
        }), Thread.State.BLOCKED))).isEqualTo("waiting to lock");
    }

    @Test
    void aThreadParkedOnAReentrantLockOrAWriteLockHeldByAnotherWaitsOnAnOwner() throws Exception {
        start("holder", () -> {
            lock.lock();
            rw.writeLock().lock();
            awaitRelease();
        });
        await().atMost(WAIT).until(() -> lock.isLocked() && rw.isWriteLocked());
        assertThat(CrashEngine.waitingOnAnOwner(infoWhen(start("locking", lock::lock), Thread.State.WAITING)))
                .isEqualTo("parked waiting for");
        assertThat(CrashEngine.waitingOnAnOwner(infoWhen(start("reading", () -> rw.readLock().lock()),
                Thread.State.WAITING))).isEqualTo("parked waiting for");
        assertThat(CrashEngine.waitingOnAnOwner(infoWhen(start("timed", () -> {
            try {
                lock.tryLock(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }), Thread.State.TIMED_WAITING))).isEqualTo("parked waiting for");
    }

    @Test
    void threadsParkedWithNoOwnerToBlameAreIdleNotStuck() throws Exception {
        assertThat(CrashEngine.waitingOnAnOwner(infoWhen(start("latch", this::awaitRelease), Thread.State.TIMED_WAITING)))
                .isNull();
        assertThat(CrashEngine.waitingOnAnOwner(infoWhen(start("wait", () -> {
            synchronized (monitor) {
                try {
                    monitor.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }), Thread.State.WAITING))).isNull();
        assertThat(CrashEngine.waitingOnAnOwner(infoWhen(start("condition", () -> {
            lock.lock();
            try {
                lock.newCondition().await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                lock.unlock();
            }
        }), Thread.State.WAITING))).isNull();
    }

    private void awaitRelease() {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, "stall-test-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The thread's info once it is in {@code state} inside the code under test (not while starting). */
    private static ThreadInfo infoWhen(Thread t, Thread.State state) {
        ThreadInfo[] info = new ThreadInfo[1];
        await().atMost(WAIT).until(() -> {
            info[0] = ManagementFactory.getThreadMXBean().getThreadInfo(t.getId(), 1);
            return info[0] != null && info[0].getThreadState() == state;
        });
        return info[0];
    }
}
