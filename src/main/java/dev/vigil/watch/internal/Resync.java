package dev.vigil.watch.internal;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileEvent.Kind;
import dev.vigil.watch.OverflowStrategy;
import dev.vigil.watch.WatchOverflowException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Dirty subtrees: where events were lost (the OS queue overflowed, the buffer bound was hit), events are absorbed
 * until the subtree is rescanned; the rescan compares the disk with a baseline (what the subscriber was told: the
 * model, with the undelivered events rolled back) and yields the true difference after an {@code OVERFLOW} naming
 * the scope. Confined to the session's executor, except {@link #pending()}. Whether barriers are held lives in the
 * {@link EventBuffer}, where it changes atomically with the events it concerns.
 */
final class Resync {

    /** Above this many dirty scopes, scopes are widened to their parents. */
    private static final int MAX_DIRTY_SCOPES = 16;

    /** A subtree of one root: {@code path} is the root's path or lies below it. */
    record Scope(Node root, Path path) {
        boolean contains(Scope other) {
            return root == other.root && other.path.startsWith(path);
        }
    }

    /** A dirty subtree: events under {@code scope} are absorbed until it is rescanned against {@code baseline}. */
    private record Dirty(Path scope, Node root, Snapshot baseline, WatchOverflowException cause) {
    }

    private final WatchSpec spec;
    private final EventBuffer buffer;
    private final Consumer<Throwable> fail;
    private final List<Dirty> dirty = new ArrayList<>();
    private Tree tree;
    private RenamePairer pairer;

    Resync(WatchSpec spec, EventBuffer buffer, Consumer<Throwable> fail) {
        this.spec = spec;
        this.buffer = buffer;
        this.fail = fail;
    }

    /** Binds the model once the session is established. */
    void bind(Tree tree, RenamePairer pairer) {
        this.tree = tree;
        this.pairer = pairer;
    }

    /** Whether dirty subtrees wait for a rescan (any thread). */
    boolean pending() {
        return buffer.held();
    }

    /** Whether events of {@code root} at {@code path} are left to a pending rescan. */
    boolean absorbs(Node root, Path path) {
        for (Dirty d : dirty) {
            if (d.root() == root && path.startsWith(d.scope())) {
                return true;
            }
        }
        return false;
    }

    /** Forgets the dirty subtrees of a root that is gone. */
    void rootGone(Node root) {
        dirty.removeIf(d -> d.root() == root);
        buffer.hold(!dirty.isEmpty());
    }

    /** Events under {@code scopes} were lost (every root when empty). */
    void lost(List<Scope> scopes, String why) {
        if (scopes.isEmpty()) {
            scopes = new ArrayList<>();
            for (Node r : tree.roots) {
                scopes.add(new Scope(r, r.path()));
            }
        }
        markDirty(scopes, buffer.takeEventsAndHold(), why);
    }

    /** When the buffer holds more paths than allowed, collapses it into a few dirty subtrees. */
    void checkBound() {
        if (buffer.pathSlots() <= spec.maxPendingPaths()) {
            return;
        }
        List<EventBuffer.Event> taken = buffer.takeEventsAndHold();
        List<Scope> scopes = new ArrayList<>();
        for (EventBuffer.Event t : taken) {
            FileEvent e = t.event();
            Node root = rootOf(e);
            if (root == null) {
                continue; // a root that is gone: its events are delivered as they are
            }
            Path p = e.kind() == Kind.OVERFLOW ? e.path() : e.path().getParent();
            if (p == null || !p.startsWith(e.root())) {
                p = e.root();
            }
            Scope scope = new Scope(root, p);
            if (!scopes.contains(scope)) {
                scopes.add(scope);
            }
        }
        while (scopes.size() > MAX_DIRTY_SCOPES) {
            List<Scope> wider = new ArrayList<>();
            for (Scope sc : scopes) {
                Scope w = sc.path().equals(sc.root().path()) ? sc : new Scope(sc.root(), sc.path().getParent());
                if (!wider.contains(w)) {
                    wider.add(w);
                }
            }
            if (wider.size() == scopes.size()) {
                break;
            }
            scopes = wider;
        }
        markDirty(scopes, taken, "more than " + spec.maxPendingPaths()
                + " paths were waiting for a slow subscriber; their events were merged into a rescan");
    }

    private Node rootOf(FileEvent e) {
        for (Node r : tree.roots) {
            if (r.path().equals(e.root())) {
                return r;
            }
        }
        return null;
    }

    /**
     * Marks {@code requested} dirty: the baseline of each is the model as the subscriber knows it (the model with
     * the undelivered events {@code taken} rolled back). Events in {@code taken} outside every scope are put back.
     */
    private void markDirty(List<Scope> requested, List<EventBuffer.Event> taken, String why) {
        spec.stats().overflowed();
        if (spec.overflowStrategy() == OverflowStrategy.ERROR) {
            buffer.hold(!dirty.isEmpty());
            fail.accept(new WatchOverflowException(why + " (overflow strategy ERROR)",
                    requested.isEmpty() ? null : requested.get(0).path(), null));
            return;
        }
        List<Scope> scopes = new ArrayList<>(); // without the scopes nested in others
        for (Scope sc : requested) {
            boolean nested = requested.stream().anyMatch(other -> !other.equals(sc) && other.contains(sc));
            if (!nested && !scopes.contains(sc)) {
                scopes.add(sc);
            }
        }
        for (Scope sc : scopes) {
            Node root = sc.root();
            Path scope = sc.path();
            if (absorbs(root, scope)) {
                continue;
            }
            dirty.add(new Dirty(scope, root, baseline(root, scope, taken),
                    new WatchOverflowException(why + "; rescanning " + scope, scope, null)));
        }
        Predicate<FileEvent> inScope = e -> {
            Node root = rootOf(e);
            return root != null && absorbs(root, e.path());
        };
        for (EventBuffer.Event t : taken) {
            if (!inScope.test(t.event())) {
                buffer.add(t.event(), t.replaced(), t.replacedBelow());
            }
        }
        buffer.hold(!dirty.isEmpty());
    }

    /** What the subscriber knows of {@code scope}: the model and the held rename halves, minus {@code taken}. */
    private Snapshot baseline(Node root, Path scope, List<EventBuffer.Event> taken) {
        return baseline(root, scope, taken, true);
    }

    /**
     * What the subscriber knows of {@code root}'s tree, as {@link #baseline} computes it for a rescan, with
     * {@code undelivered} (in delivery order) rolled back; changes nothing (the dirty subtrees stay). Entries in a
     * dirty subtree carry the time of that subtree's baseline; the others the time of their directory's listing.
     */
    Snapshot known(Node root, List<EventBuffer.Event> undelivered) {
        return baseline(root, root.path(), undelivered, false);
    }

    /** {@link #baseline(Node, Path, List)}; {@code consume}: the dirty subtrees inside {@code scope} are merged into it. */
    private Snapshot baseline(Node root, Path scope, List<EventBuffer.Event> taken, boolean consume) {
        Snapshot base = new Snapshot();
        Node node = Node.at(root, scope);
        if (node != null && node != root) {
            base.put(scope, new Snapshot.Stamp(true, tree.wall)); // so that the scope's own deletion is found
        }
        if (node != null) {
            Tree.record(node, base);
        }
        for (RenamePairer.Pending m : pairer.held()) {
            if (m.root() == root && m.path().startsWith(scope)) {
                base.put(m.path(), new Snapshot.Stamp(m.entry().dir(), m.dir().scannedAt));
                if (m.entry().node() != null) {
                    Tree.record(m.entry().node(), base);
                }
            }
        }
        // older dirty scopes inside this one keep their (older) baselines
        for (Iterator<Dirty> it = dirty.iterator(); it.hasNext();) {
            Dirty d = it.next();
            if (d.root() == root && d.scope().startsWith(scope)) {
                base.overlay(d.baseline(), d.scope());
                if (consume) {
                    it.remove();
                }
            }
        }
        for (int i = taken.size() - 1; i >= 0; i--) {
            FileEvent e = taken.get(i).event();
            if (e.kind() != Kind.OVERFLOW && root.path().equals(e.root()) && e.path().startsWith(scope)) {
                rollBack(base, e, taken.get(i));
            }
        }
        return base;
    }

    /**
     * Undoes one undelivered event in a baseline, so that the baseline is what the subscriber knows. A rename that
     * replaced an entry puts that entry and what was below it back too (as "assume it changed"): the subscriber may
     * know them.
     */
    private static void rollBack(Snapshot base, FileEvent e, EventBuffer.Event taken) {
        switch (e.kind()) {
            case CREATED:
                base.remove(e.path());
                if (e.isDirectory()) {
                    base.removeBelow(e.path());
                }
                break;
            case DELETED:
            case MODIFIED:
                base.put(e.path(), new Snapshot.Stamp(e.isDirectory(), Long.MIN_VALUE));
                break;
            case RENAMED: {
                Path previous = e.previous().orElseThrow();
                base.remove(e.path());
                Map<Path, Snapshot.Stamp> below = e.isDirectory() ? base.removeBelow(e.path()) : Map.of();
                base.put(previous, new Snapshot.Stamp(e.isDirectory(), Long.MIN_VALUE));
                below.forEach((p, st) -> base.put(previous.resolve(e.path().relativize(p)), st));
                if (taken.replaced()) {
                    base.put(e.path(), new Snapshot.Stamp(e.isDirectory(), Long.MIN_VALUE));
                    taken.replacedBelow().forEach(c -> base.put(c.path(), new Snapshot.Stamp(c.dir(), Long.MIN_VALUE)));
                }
                break;
            }
            default:
                break;
        }
    }

    /**
     * Rescans every dirty subtree and puts what to deliver ahead of everything in the buffer: per scope an
     * {@code OVERFLOW}, then (unless the strategy is {@link OverflowStrategy#SIGNAL_ONLY}) the difference that passes
     * {@code accepts}; nothing when the tree failed meanwhile ({@link Tree#fatal()}). The barriers are released in the
     * same step as that output is queued: a delivery running meanwhile keeps holding them until then.
     */
    void rescan(Instant now, Predicate<FileEvent> accepts) {
        List<Dirty> todo = new ArrayList<>(dirty);
        // A first half held in a dirty subtree is in its baseline: the rescan reports where the entry is now (its new
        // name if it stayed in the tree), so its second half, read later, must not move it once more over what the
        // rescan reported. That half is then a move in from outside.
        for (RenamePairer.Pending m : pairer.takeIf(m -> absorbs(m.root(), m.path()))) {
            if (m.entry().node() != null) {
                tree.drop(m.entry().node(), new ArrayList<>());
            }
        }
        dirty.clear();
        List<FileEvent> out = new ArrayList<>();
        for (Dirty d : todo) {
            if (!tree.roots.contains(d.root())) {
                continue;
            }
            Path rootPath = d.root().path();
            spec.stats().rescanned();
            out.add(new FileEvent(Kind.OVERFLOW, d.scope(), null, true, rootPath, now, d.cause()));
            Snapshot found = new Snapshot();
            Node node = Node.at(d.root(), d.scope());
            if (node != null) {
                if (node != d.root()) {
                    found.put(d.scope(), new Snapshot.Stamp(true, 0));
                }
                int mark = tree.unresolvedCount();
                tree.reconcile(node, found, Tree.Detail.FILES);
                // A directory found by the walk and gone when the walk reached it (moved or deleted meanwhile: its
                // events are still to be read): its content is missing from what was found, so the difference
                // below tells the subscriber it went. Forget it here too; once the events are read, the directory
                // is listed where it is now and its content reported again (Tree#resolve).
                tree.forgetContentOfUnresolvedSince(mark);
            }
            if (spec.overflowStrategy() == OverflowStrategy.SIGNAL_ONLY) {
                continue;
            }
            for (Snapshot.Change c : Snapshot.diff(d.baseline(), found)) {
                FileEvent e = new FileEvent(c.kind(), c.path(), null, c.directory(), rootPath, now, null);
                if (accepts.test(e)) {
                    out.add(e);
                }
            }
        }
        buffer.addReady(tree.fatal() == null ? out : List.of(), !dirty.isEmpty());
    }
}
