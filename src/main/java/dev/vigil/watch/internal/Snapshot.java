package dev.vigil.watch.internal;

import dev.vigil.watch.FileEvent.Kind;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The flat state of a subtree: path to (directory?, time, attributes). In a <em>baseline</em> (what a subscriber was
 * told), the time is when the subscriber last learnt about the entry ({@link Long#MIN_VALUE}: "assume it changed");
 * in a <em>scan</em> of the disk it is the entry's last-modified time. {@link #diff} turns a baseline and a scan
 * into the changes to report; the same mechanism serves overflow resync, new-directory scans, polling and the
 * changes since a saved state.
 */
public final class Snapshot {

    /** Clock slack between the JVM's wall clock and file-system timestamps (coarse kernel clock ticks). */
    static final long SLACK_MILLIS = 20;

    /**
     * One entry; {@code attributes} is null when they were not read. A baseline entry with attributes is compared
     * with a scanned one by them; without, by time.
     */
    public record Stamp(boolean directory, long millis, Attributes attributes) {
        public Stamp(boolean directory, long millis) {
            this(directory, millis, null);
        }
    }

    /**
     * What identifies an entry's content: its file key as the JDK gives it ({@code (dev=..,ino=..)} on Unix; null
     * where the file system has none, as on Windows), its size and its modification time in nanoseconds.
     */
    public record Attributes(String key, long size, long mtimeNanos) {
        static Attributes of(BasicFileAttributes a) {
            Object key = a.fileKey();
            return new Attributes(key == null ? null : key.toString(), a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS));
        }
    }

    /** One difference found by {@link #diff}; {@code previous} is set for {@code RENAMED} only. */
    public record Change(Kind kind, Path path, boolean directory, Path previous) {
        Change(Kind kind, Path path, boolean directory) {
            this(kind, path, directory, null);
        }
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

    /** Visits every entry in insertion order. */
    void forEach(BiConsumer<Path, Stamp> visitor) {
        entries.forEach(visitor);
    }

    /** The number of entries. */
    int size() {
        return entries.size();
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
     * The changes that turn {@code before} (a baseline) into {@code after} (a scan), in an order a subscriber can
     * apply one by one: first the renames (see below), then {@code DELETED} deepest first, then {@code CREATED} in
     * scan order and {@code MODIFIED} for files that changed (see {@link #modified}). An entry whose type changed
     * is deleted and created.
     *
     * <p>Renames are found only where both sides carry file keys ({@link Attributes}): an entry of {@code before}
     * that is gone from {@code after} (or replaced there) and whose key appears under a new name, with the same type
     * and, for a file, the same size and modification time (a rename keeps both; the condition also keeps a reused
     * inode from passing for a rename), is {@code RENAMED}; a directory's content moves with it. A target whose
     * directory is new is preceded by the {@code CREATED} of that directory. Anything else is a deletion and a
     * creation.
     */
    public static List<Change> diff(Snapshot before, Snapshot after) {
        List<Change> out = new ArrayList<>();
        Snapshot base = renames(before, after, out);
        List<Change> deleted = new ArrayList<>();
        List<Change> rest = new ArrayList<>();
        base.entries.forEach((p, was) -> {
            Stamp now = after.entries.get(p);
            if (now == null || now.directory() != was.directory()) {
                deleted.add(new Change(Kind.DELETED, p, was.directory()));
            }
        });
        deleted.sort(Comparator.comparingInt((Change c) -> c.path().getNameCount()).reversed());
        after.entries.forEach((p, now) -> {
            Stamp was = base.entries.get(p);
            if (was == null || was.directory() != now.directory()) {
                rest.add(new Change(Kind.CREATED, p, now.directory()));
            } else if (!now.directory() && modified(was, now)) {
                rest.add(new Change(Kind.MODIFIED, p, false));
            }
        });
        out.addAll(deleted);
        out.addAll(rest);
        return out;
    }

    /**
     * Whether a file known as {@code was} changed into {@code now}: "assume it changed" ({@link Long#MIN_VALUE}), or,
     * when both sides have attributes, another key, size or modification time; otherwise a modification time later
     * than the baseline's time (minus the clock slack).
     */
    private static boolean modified(Stamp was, Stamp now) {
        if (was.millis() == Long.MIN_VALUE) {
            return true;
        }
        Attributes a = was.attributes();
        Attributes b = now.attributes();
        if (a != null && b != null) {
            return a.key() != null && b.key() != null && !a.key().equals(b.key()) || a.size() != b.size()
                    || a.mtimeNanos() != b.mtimeNanos();
        }
        return now.millis() > was.millis() - SLACK_MILLIS;
    }

    /** Whether {@code was} and {@code now} at one path are the same entry (type, and key where both have one). */
    private static boolean same(Stamp was, Stamp now) {
        return was.directory() == now.directory() && (was.attributes() == null || now.attributes() == null
                || was.attributes().key() == null || Objects.equals(was.attributes().key(), now.attributes().key()));
    }

    private static String key(Stamp s) {
        return s.attributes() == null ? null : s.attributes().key();
    }

    /**
     * Pairs the renames described on {@link #diff}, adding them to {@code out} in scan order; returns {@code before}
     * with them applied (a copy; {@code before} itself when there is nothing to pair).
     */
    private static Snapshot renames(Snapshot before, Snapshot after, List<Change> out) {
        Map<String, Path> gone = new HashMap<>(); // key to the current path of an entry that left its name
        before.entries.forEach((p, was) -> {
            Stamp now = after.entries.get(p);
            if (key(was) != null && (now == null || !same(was, now))) {
                gone.putIfAbsent(key(was), p); // hard links: the first name pairs, the others are deleted
            }
        });
        if (gone.isEmpty()) {
            return before;
        }
        Snapshot work = new Snapshot();
        work.entries.putAll(before.entries);
        after.entries.forEach((p, now) -> {
            String key = key(now);
            Path from = key == null || work.entries.containsKey(p) ? null : gone.get(key);
            if (from == null || p.startsWith(from)) {
                return;
            }
            Stamp was = work.entries.get(from);
            if (was == null || was.directory() != now.directory() || !now.directory()
                    && (was.attributes().size() != now.attributes().size()
                    || was.attributes().mtimeNanos() != now.attributes().mtimeNanos())) {
                return;
            }
            List<Path> parents = newParents(work, after, p);
            if (parents == null) {
                return;
            }
            for (Path d : parents) {
                work.entries.put(d, after.entries.get(d));
                out.add(new Change(Kind.CREATED, d, true));
            }
            gone.remove(key);
            work.entries.remove(from);
            work.entries.put(p, was);
            if (was.directory()) {
                work.removeBelow(from).forEach((old, st) -> {
                    Path moved = p.resolve(from.relativize(old));
                    work.entries.put(moved, st);
                    String k = key(st);
                    if (k != null && old.equals(gone.get(k))) {
                        Stamp there = after.entries.get(moved);
                        if (there != null && same(st, there)) {
                            gone.remove(k);
                        } else {
                            gone.put(k, moved);
                        }
                    }
                });
            }
            out.add(new Change(Kind.RENAMED, p, was.directory(), from));
        });
        return work;
    }

    /**
     * The directories above {@code p} that {@code after} has and {@code work} lacks, outermost first; null when one
     * of them is something else in {@code work} (a type change: that rename is left to deletion and creation).
     */
    private static List<Path> newParents(Snapshot work, Snapshot after, Path p) {
        List<Path> missing = new ArrayList<>();
        for (Path q = p.getParent(); q != null; q = q.getParent()) {
            Stamp w = work.entries.get(q);
            if (w != null) {
                if (!w.directory()) {
                    return null;
                }
                break;
            }
            Stamp a = after.entries.get(q);
            if (a == null) {
                break; // the root of the scan, or above it
            }
            if (!a.directory()) {
                return null;
            }
            missing.add(0, q);
        }
        return missing;
    }
}
