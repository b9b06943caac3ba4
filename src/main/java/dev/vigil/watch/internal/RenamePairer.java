package dev.vigil.watch.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * Holds the first halves of renames until their second half arrives. With {@link WatchBackend.Pairing#BY_COOKIE}
 * a half waits for the rename window on the injected {@link Scheduler} (virtual time in tests), then
 * {@code onExpired} is called with its cookie; with {@link WatchBackend.Pairing#ADJACENT} nothing waits: the
 * session pairs adjacent records and expires what is left at once. Confined to the session's executor, except that
 * the timer's callback is handed back to it by {@code onExpired}.
 */
final class RenamePairer {

    /** A first half: {@code entry} was taken out of {@code dir} under {@code name}, in {@code root}. */
    record Pending(Node dir, String name, Node.Removed entry, Node root, Disposable timer) {
        /**
         * Where the entry was, as the subscriber knows it now: {@code dir} may have been renamed since the half was
         * read, so the path is not the one of that moment.
         */
        Path path() {
            return dir.path().resolve(name);
        }
    }

    private final Scheduler timer;
    private final Duration window;
    private final LongConsumer onExpired;
    private final Map<Long, Pending> pending = new LinkedHashMap<>();

    /** @param onExpired called on the timer's thread when a half waited a full window; hands over to the session */
    RenamePairer(Scheduler timer, Duration window, LongConsumer onExpired) {
        this.timer = timer;
        this.window = window;
        this.onExpired = onExpired;
    }

    /** Holds a first half under {@code cookie}, replacing (and returning) an older one with the same cookie. */
    Pending hold(long cookie, Node dir, String name, Node.Removed entry, boolean timed) {
        Disposable t = timed ? timer.schedule(() -> onExpired.accept(cookie), window.toNanos(), TimeUnit.NANOSECONDS)
                : reactor.core.Disposables.disposed();
        Pending old = pending.put(cookie, new Pending(dir, name, entry, dir.root(), t));
        if (old != null) {
            old.timer().dispose();
        }
        return old;
    }

    /** Takes the first half held under {@code cookie}, or null. */
    Pending take(long cookie) {
        Pending p = pending.remove(cookie);
        if (p != null) {
            p.timer().dispose();
        }
        return p;
    }

    /** Takes every held half, oldest first. */
    List<Pending> takeAll() {
        List<Pending> all = new ArrayList<>(pending.values());
        pending.clear();
        all.forEach(p -> p.timer().dispose());
        return all;
    }

    /** Takes the held halves that {@code which} accepts, oldest first. */
    List<Pending> takeIf(java.util.function.Predicate<Pending> which) {
        List<Pending> out = new ArrayList<>();
        pending.values().removeIf(p -> which.test(p) && out.add(p));
        out.forEach(p -> p.timer().dispose());
        return out;
    }

    /** The halves held now (for a resync baseline). */
    Collection<Pending> held() {
        return pending.values();
    }
}
