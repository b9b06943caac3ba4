package dev.vigil.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command again and again, never two at once: the owner of every process {@code vigil exec} starts.
 * Without restart, a trigger during a run queues one more run (however many triggers arrive); with restart, a
 * trigger stops the running command (SIGTERM to it and its descendants, SIGKILL after the grace period) and the
 * next run starts once it has exited. Each run's end is reported on {@code err} as one line.
 */
final class Runner implements AutoCloseable {
    private final List<String> command;
    private final boolean restart;
    private final Duration grace;
    private final PrintWriter err;
    private final boolean verbose;

    private Process current;
    private int run;
    private boolean again;
    private boolean stopping;
    private boolean closed;

    Runner(List<String> command, boolean restart, Duration grace, PrintWriter err, boolean verbose) {
        this.command = List.copyOf(command);
        this.restart = restart;
        this.grace = grace;
        this.err = err;
        this.verbose = verbose;
    }

    /**
     * Files changed: run now, or once more after the current run, or (restart) stop it and run again. With
     * {@code verbose}, says which on {@code err}, naming {@code change}.
     */
    synchronized void trigger(String change) {
        if (closed) {
            return;
        }
        if (current == null) {
            verbose(change, "run " + (run + 1) + " starts");
            start();
            return;
        }
        again = true;
        if (restart && !stopping) {
            stopping = true;
            verbose(change, "run " + run + " is stopped for a restart");
            stop(current);
        } else {
            verbose(change, "run " + (run + 1) + " follows run " + run);
        }
    }

    private void verbose(String change, String action) {
        if (verbose) {
            report("vigil exec: " + change + ": " + action);
        }
    }

    private void start() {
        int n = ++run;
        long started = System.nanoTime();
        Process p;
        try {
            p = new ProcessBuilder(command).inheritIO().start();
        } catch (IOException e) {
            report("vigil exec: run " + n + " could not start " + command.get(0) + ": " + Messages.oneLine(e));
            return;
        }
        current = p;
        p.onExit().thenAccept(done -> exited(done, n, started));
    }

    private synchronized void exited(Process p, int n, long started) {
        double seconds = (System.nanoTime() - started) / 1e9;
        report(String.format(Locale.ROOT, "vigil exec: run %d exited with status %d after %.2f s%s", n,
                p.exitValue(), seconds, stopping ? " (stopped for a restart)" : closed ? " (stopped)" : ""));
        current = null;
        stopping = false;
        if (again && !closed) {
            again = false;
            start();
        }
        notifyAll();
    }

    private void report(String line) {
        err.println(line);
        err.flush();
    }

    /** SIGTERM to the process and its descendants, SIGKILL to those left after the grace period. */
    private void stop(Process p) {
        List<ProcessHandle> descendants = p.descendants().toList(); // before the parent dies and they are orphans
        p.destroy();
        descendants.forEach(ProcessHandle::destroy);
        CompletableFuture.runAsync(() -> {
            p.destroyForcibly();
            descendants.forEach(ProcessHandle::destroyForcibly);
        }, CompletableFuture.delayedExecutor(grace.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** Ignores later triggers (the first step of shutting down: the watch's last events start nothing). */
    synchronized void refuse() {
        closed = true;
    }

    /** Stops the running command, if any, and waits for it to exit (at most the grace period and 5 s). */
    @Override
    public synchronized void close() throws InterruptedException {
        closed = true;
        if (current == null) {
            return;
        }
        stop(current);
        long deadline = System.nanoTime() + grace.toNanos() + TimeUnit.SECONDS.toNanos(5);
        while (current != null && System.nanoTime() < deadline) {
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
    }
}
