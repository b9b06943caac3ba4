package dev.vigil.bench.e2e;

import java.nio.file.Path;

/** One watcher under test, run inside a {@link Child} JVM. */
interface Peer {

    /**
     * Establishes the recursive watch on {@code root} and returns once it is fully established ("ready"): every
     * change made after this method returns must be reported to {@code recorder}.
     */
    void start(Path root, Recorder recorder) throws Exception;

    /** Stops watching. */
    void close();

    /**
     * Starts a second, independent watcher of {@code root} in this (already running) JVM, waits until it is ready,
     * stops it, and returns the nanoseconds from the start call to ready; its events are discarded.
     */
    default long startAgain(Path root) throws Exception {
        throw new UnsupportedOperationException("not measured for this peer");
    }
}
