package dev.vigil.watch.internal;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileEvent.Kind;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The per-session queue of undelivered output: events, insertion-ordered, merged per path when coalescing, counted
 * against the bound in path slots; and sync barriers. The result of a rescan ({@link #addReady}) is delivered
 * before them. While events are out for a rescan ({@link #takeEventsAndHold} until {@link #addReady}), barriers
 * are held: the taking and the holding are one step under the lock, so a delivery running on another thread can
 * never pass a barrier whose earlier events are being rescanned. Written by the session's executor, read by whichever thread delivers; guarded by {@code this}.
 */
final class EventBuffer {

    /** One queued entry. */
    sealed interface Entry permits Event, Barrier {
    }

    /** An undelivered event. */
    record Event(FileEvent event) implements Entry {
    }

    /** A sync barrier: {@code onPassed} runs once everything before it was delivered. */
    record Barrier(Runnable onPassed) implements Entry {
    }

    private final boolean coalesce;
    /** With several roots, one root may lie inside another: merge per (root, path), each root gets its events. */
    private final boolean severalRoots;
    private final LinkedHashMap<Object, Entry> entries = new LinkedHashMap<>();
    private final ArrayDeque<FileEvent> ready = new ArrayDeque<>();
    private int barriers;
    private boolean held;

    EventBuffer(boolean coalesce, boolean severalRoots) {
        this.coalesce = coalesce;
        this.severalRoots = severalRoots;
    }

    private record RootedPath(Path root, Path path) {
    }

    private Object key(Path root, Path path) {
        return severalRoots ? new RootedPath(root, path) : path;
    }

    /**
     * Adds an event, merging it with a pending one for the same path when coalescing. {@code replaced}: for a
     * {@code RENAMED}, whether the target existed (a merge with a pending creation then yields {@code MODIFIED}).
     */
    synchronized void add(FileEvent e, boolean replaced) {
        if (!coalesce || e.kind() == Kind.OVERFLOW) {
            entries.put(new Object(), new Event(e));
            return;
        }
        if (e.kind() == Kind.RENAMED) {
            Path previous = e.previous().orElseThrow();
            Entry created = entries.get(key(e.root(), previous));
            if (created instanceof Event c && c.event().kind() == Kind.CREATED) {
                // created then renamed before delivery: the subscriber only needs the final name
                entries.remove(key(e.root(), previous));
                add(new FileEvent(replaced ? Kind.MODIFIED : Kind.CREATED, e.path(), null, e.isDirectory(), e.root(),
                        e.time(), null), false);
                return;
            }
            entries.put(new Object(), new Event(e));
            return;
        }
        Object key = key(e.root(), e.path());
        Entry old = entries.get(key);
        if (!(old instanceof Event pending)) {
            entries.put(key, new Event(e));
            return;
        }
        FileEvent was = pending.event();
        switch (was.kind()) {
            case CREATED:
                if (e.kind() == Kind.DELETED) {
                    entries.remove(key); // created and deleted before delivery: nothing happened
                }
                return; // CREATED + MODIFIED (or a duplicate CREATED) stays CREATED
            case MODIFIED:
                if (e.kind() == Kind.DELETED) {
                    entries.put(key, new Event(with(was, Kind.DELETED)));
                }
                return;
            case DELETED:
                if (e.kind() == Kind.CREATED) {
                    if (was.isDirectory() == e.isDirectory()) {
                        entries.put(key, new Event(with(was, Kind.MODIFIED))); // replaced by an entry of the same type
                    } else {
                        entries.put(new Object(), new Event(e));
                    }
                }
                return;
            default:
                entries.put(new Object(), new Event(e));
        }
    }

    private static FileEvent with(FileEvent e, Kind kind) {
        return new FileEvent(kind, e.path(), null, e.isDirectory(), e.root(), e.time(), null);
    }

    /** Adds a barrier: {@code onPassed} runs (on the delivering thread) once everything before it was delivered. */
    synchronized void addBarrier(Runnable onPassed) {
        entries.put(new Object(), new Barrier(onPassed));
        barriers++;
    }

    /** Path slots pending (barriers excluded). */
    synchronized int pathSlots() {
        return entries.size() - barriers;
    }

    /** Removes every pending event (not the barriers), holds the barriers, and returns the events oldest first. */
    synchronized List<FileEvent> takeEventsAndHold() {
        held = true;
        List<FileEvent> taken = new ArrayList<>(entries.size());
        Iterator<Entry> it = entries.values().iterator();
        while (it.hasNext()) {
            if (it.next() instanceof Event e) {
                taken.add(e.event());
                it.remove();
            }
        }
        return taken;
    }

    /** Queues the result of a rescan, delivered before pending entries; barriers stay held when {@code hold}. */
    synchronized void addReady(List<FileEvent> events, boolean hold) {
        ready.addAll(events);
        held = hold;
    }

    /** Holds or releases the barriers (whether dirty subtrees still wait for a rescan). */
    synchronized void hold(boolean hold) {
        held = hold;
    }

    /** Whether barriers are held: events are out for a rescan. */
    synchronized boolean held() {
        return held;
    }

    /**
     * The next event to deliver, or null. Barriers at the head are passed (their callbacks collected into
     * {@code passed}) when nothing precedes them and they are not {@linkplain #held() held}.
     */
    synchronized FileEvent poll(List<Runnable> passed) {
        FileEvent r = ready.poll();
        if (r != null) {
            return r;
        }
        Iterator<Entry> it = entries.values().iterator();
        while (it.hasNext()) {
            Entry entry = it.next();
            if (entry instanceof Barrier b) {
                if (held) {
                    return null;
                }
                it.remove();
                barriers--;
                passed.add(b.onPassed());
                continue;
            }
            it.remove();
            return ((Event) entry).event();
        }
        return null;
    }

    /** Passes the barriers at the head (nothing precedes them), collecting their callbacks into {@code passed}. */
    synchronized void passBarriers(List<Runnable> passed) {
        if (!ready.isEmpty() || held) {
            return;
        }
        Iterator<Entry> it = entries.values().iterator();
        while (it.hasNext()) {
            if (!(it.next() instanceof Barrier b)) {
                return;
            }
            it.remove();
            barriers--;
            passed.add(b.onPassed());
        }
    }

    /** Whether nothing at all is pending (events, rescan output or barriers). */
    synchronized boolean isEmpty() {
        return ready.isEmpty() && entries.isEmpty();
    }

    /** Drops everything, returning the barriers' callbacks so that waiting syncs are released. */
    synchronized List<Runnable> clear() {
        List<Runnable> released = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e instanceof Barrier b) {
                released.add(b.onPassed());
            }
        }
        entries.clear();
        ready.clear();
        barriers = 0;
        return released;
    }
}
