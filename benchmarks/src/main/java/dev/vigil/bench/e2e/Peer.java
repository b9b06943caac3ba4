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
}
