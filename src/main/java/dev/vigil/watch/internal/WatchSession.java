package dev.vigil.watch.internal;

import dev.vigil.watch.FileEvent.Kind;
import dev.vigil.watch.OverflowStrategy;
import dev.vigil.watch.WatchException;
import dev.vigil.watch.WatchLimitException;
import dev.vigil.watch.WatchOverflowException;
import dev.vigil.watch.WatchRootException;
import java.io.File;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * One watch session: the OS-agnostic pipeline between a backend channel and one subscriber. It keeps the tree
 * model (directories with their known entries), installs and removes watches as directories come and go (watch
 * first, then scan), pairs renames by cookie within a window, filters, and feeds the {@link EventBuffer}. When
 * events are lost (OS queue overflow, buffer bound) it marks subtrees dirty and later rescans them, reporting
 * the difference against what the subscriber was told. All state except the buffer is confined to the backend's
 * loop thread.
 */
final class WatchSession implements RawEventListener {

    /** Prefix of the cookie files written by sync barriers; their events are never delivered. */
    static final String COOKIE_PREFIX = ".vigil-sync-";

    /** Above this many dirty scopes, scopes are widened to their parents. */
    private static final int MAX_DIRTY_SCOPES = 16;

    /** Callbacks into the subscription. */
    interface Downstream {
        /** Something was added to the buffer (or a terminal state was reached). */
        void drain();

        /** A fatal error: deliver it now. */
        void fail(Throwable error);

        /** No root is left: complete once the buffer is drained. */
        void rootsGone();
    }

    /** A directory of the model. */
    static final class Node {
        Node parent;
        String name;
        Path path;
        Object key;
        final Map<String, Entry> children = new HashMap<>();

        Node(Node parent, String name, Path path) {
            this.parent = parent;
            this.name = name;
            this.path = path;
        }

        Path path() {
            if (path == null) {
                path = parent.path().resolve(name);
            }
            return path;
        }

        Node root() {
            Node n = this;
            while (n.parent != null) {
                n = n.parent;
            }
            return n;
        }

        /** Forgets cached paths below a moved directory. */
        void moved() {
            path = null;
            for (Entry e : children.values()) {
                if (e.node != null) {
                    e.node.moved();
                }
            }
        }
    }

    /** An entry known in a directory: what it is and when the subscriber last learnt about it (wall clock). */
    static final class Entry {
        final boolean dir;
        long seenAt;
        Node node;

        Entry(boolean dir, long seenAt) {
            this.dir = dir;
            this.seenAt = seenAt;
        }
    }

    private record PendingMove(Node dir, String name, Entry entry, Path path, Node root, Disposable timer) {
    }

    /** A dirty subtree: events under {@code scope} are absorbed until it is rescanned against {@code baseline}. */
    private record Dirty(Path scope, Node root, Snapshot baseline, WatchException cause) {
    }

    private final WatchSpec spec;
    private final Scheduler timer;
    private final Downstream downstream;
    final EventBuffer buffer;
    private WatchChannel channel;
    private final List<Node> roots = new ArrayList<>();
    private final Map<Object, Node> byKey = new IdentityHashMap<>();
    private final Map<Long, PendingMove> moves = new LinkedHashMap<>();
    private final List<Dirty> dirty = new ArrayList<>();
    private final Map<String, Runnable> cookies = new HashMap<>();
    private final AtomicBoolean rescanQueued = new AtomicBoolean();
    private volatile boolean dirtyPending;
    private volatile boolean closed;
    private Instant now = Instant.EPOCH;
    private long wall;

    WatchSession(WatchSpec spec, Scheduler timer, Downstream downstream) {
        this.spec = spec;
        this.timer = timer;
        this.downstream = downstream;
        this.buffer = new EventBuffer(spec.coalesce());
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    /** Validates the roots and opens the channel; the caller then runs {@link #establish} on the loop. */
    void open(WatchBackend backend) throws IOException {
        for (Path root : spec.roots()) {
            checkRoot(root);
        }
        channel = backend.open(this);
    }

    WatchChannel channel() {
        return channel;
    }

    /** On the loop: watches and scans every root (no events for what exists). Throws on failure. */
    void establish() throws IOException {
        tick();
        for (Path root : spec.roots()) {
            Node node = new Node(null, null, root);
            try {
                node.key = channel.add(root);
            } catch (NoSuchFileException e) {
                throw new WatchRootException(root, WatchRootException.Reason.MISSING, e);
            }
            byKey.put(node.key, node);
            roots.add(node);
            try {
                reconcile(node, null);
            } catch (WatchLimitExceptionUnchecked | FailUnchecked e) {
                throw (IOException) e.getCause();
            }
        }
    }

    private static void checkRoot(Path root) throws WatchRootException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS) && !Files.exists(root)) {
            throw new WatchRootException(root, WatchRootException.Reason.MISSING, null);
        }
        if (!Files.isDirectory(root)) {
            throw new WatchRootException(root, WatchRootException.Reason.NOT_A_DIRECTORY, null);
        }
        if (!Files.isReadable(root) || !Files.isExecutable(root)) {
            throw new WatchRootException(root, WatchRootException.Reason.NOT_READABLE, null);
        }
    }

    /** Releases everything; idempotent, any thread. Returns the callbacks of barriers still waiting. */
    List<Runnable> close() {
        if (closed) {
            return List.of();
        }
        closed = true;
        if (channel != null) {
            channel.execute(() -> {
                for (PendingMove m : moves.values()) {
                    m.timer().dispose();
                }
                moves.clear();
            });
            channel.close();
        }
        List<Runnable> released = new ArrayList<>(buffer.clear());
        synchronized (cookies) {
            released.addAll(cookies.values());
            cookies.clear();
        }
        return released;
    }

    // ------------------------------------------------------------------------------------------------ sync

    /** Registers a barrier for the cookie {@code name}; {@code onPassed} runs once its event was delivered. */
    void expectCookie(String name, Runnable onPassed) {
        synchronized (cookies) {
            if (closed) {
                onPassed.run();
                return;
            }
            cookies.put(name, onPassed);
        }
    }

    /** Withdraws a cookie whose barrier will never come (the sync failed or timed out). */
    void forgetCookie(String name) {
        synchronized (cookies) {
            cookies.remove(name);
        }
    }

    private void cookieSeen(String name) {
        Runnable onPassed;
        synchronized (cookies) {
            onPassed = cookies.remove(name);
        }
        if (onPassed != null) {
            // inotify orders all events of one instance; a pending move-from that precedes the cookie is a move out
            for (Long cookie : new ArrayList<>(moves.keySet())) {
                expire(cookie);
            }
            buffer.addBarrier(onPassed);
        }
    }

    // ------------------------------------------------------------------------------------------------ events

    @Override
    public void onEvents(List<RawEvent> batch) {
        if (closed) {
            return;
        }
        tick();
        try {
            for (RawEvent e : batch) {
                handle(e);
            }
            checkBound();
        } catch (WatchLimitExceptionUnchecked | FailUnchecked e) {
            downstream.fail(e.getCause());
            return;
        } catch (RuntimeException e) {
            downstream.fail(e);
            return;
        }
        downstream.drain();
    }

    @Override
    public void onOverflow() {
        if (closed) {
            return;
        }
        tick();
        for (Long cookie : new ArrayList<>(moves.keySet())) {
            expire(cookie);
        }
        List<Path> scopes = new ArrayList<>();
        for (Node r : roots) {
            scopes.add(r.path());
        }
        lost(scopes, "the operating system's event queue overflowed");
        downstream.drain();
    }

    @Override
    public void onFailure(Throwable error) {
        downstream.fail(error);
    }

    private void tick() {
        now = Instant.ofEpochMilli(timer.now(TimeUnit.MILLISECONDS));
        wall = System.currentTimeMillis();
    }

    private void handle(RawEvent e) {
        Node dir = byKey.get(e.key());
        if (dir == null) {
            return; // a watch we already dropped
        }
        String name = e.name();
        if (dir.parent == null && name.startsWith(COOKIE_PREFIX)) {
            if (e.kind() == RawEvent.RawKind.CREATED) {
                cookieSeen(name);
            }
            return;
        }
        switch (e.kind()) {
            case CREATED:
                created(dir, name, e.directory());
                break;
            case MODIFIED:
            case ATTRIBUTES:
                modified(dir, name, e.directory());
                break;
            case DELETED:
                deleted(dir, name);
                break;
            case MOVED_FROM:
                movedFrom(dir, name, e.directory(), e.cookie());
                break;
            case MOVED_TO:
                movedTo(dir, name, e.directory(), e.cookie());
                break;
            case SELF_DELETED:
            case SELF_MOVED:
                if (dir.parent == null) {
                    rootGone(dir);
                }
                break;
            case UNWATCHED:
                byKey.remove(e.key());
                dir.key = null;
                if (dir.parent == null) {
                    rootGone(dir);
                }
                break;
            default:
                throw new IllegalStateException("unknown raw event kind " + e.kind());
        }
    }

    private void created(Node dir, String name, boolean isDir) {
        Entry old = dir.children.get(name);
        if (old != null) {
            if (old.dir == isDir) {
                return; // already known: found by the scan that followed the directory's watch
            }
            remove(dir, name, true);
        }
        Entry entry = new Entry(isDir, wall);
        dir.children.put(name, entry);
        Path path = dir.path().resolve(name);
        Node root = dir.root();
        emit(Kind.CREATED, path, null, isDir, root, false);
        if (isDir && spec.recursive() && !spec.filter().prunes(rel(root, path))) {
            watchNew(dir, name, entry, true);
        }
    }

    private void modified(Node dir, String name, boolean isDir) {
        if (name.isEmpty()) {
            if (dir.parent == null) {
                emit(Kind.MODIFIED, dir.path(), null, true, dir, false);
            }
            return;
        }
        Entry entry = dir.children.get(name);
        if (entry == null) {
            entry = new Entry(isDir, wall);
            dir.children.put(name, entry);
        }
        entry.seenAt = wall;
        emit(Kind.MODIFIED, dir.path().resolve(name), null, entry.dir, dir.root(), false);
    }

    private void deleted(Node dir, String name) {
        if (dir.children.containsKey(name)) {
            remove(dir, name, true);
        }
    }

    private void movedFrom(Node dir, String name, boolean isDir, long cookie) {
        Entry entry = dir.children.remove(name);
        if (entry == null) {
            entry = new Entry(isDir, wall);
        }
        Disposable t = timer.schedule(() -> channel.execute(() -> {
            if (!closed) {
                tick();
                expire(cookie);
                downstream.drain();
            }
        }), spec.renameWindow().toNanos(), TimeUnit.NANOSECONDS);
        PendingMove old = moves.put(cookie, new PendingMove(dir, name, entry, dir.path().resolve(name), dir.root(), t));
        if (old != null) {
            old.timer().dispose();
        }
    }

    /** The rename window ended without a move-to: the entry left the tree. */
    private void expire(long cookie) {
        PendingMove m = moves.remove(cookie);
        if (m == null) {
            return;
        }
        m.timer().dispose();
        if (m.entry().node != null) {
            List<Change> gone = new ArrayList<>();
            drop(m.entry().node, gone);
            for (Change c : gone) {
                emit(Kind.DELETED, c.path, null, c.dir, m.root(), false);
            }
        }
        emit(Kind.DELETED, m.path(), null, m.entry().dir, m.root(), false);
    }

    private void movedTo(Node dir, String name, boolean isDir, long cookie) {
        PendingMove m = moves.remove(cookie);
        if (m == null) {
            // moved in from outside the tree
            if (dir.children.containsKey(name)) {
                remove(dir, name, true);
            }
            created(dir, name, isDir);
            return;
        }
        m.timer().dispose();
        boolean replaced = dir.children.containsKey(name);
        if (replaced) {
            remove(dir, name, false);
        }
        Entry entry = m.entry();
        entry.seenAt = wall;
        dir.children.put(name, entry);
        Path path = dir.path().resolve(name);
        Node root = dir.root();
        boolean watchIt = entry.dir && spec.recursive() && !spec.filter().prunes(rel(root, path));
        if (entry.node != null) {
            entry.node.parent = dir;
            entry.node.name = name;
            entry.node.moved();
            if (!watchIt) {
                drop(entry.node, new ArrayList<>());
                entry.node = null;
            }
        }
        String prevRel = rel(m.root(), m.path());
        String newRel = rel(root, path);
        // a side inside a dirty subtree is left to that subtree's rescan
        boolean wasVisible = spec.filter().accepts(prevRel) && !absorbed(m.path());
        boolean isVisible = spec.filter().accepts(newRel) && !absorbed(path);
        if (wasVisible && isVisible) {
            buffer.add(Kind.RENAMED, path, m.path(), entry.dir, root.path(), now, null, replaced);
            checkBound();
        } else if (isVisible) {
            emit(replaced ? Kind.MODIFIED : Kind.CREATED, path, null, entry.dir, root, false);
        } else if (wasVisible) {
            emit(Kind.DELETED, m.path(), null, entry.dir, m.root(), false);
        }
        if (watchIt && entry.node == null) {
            watchNew(dir, name, entry, true); // e.g. renamed from an excluded name: its content becomes visible
        }
    }

    private void rootGone(Node root) {
        if (!roots.remove(root)) {
            return;
        }
        drop(root, new ArrayList<>());
        emit(Kind.DELETED, root.path(), null, true, root, true);
        dirty.removeIf(d -> d.root() == root);
        if (roots.isEmpty()) {
            downstream.rootsGone();
        }
    }

    // ------------------------------------------------------------------------------------------------ model

    private record Change(Path path, boolean dir) {
    }

    /** Removes {@code name} from {@code dir}, unwatching its subtree; reports DELETED for all of it when asked. */
    private void remove(Node dir, String name, boolean report) {
        Entry e = dir.children.remove(name);
        if (e == null) {
            return;
        }
        Path path = dir.path().resolve(name);
        Node root = dir.root();
        if (e.node != null) {
            List<Change> gone = new ArrayList<>();
            drop(e.node, gone);
            if (report) {
                for (Change c : gone) {
                    emit(Kind.DELETED, c.path, null, c.dir, root, false);
                }
            }
        }
        if (report) {
            emit(Kind.DELETED, path, null, e.dir, root, false);
        }
    }

    /** Unwatches {@code node} and everything below; collects the entries below it, deepest first. */
    private void drop(Node node, List<Change> gone) {
        for (Map.Entry<String, Entry> c : node.children.entrySet()) {
            Entry e = c.getValue();
            if (e.node != null) {
                drop(e.node, gone);
            }
            gone.add(new Change(node.path().resolve(c.getKey()), e.dir));
        }
        node.children.clear();
        if (node.key != null) {
            byKey.remove(node.key);
            channel.remove(node.key);
            node.key = null;
        }
    }

    /** Watches a new directory, then scans it; reports what the scan finds when {@code report}. */
    private void watchNew(Node parent, String name, Entry entry, boolean report) {
        Node node = new Node(parent, name, null);
        if (!watch(node)) {
            return;
        }
        entry.node = node;
        Snapshot found = report ? new Snapshot() : null;
        reconcile(node, found);
        if (found != null) {
            Node root = node.root();
            for (Snapshot.Change c : Snapshot.diff(new Snapshot(), found)) {
                emit(c.kind(), c.path(), null, c.directory(), root, false);
            }
        }
    }

    /** Adds the OS watch for {@code node}; false when the directory vanished or cannot be watched (reported). */
    private boolean watch(Node node) {
        try {
            node.key = channel.add(node.path());
            byKey.put(node.key, node);
            return true;
        } catch (NoSuchFileException e) {
            return false; // gone already: its deletion event follows
        } catch (WatchLimitException e) {
            throw new WatchLimitExceptionUnchecked(e);
        } catch (WatchException e) {
            unwatchable(node, e);
            return false;
        } catch (IOException e) {
            unwatchable(node, new WatchException("cannot watch " + node.path() + ": " + e, node.path(), null, 0, e));
            return false;
        }
    }

    private void unwatchable(Node node, WatchException cause) {
        Node root = node.root();
        Path path = node.path();
        if (spec.overflowStrategy() == OverflowStrategy.ERROR) {
            throw new FailUnchecked(cause);
        }
        buffer.add(Kind.OVERFLOW, path, null, true, root.path(), now, cause, false);
    }

    /**
     * Brings the model of {@code node}'s subtree in line with the disk: lists each directory, adds and removes
     * entries, watches new directories (watch first, then list) and unwatches vanished ones. Records what it found
     * (with modification times) into {@code found} when not null. Reports nothing itself.
     */
    private void reconcile(Node node, Snapshot found) {
        Map<String, BasicFileAttributes> listed = list(node);
        if (listed == null) {
            return;
        }
        Iterator<Map.Entry<String, Entry>> it = node.children.entrySet().iterator();
        List<String> vanished = new ArrayList<>();
        while (it.hasNext()) {
            Map.Entry<String, Entry> c = it.next();
            BasicFileAttributes a = listed.get(c.getKey());
            if (a == null || a.isDirectory() != c.getValue().dir) {
                vanished.add(c.getKey());
            }
        }
        for (String name : vanished) {
            remove(node, name, false);
        }
        Node root = node.root();
        Path dirPath = node.path();
        for (Map.Entry<String, BasicFileAttributes> l : listed.entrySet()) {
            String name = l.getKey();
            BasicFileAttributes a = l.getValue();
            Path path = dirPath.resolve(name);
            if (node.parent == null && name.startsWith(COOKIE_PREFIX)) {
                continue;
            }
            Entry e = node.children.get(name);
            if (e == null) {
                e = new Entry(a.isDirectory(), wall);
                node.children.put(name, e);
            } else {
                e.seenAt = wall;
            }
            if (found != null) {
                found.put(path, new Snapshot.Stamp(a.isDirectory(), a.lastModifiedTime().toMillis()));
            }
            if (a.isDirectory() && spec.recursive() && !spec.filter().prunes(rel(root, path))) {
                if (e.node == null) {
                    Node child = new Node(node, name, path);
                    if (!watch(child)) {
                        continue;
                    }
                    e.node = child;
                }
                reconcile(e.node, found);
            }
        }
    }

    /** Lists a directory with each entry's attributes (links not followed); null when it vanished. */
    private Map<String, BasicFileAttributes> list(Node node) {
        Path dir = node.path();
        Map<String, BasicFileAttributes> out = new LinkedHashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                try {
                    out.put(p.getFileName().toString(),
                            Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
                } catch (NoSuchFileException gone) {
                    // deleted while listing: its event follows
                }
            }
            return out;
        } catch (NoSuchFileException | NotDirectoryException e) {
            return null;
        } catch (AccessDeniedException e) {
            unwatchable(node, new WatchException("cannot list " + dir + ": permission denied; events for its "
                    + "entries are reported but its existing content is unknown", dir, "opendir", 0, e));
            return out;
        } catch (IOException e) {
            unwatchable(node, new WatchException("cannot list " + dir + ": " + e.getMessage(), dir, "opendir", 0, e));
            return out;
        }
    }

    // ------------------------------------------------------------------------------------------------ output

    private void emit(Kind kind, Path path, Path previous, boolean dir, Node root, boolean always) {
        if (!always) {
            if (!dirty.isEmpty() && absorbed(path)) {
                return;
            }
            if (!spec.filter().accepts(rel(root, path))) {
                return;
            }
        }
        buffer.add(kind, path, previous, dir, root.path(), now, null, false);
        checkBound();
    }

    private boolean absorbed(Path path) {
        for (Dirty d : dirty) {
            if (path.startsWith(d.scope())) {
                return true;
            }
        }
        return false;
    }

    private static String rel(Node root, Path path) {
        String r = root.path().relativize(path).toString();
        return File.separatorChar == '/' ? r : r.replace(File.separatorChar, '/');
    }

    /** When the buffer holds more paths than allowed, collapse it into dirty subtrees. */
    private void checkBound() {
        if (buffer.pathSlots() <= spec.maxPendingPaths()) {
            return;
        }
        List<EventBuffer.Slot> taken = buffer.takeEvents();
        List<Path> scopes = new ArrayList<>();
        for (EventBuffer.Slot s : taken) {
            Path p = s.kind == Kind.OVERFLOW ? s.path : s.path.getParent();
            if (s.root != null && (p == null || !p.startsWith(s.root))) {
                p = s.root;
            }
            if (!scopes.contains(p)) {
                scopes.add(p);
            }
        }
        while (scopes.size() > MAX_DIRTY_SCOPES) {
            List<Path> wider = new ArrayList<>();
            for (Path p : scopes) {
                Node root = rootOf(p);
                Path w = root != null && p.equals(root.path()) ? p : p.getParent();
                if (!wider.contains(w)) {
                    wider.add(w);
                }
            }
            if (wider.size() == scopes.size()) {
                break;
            }
            scopes = wider;
        }
        markDirty(scopes, taken, new WatchOverflowException("more than " + spec.maxPendingPaths()
                + " paths were waiting for a slow subscriber; their events were merged into a rescan", null, null));
    }

    private void lost(List<Path> scopes, String why) {
        markDirty(scopes, buffer.takeEvents(), new WatchOverflowException(why, null, null));
    }

    /**
     * Marks {@code scopes} dirty: the baseline of each is the model as the subscriber knows it (the model with the
     * undelivered events {@code taken} rolled back). Events in {@code taken} outside every scope are put back.
     */
    private void markDirty(List<Path> requested, List<EventBuffer.Slot> taken, WatchOverflowException why) {
        if (spec.overflowStrategy() == OverflowStrategy.ERROR) {
            downstream.fail(new WatchOverflowException(why.getMessage() + " (overflow strategy ERROR)",
                    requested.isEmpty() ? null : requested.get(0), null));
            return;
        }
        // normalise: drop scopes nested in others, including existing dirty ones
        List<Path> scopes = new ArrayList<>();
        for (Path p : requested) {
            boolean nested = false;
            for (Path q : requested) {
                if (q != p && !q.equals(p) && p.startsWith(q)) {
                    nested = true;
                }
            }
            if (!nested && !scopes.contains(p)) {
                scopes.add(p);
            }
        }
        for (Path scope : scopes) {
            Node root = rootOf(scope);
            if (root == null || absorbed(scope)) {
                continue;
            }
            Snapshot base = new Snapshot();
            Node node = nodeAt(root, scope);
            if (node != null && node != root) {
                base.put(scope, new Snapshot.Stamp(true, wall)); // so that the scope's own deletion is found
            }
            if (node != null) {
                record(node, base);
            }
            for (PendingMove m : moves.values()) {
                if (m.path().startsWith(scope)) {
                    base.put(m.path(), new Snapshot.Stamp(m.entry().dir, m.entry().seenAt));
                    if (m.entry().node != null) {
                        record(m.entry().node, base);
                    }
                }
            }
            // older dirty scopes inside this one keep their (older) baselines
            for (Iterator<Dirty> it = dirty.iterator(); it.hasNext();) {
                Dirty d = it.next();
                if (d.scope().startsWith(scope)) {
                    base.overlay(d.baseline(), d.scope());
                    it.remove();
                }
            }
            for (int i = taken.size() - 1; i >= 0; i--) {
                EventBuffer.Slot s = taken.get(i);
                if (s.kind != Kind.OVERFLOW && s.path.startsWith(scope)) {
                    rollBack(base, s);
                }
            }
            dirty.add(new Dirty(scope, root, base, new WatchOverflowException(why.getMessage() + "; rescanning "
                    + scope, scope, null)));
        }
        for (EventBuffer.Slot s : taken) {
            boolean inScope = s.path != null && absorbed(s.path);
            if (!inScope) {
                buffer.add(s.kind, s.path, s.previous, s.directory, s.root, s.time, s.cause, false);
            }
        }
        dirtyPending = !dirty.isEmpty();
    }

    /** Undoes one undelivered event in a baseline, so that the baseline is what the subscriber knows. */
    private static void rollBack(Snapshot base, EventBuffer.Slot s) {
        switch (s.kind) {
            case CREATED:
                base.remove(s.path);
                base.removeBelow(s.path);
                break;
            case DELETED:
            case MODIFIED:
                base.put(s.path, new Snapshot.Stamp(s.directory, Long.MIN_VALUE));
                break;
            case RENAMED: {
                base.remove(s.path);
                Map<Path, Snapshot.Stamp> below = base.removeBelow(s.path);
                base.put(s.previous, new Snapshot.Stamp(s.directory, Long.MIN_VALUE));
                below.forEach((p, st) -> base.put(s.previous.resolve(s.path.relativize(p)), st));
                break;
            }
            default:
                break;
        }
    }

    private void record(Node node, Snapshot into) {
        Path dir = node.path();
        for (Map.Entry<String, Entry> c : node.children.entrySet()) {
            Entry e = c.getValue();
            into.put(dir.resolve(c.getKey()), new Snapshot.Stamp(e.dir, e.seenAt));
            if (e.node != null) {
                record(e.node, into);
            }
        }
    }

    private Node rootOf(Path p) {
        Node best = null;
        for (Node r : roots) {
            if (p.startsWith(r.path()) && (best == null || r.path().getNameCount() > best.path().getNameCount())) {
                best = r;
            }
        }
        return best;
    }

    private static Node nodeAt(Node root, Path p) {
        Node n = root;
        for (Path part : root.path().relativize(p)) {
            if (part.toString().isEmpty()) {
                continue;
            }
            Entry e = n.children.get(part.toString());
            if (e == null || e.node == null) {
                return null;
            }
            n = e.node;
        }
        return n;
    }

    /** Whether dirty subtrees wait for a rescan. */
    boolean dirtyPending() {
        return dirtyPending;
    }

    /** Asks the loop to rescan the dirty subtrees (called by the drain when demand is there). */
    void requestRescan() {
        if (rescanQueued.compareAndSet(false, true)) {
            channel.execute(() -> {
                rescanQueued.set(false);
                if (!closed) {
                    rescanDirty();
                    downstream.drain();
                }
            });
        }
    }

    private void rescanDirty() {
        tick();
        List<Dirty> todo = new ArrayList<>(dirty);
        dirty.clear();
        dirtyPending = false;
        List<dev.vigil.watch.FileEvent> out = new ArrayList<>();
        try {
            for (Dirty d : todo) {
                if (!roots.contains(d.root())) {
                    continue;
                }
                Path rootPath = d.root().path();
                out.add(new dev.vigil.watch.FileEvent(Kind.OVERFLOW, d.scope(), null, true, rootPath, now, d.cause()));
                Snapshot found = new Snapshot();
                Node node = nodeAt(d.root(), d.scope());
                if (node != null) {
                    if (node != d.root()) {
                        found.put(d.scope(), new Snapshot.Stamp(true, 0));
                    }
                    reconcile(node, found);
                }
                if (spec.overflowStrategy() == OverflowStrategy.SIGNAL_ONLY) {
                    continue;
                }
                for (Snapshot.Change c : Snapshot.diff(d.baseline(), found)) {
                    if (spec.filter().accepts(rel(d.root(), c.path()))) {
                        out.add(new dev.vigil.watch.FileEvent(c.kind(), c.path(), null, c.directory(), rootPath, now,
                                null));
                    }
                }
            }
        } catch (WatchLimitExceptionUnchecked | FailUnchecked e) {
            downstream.fail(e.getCause());
            return;
        }
        buffer.addReady(out);
    }

    /** Carries a limit error out of the recursive scan. */
    static final class WatchLimitExceptionUnchecked extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WatchLimitExceptionUnchecked(WatchLimitException cause) {
            super(cause);
        }
    }

    /** Carries an error that must end the session (overflow strategy ERROR). */
    static final class FailUnchecked extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FailUnchecked(WatchException cause) {
            super(cause);
        }
    }
}
