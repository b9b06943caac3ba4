package dev.vigil.bench.e2e;

import java.nio.file.Path;

/** Watches nothing: the floor of a JVM running this harness (startup, RSS, idle CPU) to compare both peers with. */
final class NonePeer implements Peer {

    static Peer create() {
        return new NonePeer();
    }

    @Override
    public void start(Path root, Recorder recorder) {
    }

    @Override
    public void close() {
    }
}
