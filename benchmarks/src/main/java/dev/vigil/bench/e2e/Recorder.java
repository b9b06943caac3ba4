package dev.vigil.bench.e2e;

import java.nio.file.Path;
import java.util.HashSet;

/**
 * What a peer saw, recorded identically for both peers: counts per kind, the distinct paths reported as created
 * under a prefix, the time of the first and last event, and (in print mode) one {@code EV} line per event.
 */
final class Recorder {
    static final int CREATED = 0;
    static final int MODIFIED = 1;
    static final int DELETED = 2;
    static final int RENAMED = 3;
    static final int OVERFLOW = 4;
    static final String[] NAMES = {"CREATED", "MODIFIED", "DELETED", "RENAMED", "OVERFLOW"};

    private final java.util.function.Consumer<String> out;
    private boolean print;
    private Path prefix;
    private final HashSet<Path> created = new HashSet<>();
    private long distinctDirs;
    private final long[] counts = new long[NAMES.length];
    private long events;
    private long firstNanos;
    private long lastNanos;

    /** {@code out} takes the protocol lines ({@code EV ...}, {@code ERROR ...}), one per call. */
    Recorder(java.util.function.Consumer<String> out) {
        this.out = out;
    }

    /** Records one event; {@code nanos} is {@link System#nanoTime()} taken when the peer delivered it. */
    synchronized void event(int kind, Path path, boolean dir, long nanos) {
        if (events++ == 0) {
            firstNanos = nanos;
        }
        lastNanos = nanos;
        counts[kind]++;
        if (kind == CREATED && prefix != null && path.startsWith(prefix) && created.add(path) && dir) {
            distinctDirs++;
        }
        if (print) {
            out.accept("EV " + NAMES[kind] + " " + nanos + " " + path);
        }
    }

    synchronized void print(boolean on) {
        print = on;
    }

    /** Forgets everything; from now on, created paths under {@code prefix} (if not null) are collected. */
    synchronized void reset(Path prefix) {
        this.prefix = prefix;
        created.clear();
        distinctDirs = 0;
        java.util.Arrays.fill(counts, 0);
        events = 0;
        firstNanos = 0;
        lastNanos = 0;
    }

    synchronized String stats() {
        StringBuilder b = new StringBuilder("STATS events=").append(events);
        for (int i = 0; i < NAMES.length; i++) {
            b.append(' ').append(NAMES[i].toLowerCase(java.util.Locale.ROOT)).append('=').append(counts[i]);
        }
        return b.append(" distinct=").append(created.size()).append(" distinctDirs=").append(distinctDirs)
                .append(" first=").append(firstNanos).append(" last=").append(lastNanos).toString();
    }

    void error(Throwable t) {
        out.accept("ERROR " + String.valueOf(t).replace('\n', ' '));
        t.printStackTrace();
    }
}
