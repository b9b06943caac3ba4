package dev.vigil.watch.internal;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileEvent.Kind;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /**
     * An undelivered event; {@code key} is its path's key while later events of that path may merge into it;
     * {@code replaced}: for a {@code RENAMED}, whether the target existed (the subscriber may know it), and
     * {@code replacedBelow} what the model held below that target.
     */
    record Event(FileEvent event, Object key, boolean replaced, List<Tree.Change> replacedBelow) implements Entry {
    }

    /** A sync barrier: {@code onPassed} runs once everything before it was delivered. */
    record Barrier(Runnable onPassed) implements Entry {
    }

    private final boolean coalesce;
    /** With several roots, one root may lie inside another: merge per (root, path), each root gets its events. */
    private final boolean severalRoots;
    /** Every pending entry in order, each under a token of its own. */
    private final LinkedHashMap<Object, Entry> entries = new LinkedHashMap<>();
    /** Path key to the token of the pending event that later events of that path merge into. */
    private final HashMap<Object, Object> open = new HashMap<>();
    private final ArrayDeque<FileEvent> ready = new ArrayDeque<>();
    private int barriers;
    private boolean held;
    /** The event {@link #poll} returned last, until {@link #delivered()}: handed to {@code onNext}, not yet returned. */
    private FileEvent inFlight;

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
     * A rename seals what is pending for both its names (and below them, for a directory): those events happened
     * before it, and a later event of the same path is a new one, queued after the rename.
     */
    synchronized void add(FileEvent e, boolean replaced) {
        add(e, replaced, List.of());
    }

    /** Like {@link #add(FileEvent, boolean)}, for a rename whose target held {@code replacedBelow}. */
    synchronized void add(FileEvent e, boolean replaced, List<Tree.Change> replacedBelow) {
        if (!coalesce || e.kind() == Kind.OVERFLOW) {
            append(null, e);
            return;
        }
        if (e.kind() == Kind.RENAMED) {
            Path previous = e.previous().orElseThrow();
            Object created = open.get(key(e.root(), previous));
            if (!e.isDirectory() && created != null && entries.get(created) instanceof Event c
                    && c.event().kind() == Kind.CREATED) {
                // a file created then renamed before delivery: the subscriber only needs the final name (a directory
                // keeps its creation, its content's events and the rename, in that order)
                remove(created);
                add(new FileEvent(replaced ? Kind.MODIFIED : Kind.CREATED, e.path(), null, false, e.root(), e.time(),
                        null), false);
                return;
            }
            seal(e.root(), previous, e.isDirectory());
            seal(e.root(), e.path(), e.isDirectory());
            append(null, e, replaced, replacedBelow);
            return;
        }
        Object key = key(e.root(), e.path());
        Object token = open.get(key);
        if (token == null || !(entries.get(token) instanceof Event pending)) {
            append(key, e);
            return;
        }
        FileEvent was = pending.event();
        switch (was.kind()) {
            case CREATED:
                if (e.kind() == Kind.DELETED) {
                    remove(token); // created and deleted before delivery: nothing happened
                }
                return; // CREATED + MODIFIED (or a duplicate CREATED) stays CREATED
            case MODIFIED:
                if (e.kind() == Kind.DELETED) {
                    entries.put(token, new Event(with(was, Kind.DELETED), key, false, List.of()));
                }
                return;
            case DELETED:
                if (e.kind() == Kind.CREATED) {
                    if (was.isDirectory() == e.isDirectory()) { // replaced by an entry of the same type
                        entries.put(token, new Event(with(was, Kind.MODIFIED), key, false, List.of()));
                    } else {
                        append(key, e);
                    }
                }
                return;
            default:
                append(key, e);
        }
    }

    private void append(Object key, FileEvent e) {
        append(key, e, false, List.of());
    }

    private void append(Object key, FileEvent e, boolean replaced, List<Tree.Change> replacedBelow) {
        Object token = new Object();
        entries.put(token, new Event(e, key, replaced, replacedBelow));
        if (key != null) {
            open.put(key, token);
        }
    }

    private void remove(Object token) {
        if (entries.remove(token) instanceof Event e && e.key() != null) {
            open.remove(e.key(), token);
        }
    }

    /** Later events of {@code path} (and of every path below it when {@code below}) no longer merge into pending ones. */
    private void seal(Path root, Path path, boolean below) {
        open.remove(key(root, path));
        if (below) {
            open.keySet().removeIf(k -> k instanceof RootedPath r ? r.root().equals(root) && r.path().startsWith(path)
                    : ((Path) k).startsWith(path));
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
    synchronized List<Event> takeEventsAndHold() {
        held = true;
        open.clear();
        List<Event> taken = new ArrayList<>(entries.size());
        Iterator<Entry> it = entries.values().iterator();
        while (it.hasNext()) {
            if (it.next() instanceof Event e) {
                taken.add(e);
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
        FileEvent next = next(passed);
        inFlight = next;
        return next;
    }

    /** The event last {@linkplain #poll polled} has been delivered: {@code onNext} returned. */
    synchronized void delivered() {
        inFlight = null;
    }

    /**
     * Every event the subscriber has not received, in delivery order: the one in {@code onNext} now, the rescan
     * output, then the pending events. Takes nothing.
     */
    synchronized List<Event> undelivered() {
        List<Event> out = new ArrayList<>();
        if (inFlight != null) {
            out.add(new Event(inFlight, null, false, List.of()));
        }
        for (FileEvent e : ready) {
            out.add(new Event(e, null, false, List.of()));
        }
        for (Entry e : entries.values()) {
            if (e instanceof Event ev) {
                out.add(ev);
            }
        }
        return out;
    }

    private FileEvent next(List<Runnable> passed) {
        FileEvent r = ready.poll();
        if (r != null) {
            return r;
        }
        Iterator<Map.Entry<Object, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Object, Entry> head = it.next();
            if (head.getValue() instanceof Barrier b) {
                if (held) {
                    return null;
                }
                it.remove();
                barriers--;
                passed.add(b.onPassed());
                continue;
            }
            it.remove();
            Event e = (Event) head.getValue();
            if (e.key() != null) {
                open.remove(e.key(), head.getKey());
            }
            return e.event();
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
        clear(released);
        return released;
    }

    /**
     * Drops everything in one step with taking it: returns what was {@linkplain #undelivered() undelivered} and adds
     * the barriers' callbacks to {@code released}.
     */
    synchronized List<Event> clear(List<Runnable> released) {
        List<Event> undelivered = undelivered();
        for (Entry e : entries.values()) {
            if (e instanceof Barrier b) {
                released.add(b.onPassed());
            }
        }
        entries.clear();
        open.clear();
        ready.clear();
        barriers = 0;
        inFlight = null;
        return undelivered;
    }
}
