package dev.vigil.cli;

import sun.misc.Signal;

/**
 * SIGINT and SIGTERM as a request to finish: the handler replaces the JVM's default (exit 130/143 through the
 * shutdown hooks), so that a command closes what it owns and exits 0 by returning normally.
 */
final class Signals {
    private Signals() {
    }

    /** Runs {@code action} on the JVM's signal thread for each SIGINT or SIGTERM; it must not block for long. */
    static void onTerminate(Runnable action) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), s -> action.run());
            } catch (IllegalArgumentException unsupported) {
                // not a signal here (or reserved by the JVM's -Xrs): the default behaviour stays
            }
        }
    }
}
