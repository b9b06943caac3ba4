package dev.vigil.watch.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;

/**
 * The live sessions of one watcher, the two barriers over them: {@link #ready()} (every session established and
 * caught up with the OS) and {@link #sync} (Watchman-style: a cookie file per root, whose creation event each session
 * turns into a barrier in its buffer; the sync completes when every session has delivered everything before its
 * barriers), and the watcher's end ({@link #close()}). Neither barrier blocks the subscribing thread: the file work
 * runs on {@link WatchThreads}.
 */
public final class SyncRegistry {

    /** Each live session, with what ends its stream when the watcher closes. */
    private final Map<WatchSession, Runnable> sessions = new ConcurrentHashMap<>();
    private boolean closed; // guarded by this

    /** Registers a live session; false (and nothing registered) once the watcher is closed. */
    synchronized boolean add(WatchSession s, Runnable end) {
        if (closed) {
            return false;
        }
        sessions.put(s, end);
        return true;
    }

    void remove(WatchSession s) {
        sessions.remove(s);
    }

    /**
     * Ends every live session with the {@code end} it was registered with, and refuses sessions from now on.
     * Idempotent; returns at once (each {@code end} only releases and hands the completion to a delivery thread).
     */
    public void close() {
        List<Runnable> ends;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            ends = new ArrayList<>(sessions.values());
        }
        ends.forEach(Runnable::run);
    }

    /** Whether {@link #close()} was called. */
    public synchronized boolean isClosed() {
        return closed;
    }

    /** How many sessions are live (subscribed, being established or running, not yet ended). */
    public int count() {
        return sessions.size();
    }

    /** The distinct paths waiting in the buffers of the live sessions (takes each buffer's lock for a moment). */
    public long pendingPaths() {
        long n = 0;
        for (WatchSession s : sessions.keySet()) {
            n += s.buffer.pathSlots();
        }
        return n;
    }

    /** The OS watches the live sessions hold (read without their executors: a moment stale at worst). */
    public long nativeWatches() {
        long n = 0;
        for (WatchSession s : sessions.keySet()) {
            n += s.nativeWatches();
        }
        return n;
    }

    /** The barrier described on {@code FileWatcher.ready()}. */
    public Mono<Void> ready() {
        return Mono.defer(() -> Mono.when(sessions.keySet().stream().map(WatchSession::ready).toList()));
    }

    /** The barrier described on {@code FileWatcher.sync()}. */
    public Mono<Void> sync(List<Path> roots) {
        return Mono.defer(() -> {
            List<WatchSession> live = new ArrayList<>(sessions.keySet());
            if (live.isEmpty()) {
                return Mono.<Void>empty();
            }
            return Mono.when(live.stream().map(WatchSession::established).toList())
                    .then(Mono.defer(() -> cookies(roots, live)).subscribeOn(WatchThreads.scheduler()));
        });
    }

    /** Writes one cookie per root and completes once every session delivered everything before it. */
    private static Mono<Void> cookies(List<Path> roots, List<WatchSession> live) {
        String id = Tree.COOKIE_PREFIX + UUID.randomUUID();
        List<Path> files = new ArrayList<>();
        List<Mono<Void>> acks = new ArrayList<>();
        for (int i = 0; i < roots.size(); i++) {
            String name = id + "-" + i;
            List<Mono<Void>> rootAcks = new ArrayList<>();
            for (WatchSession s : live) {
                Sinks.Empty<Void> passed = Sinks.empty();
                s.expectCookie(name, passed::tryEmitEmpty);
                rootAcks.add(passed.asMono());
            }
            Path file = roots.get(i).resolve(name);
            try {
                Files.createFile(file);
                files.add(file);
                acks.addAll(rootAcks);
            } catch (NoSuchFileException gone) {
                live.forEach(s -> s.forgetCookie(name)); // that root is gone: nothing to wait for there
            } catch (IOException e) {
                live.forEach(s -> s.forgetCookie(name));
                files.forEach(SyncRegistry::deleteCookie);
                return Mono.<Void>error(new UncheckedIOException("sync barrier: cannot create the cookie file "
                        + file + " (the watched root must be writable for sync()): " + e.getMessage(), e));
            }
        }
        String prefix = id + "-";
        Runnable cleanup = () -> {
            for (Path f : files) {
                deleteCookie(f);
            }
            for (WatchSession s : live) {
                for (int i = 0; i < roots.size(); i++) {
                    s.forgetCookie(prefix + i);
                }
            }
        };
        // the cookies are gone before completion is signalled; on error or cancel, as soon as possible
        return Mono.when(acks).then(Mono.<Void>fromRunnable(cleanup)).doOnCancel(cleanup).doOnError(e -> cleanup.run());
    }

    /** Deletes a cookie; a failure (other than its absence) is reported to {@code Hooks.onErrorDropped}. */
    private static void deleteCookie(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            Operators.onErrorDropped(e, reactor.util.context.Context.empty());
        }
    }
}
