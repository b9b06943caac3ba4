package dev.vigil.crash.internal;

import java.util.function.BiConsumer;

/**
 * The default uncaught-exception handler: reports, then hands over to the handler that was in place before (or, when
 * there was none, does what the JVM does without one: prints the stack trace to {@code System.err}), so that
 * installing the reporter changes nothing the application already did.
 */
final class UncaughtHandler implements Thread.UncaughtExceptionHandler {
    private final Thread.UncaughtExceptionHandler previous;
    private final BiConsumer<Thread, Throwable> report;
    private volatile boolean active = true;

    private UncaughtHandler(Thread.UncaughtExceptionHandler previous, BiConsumer<Thread, Throwable> report) {
        this.previous = previous;
        this.report = report;
    }

    /** Installs a handler that calls {@code report} first; the handle restores the previous one. */
    static AutoCloseable install(BiConsumer<Thread, Throwable> report) {
        UncaughtHandler ours = new UncaughtHandler(Thread.getDefaultUncaughtExceptionHandler(), report);
        Thread.setDefaultUncaughtExceptionHandler(ours);
        return () -> {
            ours.active = false;
            // Someone installed a handler after ours (and may chain to it): leave it, ours now only delegates.
            if (Thread.getDefaultUncaughtExceptionHandler() == ours) {
                Thread.setDefaultUncaughtExceptionHandler(ours.previous);
            }
        };
    }

    @Override
    public void uncaughtException(Thread t, Throwable e) {
        if (active) {
            try {
                report.accept(t, e);
            } catch (RuntimeException | Error failure) {
                e.addSuppressed(failure);
            }
        }
        if (previous != null) {
            previous.uncaughtException(t, e);
        } else if (!(e instanceof ThreadDeath)) {
            // Exactly what ThreadGroup.uncaughtException does when no default handler is set.
            System.err.print("Exception in thread \"" + t.getName() + "\" ");
            e.printStackTrace(System.err);
        }
    }
}
