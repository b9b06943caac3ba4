package dev.vigil.watch.internal;

import dev.vigil.watch.FileEvent.Kind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The flat state of a subtree: path to (directory?, time). In a <em>baseline</em> (what a subscriber was told),
 * the time is when the subscriber last learnt about the entry ({@link Long#MIN_VALUE}: "assume it changed"); in a
 * <em>scan</em> of the disk it is the entry's last-modified time. {@link #diff} turns a baseline and a scan into
 * the changes to report; the same mechanism serves overflow resync, new-directory scans and polling.
 */
public final class Snapshot {

    /** Clock slack between the JVM's wall clock and file-system timestamps (coarse kernel clock ticks). */
    static final long SLACK_MILLIS = 20;

    /** One entry. */
    public record Stamp(boolean directory, long millis) {
    }

    /** One difference found by {@link #diff}. */
    public record Change(Kind kind, Path path, boolean directory) {
    }

    private final Map<Path, Stamp> entries = new LinkedHashMap<>();

    /** Records {@code path}; insertion order is kept (a scan inserts parents before children). */
    public void put(Path path, Stamp stamp) {
        entries.put(path, stamp);
    }

    /** Removes {@code path}, returning its stamp or null. */
    public Stamp remove(Path path) {
        return entries.remove(path);
    }

    /** Removes every entry strictly below {@code dir} and returns them (keyed by their path). */
    Map<Path, Stamp> removeBelow(Path dir) {
        Map<Path, Stamp> below = new LinkedHashMap<>();
        entries.entrySet().removeIf(e -> {
            if (!e.getKey().equals(dir) && e.getKey().startsWith(dir)) {
                below.put(e.getKey(), e.getValue());
                return true;
            }
            return false;
        });
        return below;
    }

    /** Copies every entry of {@code other} at or below {@code scope} into this snapshot, replacing what is there. */
    void overlay(Snapshot other, Path scope) {
        entries.keySet().removeIf(p -> p.startsWith(scope));
        other.entries.forEach((p, s) -> {
            if (p.startsWith(scope)) {
                entries.put(p, s);
            }
        });
    }

    /**
     * The changes that turn {@code before} (a baseline) into {@code after} (a scan): {@code DELETED} deepest first,
     * then {@code CREATED} in scan order and {@code MODIFIED} for files whose modification time is later than the
     * baseline's time (minus a small clock slack). An entry whose type changed is deleted and created.
     */
    public static List<Change> diff(Snapshot before, Snapshot after) {
        List<Change> deleted = new ArrayList<>();
        List<Change> rest = new ArrayList<>();
        before.entries.forEach((p, was) -> {
            Stamp now = after.entries.get(p);
            if (now == null || now.directory() != was.directory()) {
                deleted.add(new Change(Kind.DELETED, p, was.directory()));
            }
        });
        deleted.sort(Comparator.comparingInt((Change c) -> c.path().getNameCount()).reversed());
        after.entries.forEach((p, now) -> {
            Stamp was = before.entries.get(p);
            if (was == null || was.directory() != now.directory()) {
                rest.add(new Change(Kind.CREATED, p, now.directory()));
            } else if (!now.directory() && (was.millis() == Long.MIN_VALUE || now.millis() > was.millis() - SLACK_MILLIS)) {
                rest.add(new Change(Kind.MODIFIED, p, false));
            }
        });
        deleted.addAll(rest);
        return deleted;
    }
}
