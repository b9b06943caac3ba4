package dev.vigil.crash.internal;

/** The stack of a stalled thread, carried as the throwable of a STALL event; never thrown. */
public final class StuckThreadTrace extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A trace with the thread's current stack. */
    public StuckThreadTrace(String message, StackTraceElement[] stack) {
        super(message, null, false, true);
        setStackTrace(stack);
    }
}
