package dev.vigil.watch.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Watches and lists, on other cores, the new directories a scan has found but not reached yet, so that a large
 * tree is scanned on every core while its model stays confined to the session's thread. Most of a scan is the
 * kernel's work ({@code inotify_add_watch}, {@code open}/{@code getdents64}/{@code close}: about 70 % of a warm
 * scan of 10,100 directories), and listing one directory does not depend on another.
 *
 * <p>How: when the scan lists a directory, it {@linkplain #offer offers} a job for each new subdirectory, then walks
 * them in order, {@linkplain #take taking} each job as it reaches it. Helpers on the work pool take jobs from the
 * other end (the newest, deepest, last ones: those the scan reaches last) and do exactly what the scan would have:
 * add the watch, then list. A job the scan reaches before any helper does is the scan's to do, as if there were no
 * helpers; one a helper is doing is waited for. Either way each directory is watched before it is listed, and the
 * model applies the results in the scan's order on the scan's thread, with the events read meanwhile applied after
 * it, as they would be after a scan on one thread.
 *
 * <p>Only for a source whose channel's {@code add}/{@code remove} and whose lister may be called from several
 * threads at once ({@link WatchBackend.Capabilities#concurrentScan()}), and once the JVM has scanned
 * {@link #WARM_AFTER} directories without help. Helpers start only once a scan has offered {@link #START_AT} jobs,
 * and exist only while there are jobs: a small scan costs nothing more than before.
 *
 * <p>Threading: {@link #offer}, {@link #take} and {@link #settle} on the session's thread; helpers on
 * {@link WatchThreads}' work pool.
 */
final class ScanAhead {

    /** Helpers per session: one per core beside the scan's own, at most 3 (the watch lock serialises the adds). */
    static final int HELPERS = Math.min(3, Runtime.getRuntime().availableProcessors() - 1);
    /** Jobs a scan offers before helpers start: below it a hand-off costs more than it saves. */
    static final int START_AT = 4;

    private static final int NEW = 0;
    private static final int HELPING = 1;
    private static final int DONE = 2;
    /** The scan's own: it did it itself, or gave it up. */
    private static final int SCANS = 3;

    /** One new directory: watched, then listed, by a helper. */
    static final class Job {
        final Path path;
        final Sources.Source source;
        private final AtomicInteger state = new AtomicInteger(NEW);
        /** Written by the helper before {@link #DONE}; read by the scan after. */
        private Object key;
        private NameSet listed;
        private boolean consumed;

        Job(Path path, Sources.Source source) {
            this.path = path;
            this.source = source;
        }

        /** The watch key a helper added, or null (the scan watches it itself). */
        Object key() {
            return key;
        }

        /** The helper's listing, or null (the scan lists it itself). */
        NameSet listed() {
            return listed;
        }
    }

    private final ConcurrentLinkedDeque<Job> queue = new ConcurrentLinkedDeque<>();
    private final AtomicInteger helpers = new AtomicInteger();
    /** The jobs of the scan under way, for {@link #settle}. Session thread only. */
    private final List<Job> offered = new ArrayList<>();

    /**
     * Directories this JVM scans before scans are helped. The first large scan of a JVM runs while the JIT compiles
     * its code, and on two cores a helper then competes with the compiler threads for the CPU. Measured (10,100
     * directories, 2 cores, JDK 17): a process whose first scan was helped was ready 60 ms later and used 0.14 s
     * more CPU; a later scan (a second watcher, a rescan) helped is ready in about 140 ms instead of 170.
     */
    static final int WARM_AFTER = 2_000;
    private static final AtomicInteger SCANNED = new AtomicInteger();
    private static volatile boolean warm;
    /** Jobs done by helpers in this JVM (tests). */
    private static final java.util.concurrent.atomic.AtomicLong HELPED = new java.util.concurrent.atomic.AtomicLong();

    /** Whether scans of {@code source} may be helped now. */
    static boolean helps(Sources.Source source) {
        return HELPERS > 0 && warm && source.caps.concurrentScan() && !source.caps.recursive();
    }

    /** Queues jobs for these directories, in the order the scan will reach them. */
    void offer(List<Job> jobs) {
        offered.addAll(jobs);
        for (Job j : jobs) {
            queue.addLast(j);
        }
        if (offered.size() >= START_AT) {
            for (int n; (n = helpers.get()) < HELPERS;) {
                if (helpers.compareAndSet(n, n + 1)) {
                    WatchThreads.work(this::help);
                }
            }
        }
    }

    /**
     * Takes a job the scan has reached: true with its results (which may be a failure: null key or listing) when a
     * helper did it, false when the scan must do it itself.
     */
    boolean take(Job j) {
        j.consumed = true;
        if (j.state.compareAndSet(NEW, SCANS)) {
            return false;
        }
        awaitDone(j);
        return true;
    }

    /**
     * Ends a scan that found {@code fresh} new directories: gives up the jobs it never took and removes the watches
     * helpers added for them (a scan that ended early: a fatal error, an exception). Returns once no helper works
     * for it.
     */
    void settle(int fresh) {
        if (!warm && SCANNED.addAndGet(fresh) >= WARM_AFTER) {
            warm = true;
        }
        for (Job j : offered) {
            if (!j.consumed && !j.state.compareAndSet(NEW, SCANS)) {
                awaitDone(j);
                if (j.key != null) {
                    j.source.channel.remove(j.key);
                }
            }
        }
        offered.clear();
        queue.clear();
    }

    private void help() {
        for (;;) {
            for (Job j; (j = queue.pollLast()) != null;) {
                if (j.state.compareAndSet(NEW, HELPING)) {
                    run(j);
                }
            }
            helpers.decrementAndGet();
            // jobs offered between the last poll and the decrement would otherwise wait for the scan itself
            int n;
            if (queue.isEmpty() || (n = helpers.get()) >= HELPERS || !helpers.compareAndSet(n, n + 1)) {
                return;
            }
        }
    }

    /** Skips or restores the wait for {@link #WARM_AFTER} directories (tests). */
    static void warm(boolean now) {
        warm = now;
    }

    /** Jobs done by helpers in this JVM so far (tests). */
    static long helped() {
        return HELPED.get();
    }

    private static void run(Job j) {
        HELPED.incrementAndGet();
        try {
            j.key = j.source.channel.add(j.path);
            NameSet listed = new NameSet();
            j.source.lister.list(j.path, listed);
            j.listed = listed;
        } catch (Exception e) {
            // the scan does again what failed, as it would have without help, and handles its failure
        } finally {
            synchronized (j) {
                j.state.set(DONE);
                j.notifyAll();
            }
        }
    }

    private static void awaitDone(Job j) {
        boolean interrupted = false;
        synchronized (j) {
            while (j.state.get() != DONE) {
                try {
                    j.wait();
                } catch (InterruptedException e) {
                    interrupted = true; // the helper is in one system call: it finishes soon
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
