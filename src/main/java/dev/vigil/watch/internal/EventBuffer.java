package dev.vigil.watch.internal;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileEvent.Kind;
import dev.vigil.watch.WatchException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The per-session buffer of undelivered events: insertion-ordered, merged per path when coalescing, bounded by the
 * number of path slots. Also carries sync-barrier markers and the output of rescans ({@link #addReady}), which is
 * delivered before the slots. Written by the backend loop, read by whichever thread drains; guarded by {@code this}.
 */
final class EventBuffer {

    /** A pending event (or barrier). Mutable while it waits, under the buffer's lock. */
    static final class Slot {
        Kind kind;
        final Path path;
        final Path previous;
        final boolean directory;
        final Path root;
        final Instant time;
        final WatchException cause;
        final Runnable barrier;

        Slot(Kind kind, Path path, Path previous, boolean directory, Path root, Instant time, WatchException cause,
                Runnable barrier) {
            this.kind = kind;
            this.path = path;
            this.previous = previous;
            this.directory = directory;
            this.root = root;
            this.time = time;
            this.cause = cause;
            this.barrier = barrier;
        }

        FileEvent toEvent() {
            return new FileEvent(kind, path, previous, directory, root, time, cause);
        }
    }

    private final boolean coalesce;
    /** With several roots, one root may lie inside another: merge per (root, path), each root gets its events. */
    private final boolean severalRoots;
    private final LinkedHashMap<Object, Slot> slots = new LinkedHashMap<>();
    private final ArrayDeque<FileEvent> ready = new ArrayDeque<>();
    private int barriers;

    EventBuffer(boolean coalesce, boolean severalRoots) {
        this.coalesce = coalesce;
        this.severalRoots = severalRoots;
    }

    private record RootedPath(Path root, Path path) {
    }

    private Object key(Path root, Path path) {
        return severalRoots ? new RootedPath(root, path) : path;
    }

    /** Adds an event, merging it with a pending one for the same path when coalescing. */
    synchronized void add(Kind kind, Path path, Path previous, boolean dir, Path root, Instant time,
            WatchException cause, boolean replaced) {
        if (!coalesce) {
            slots.put(new Object(), new Slot(kind, path, previous, dir, root, time, cause, null));
            return;
        }
        switch (kind) {
            case RENAMED: {
                Slot created = slots.get(key(root, previous));
                if (created != null && created.kind == Kind.CREATED) {
                    // created then renamed before delivery: the subscriber only needs the final name
                    slots.remove(key(root, previous));
                    add(replaced ? Kind.MODIFIED : Kind.CREATED, path, null, dir, root, time, null, false);
                    return;
                }
                slots.put(new Object(), new Slot(kind, path, previous, dir, root, time, cause, null));
                return;
            }
            case OVERFLOW:
                slots.put(new Object(), new Slot(kind, path, null, dir, root, time, cause, null));
                return;
            default:
                break;
        }
        Object key = key(root, path);
        Slot old = slots.get(key);
        if (old == null) {
            slots.put(key, new Slot(kind, path, null, dir, root, time, null, null));
            return;
        }
        switch (old.kind) {
            case CREATED:
                if (kind == Kind.DELETED) {
                    slots.remove(key); // created and deleted before delivery: nothing happened
                }
                return; // CREATED + MODIFIED (or a duplicate CREATED) stays CREATED
            case MODIFIED:
                if (kind == Kind.DELETED) {
                    old.kind = Kind.DELETED;
                }
                return;
            case DELETED:
                if (kind == Kind.CREATED) {
                    if (old.directory == dir) {
                        old.kind = Kind.MODIFIED; // replaced by an entry of the same type
                    } else {
                        slots.put(new Object(), new Slot(kind, path, null, dir, root, time, null, null));
                    }
                }
                return;
            default:
                slots.put(new Object(), new Slot(kind, path, null, dir, root, time, cause, null));
        }
    }

    /** Adds a barrier: {@code onPassed} runs (on the draining thread) once everything before it was delivered. */
    synchronized void addBarrier(Runnable onPassed) {
        slots.put(new Object(), new Slot(Kind.OVERFLOW, null, null, false, null, null, null, onPassed));
        barriers++;
    }

    /** Path slots pending (barriers excluded). */
    synchronized int pathSlots() {
        return slots.size() - barriers;
    }

    /** Removes every pending event (not the barriers) and returns them oldest first. */
    synchronized List<Slot> takeEvents() {
        List<Slot> taken = new ArrayList<>(slots.size());
        Iterator<Slot> it = slots.values().iterator();
        while (it.hasNext()) {
            Slot s = it.next();
            if (s.barrier == null) {
                taken.add(s);
                it.remove();
            }
        }
        return taken;
    }

    /** Queues the result of a rescan; it is delivered before pending slots. */
    synchronized void addReady(List<FileEvent> events) {
        ready.addAll(events);
    }

    /**
     * The next event to deliver, or null. Barriers at the head are passed (their callbacks collected into
     * {@code passed}) when nothing precedes them and {@code holdBarriers} is false.
     */
    synchronized FileEvent poll(List<Runnable> passed, boolean holdBarriers) {
        FileEvent r = ready.poll();
        if (r != null) {
            return r;
        }
        Iterator<Slot> it = slots.values().iterator();
        while (it.hasNext()) {
            Slot s = it.next();
            if (s.barrier != null) {
                if (holdBarriers) {
                    return null;
                }
                it.remove();
                barriers--;
                passed.add(s.barrier);
                continue;
            }
            it.remove();
            return s.toEvent();
        }
        return null;
    }

    /** Passes the barriers at the head (nothing precedes them), collecting their callbacks into {@code passed}. */
    synchronized void passBarriers(List<Runnable> passed) {
        if (!ready.isEmpty()) {
            return;
        }
        Iterator<Slot> it = slots.values().iterator();
        while (it.hasNext()) {
            Slot s = it.next();
            if (s.barrier == null) {
                return;
            }
            it.remove();
            barriers--;
            passed.add(s.barrier);
        }
    }

    /** Whether nothing at all is pending (events, rescan output or barriers). */
    synchronized boolean isEmpty() {
        return ready.isEmpty() && slots.isEmpty();
    }

    /** Drops everything, returning the barriers' callbacks so that waiting syncs are released. */
    synchronized List<Runnable> clear() {
        List<Runnable> released = new ArrayList<>();
        for (Slot s : slots.values()) {
            if (s.barrier != null) {
                released.add(s.barrier);
            }
        }
        slots.clear();
        ready.clear();
        barriers = 0;
        return released;
    }
}
