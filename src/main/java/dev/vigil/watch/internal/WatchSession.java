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
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
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
    private static final byte[] COOKIE_PREFIX_UTF8 = COOKIE_PREFIX.getBytes(java.nio.charset.StandardCharsets.UTF_8);

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

    /**
     * A directory of the model. Files and unwatched directories are kept as names only ({@link NameSet}); watched
     * subdirectories have a node. What the subscriber knows about a file's content is "as of the directory's last
     * listing" ({@link #scannedAt}): a rescan may report a file modified since then more than once, never less.
     */
    static final class Node {
        static final int DIR = 1;

        Node parent;
        String name;
        Path path;
        Object key;
        NameSet names = new NameSet();
        Map<String, Node> dirs;
        long scannedAt;

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

        /** Whether {@code name} is known here. */
        boolean has(String name) {
            return (dirs != null && dirs.containsKey(name)) || names.get(name) >= 0;
        }

        /** -1 when {@code name} is unknown; otherwise whether it is a directory. */
        int state(String name) {
            if (dirs != null && dirs.containsKey(name)) {
                return DIR;
            }
            return names.get(name);
        }

        void put(String name, boolean dir) {
            names.put(name, dir ? DIR : 0);
        }

        /** Records that the directory {@code name} is watched through {@code child}. */
        void attach(String name, Node child) {
            names.remove(name);
            if (dirs == null) {
                dirs = new HashMap<>();
            }
            dirs.put(name, child);
        }

        /** Removes {@code name}; null when unknown. */
        Removed remove(String name) {
            Node child = dirs == null ? null : dirs.remove(name);
            if (child != null) {
                return new Removed(true, child);
            }
            int flags = names.remove(name);
            return flags < 0 ? null : new Removed(flags == DIR, null);
        }

        /** Visits every entry; {@code node} is null for files and unwatched directories. */
        void forEach(Visitor v) {
            names.forEach((n, flags) -> v.visit(n, flags == DIR, null));
            if (dirs != null) {
                dirs.forEach((n, c) -> v.visit(n, true, c));
            }
        }

        void clear() {
            names.clear();
            dirs = null;
        }

        /** Forgets cached paths below a moved directory. */
        void moved() {
            path = null;
            if (dirs != null) {
                dirs.values().forEach(Node::moved);
            }
        }

        interface Visitor {
            void visit(String name, boolean dir, Node node);
        }
    }

    /** An entry taken out of a directory: a pending move's subject. */
    record Removed(boolean dir, Node node) {
    }

    private record PendingMove(Node dir, String name, Removed entry, Path path, Node root, Disposable timer) {
    }

    /** A dirty subtree: events under {@code scope} are absorbed until it is rescanned against {@code baseline}. */
    private record Dirty(Path scope, Node root, Snapshot baseline, WatchException cause) {
    }

    private final WatchSpec spec;
    private final Scheduler timer;
    private final Downstream downstream;
    final EventBuffer buffer;
    private WatchChannel channel;
    private DirectoryLister lister = DirectoryLister.JDK;
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
        this.buffer = new EventBuffer(spec.coalesce(), spec.roots().size() > 1);
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    /** Validates the roots (before the backend is even chosen: the user's input is the likelier problem). */
    void checkRoots() throws WatchRootException {
        for (Path root : spec.roots()) {
            checkRoot(root);
        }
    }

    /** Opens the channel; the caller then runs {@link #establish} on the loop. */
    void open(WatchBackend backend) throws IOException {
        lister = backend.lister();
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
                // a root may be a symbolic link to a directory: watch its target (links below are never followed)
                node.key = channel.add(Files.isSymbolicLink(root) ? root.toRealPath() : root);
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
            // the barrier promises everything before it: a move-from still unpaired now is reported as a move out
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
        lost("the operating system's event queue overflowed");
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
        if (name.startsWith(COOKIE_PREFIX)) {
            // never delivered; also inside the tree, where a nested root of the same watcher writes its cookies
            if (dir.parent == null && e.kind() == RawEvent.RawKind.CREATED) {
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
        int old = dir.state(name);
        if (old >= 0) {
            if ((old == Node.DIR) == isDir) {
                return; // already known: found by the scan that followed the directory's watch
            }
            remove(dir, name, true);
        }
        dir.put(name, isDir);
        Path path = dir.path().resolve(name);
        Node root = dir.root();
        emit(Kind.CREATED, path, null, isDir, root, false);
        if (isDir && spec.recursive() && !prunes(root, path)) {
            watchNew(dir, name, true);
        }
    }

    private void modified(Node dir, String name, boolean isDir) {
        if (name.isEmpty()) {
            if (dir.parent == null) {
                emit(Kind.MODIFIED, dir.path(), null, true, dir, false);
            }
            return;
        }
        int state = dir.state(name);
        if (state < 0) {
            dir.put(name, isDir); // only after lost events: the rescan that follows them settles it
        }
        emit(Kind.MODIFIED, dir.path().resolve(name), null, state < 0 ? isDir : state == Node.DIR, dir.root(), false);
    }

    private void deleted(Node dir, String name) {
        if (dir.has(name)) {
            remove(dir, name, true);
        }
    }

    private void movedFrom(Node dir, String name, boolean isDir, long cookie) {
        Removed entry = dir.remove(name);
        if (entry == null) {
            entry = new Removed(isDir, null);
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
        if (m.entry().node() != null) {
            List<Change> gone = new ArrayList<>();
            drop(m.entry().node(), gone);
            for (Change c : gone) {
                emit(Kind.DELETED, c.path, null, c.dir, m.root(), false);
            }
        }
        emit(Kind.DELETED, m.path(), null, m.entry().dir(), m.root(), false);
    }

    private void movedTo(Node dir, String name, boolean isDir, long cookie) {
        PendingMove m = moves.remove(cookie);
        if (m == null) {
            // moved in from outside the tree
            if (dir.has(name)) {
                remove(dir, name, true);
            }
            created(dir, name, isDir);
            return;
        }
        m.timer().dispose();
        boolean replaced = dir.has(name);
        if (replaced) {
            remove(dir, name, false);
        }
        Removed entry = m.entry();
        Path path = dir.path().resolve(name);
        Node root = dir.root();
        boolean watchIt = entry.dir() && spec.recursive() && !prunes(root, path);
        Node moved = entry.node();
        dir.put(name, entry.dir());
        if (moved != null) {
            moved.parent = dir;
            moved.name = name;
            moved.moved();
            if (watchIt) {
                dir.attach(name, moved);
            } else {
                drop(moved, new ArrayList<>());
                moved = null;
            }
        }
        // a side inside a dirty subtree is left to that subtree's rescan
        boolean wasVisible = accepts(m.root(), m.path()) && !absorbed(m.root().path(), m.path());
        boolean isVisible = accepts(root, path) && !absorbed(root.path(), path);
        if (wasVisible && isVisible) {
            buffer.add(Kind.RENAMED, path, m.path(), entry.dir(), root.path(), now, null, replaced);
            checkBound();
        } else if (isVisible) {
            emit(replaced ? Kind.MODIFIED : Kind.CREATED, path, null, entry.dir(), root, false);
        } else if (wasVisible) {
            emit(Kind.DELETED, m.path(), null, entry.dir(), m.root(), false);
        }
        if (watchIt && moved == null) {
            watchNew(dir, name, true); // e.g. renamed from an excluded name: its content becomes visible
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
        Removed e = dir.remove(name);
        if (e == null) {
            return;
        }
        Path path = dir.path().resolve(name);
        Node root = dir.root();
        if (e.node() != null) {
            List<Change> gone = new ArrayList<>();
            drop(e.node(), gone);
            if (report) {
                for (Change c : gone) {
                    emit(Kind.DELETED, c.path, null, c.dir, root, false);
                }
            }
        }
        if (report) {
            emit(Kind.DELETED, path, null, e.dir(), root, false);
        }
    }

    /** Unwatches {@code node} and everything below; collects the entries below it, deepest first. */
    private void drop(Node node, List<Change> gone) {
        Path dir = node.path();
        node.forEach((name, isDir, child) -> {
            if (child != null) {
                drop(child, gone);
            }
            gone.add(new Change(dir.resolve(name), isDir));
        });
        node.clear();
        if (node.key != null) {
            byKey.remove(node.key);
            channel.remove(node.key);
            node.key = null;
        }
    }

    /** Watches a new directory, then scans it; reports what the scan finds when {@code report}. */
    private void watchNew(Node parent, String name, boolean report) {
        Node node = new Node(parent, name, null);
        if (!watch(node)) {
            return;
        }
        parent.attach(name, node);
        Snapshot found = report ? new Snapshot() : null;
        reconcile(node, found, false); // compared with nothing: every entry is new, times are not needed
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
        reconcile(node, found, true);
    }

    /** As {@link #reconcile(Node, Snapshot)}; {@code timed}: record modification times (a stat per file). */
    private void reconcile(Node node, Snapshot found, boolean timed) {
        NameSet listed = list(node);
        if (listed == null) {
            return;
        }
        for (String cookie : listed.removeStartingWith(COOKIE_PREFIX_UTF8)) {
            if (node.parent == null) {
                cookieSeen(cookie); // its event may have been lost in the overflow that caused this rescan
            }
        }
        if (node.names.size() == 0 && node.dirs == null) {
            node.names = listed; // a new directory: the listing is the model
        } else {
            List<String> vanished = new ArrayList<>();
            node.forEach((name, isDir, child) -> {
                int flags = listed.get(name);
                if (flags < 0 || (flags == Node.DIR) != isDir) {
                    vanished.add(name);
                }
            });
            for (String name : vanished) {
                remove(node, name, false);
            }
            listed.forEach((name, flags) -> {
                if (!node.has(name)) {
                    node.names.put(name, flags);
                }
            });
        }
        node.scannedAt = wall;
        Path dirPath = node.path();
        if (found != null) {
            listed.forEach((name, flags) -> {
                Path path = dirPath.resolve(name);
                boolean isDir = flags == Node.DIR;
                found.put(path, new Snapshot.Stamp(isDir, isDir || !timed ? 0 : modified(path)));
            });
        }
        if (!spec.recursive()) {
            return;
        }
        List<String> subdirs = new ArrayList<>();
        listed.forEach(Node.DIR, (name, flags) -> subdirs.add(name));
        Node root = node.root();
        for (String name : subdirs) {
            Node child = node.dirs == null ? null : node.dirs.get(name);
            if (child == null) {
                Path path = dirPath.resolve(name);
                if (prunes(root, path)) {
                    continue;
                }
                child = new Node(node, name, path);
                if (!watch(child)) {
                    continue;
                }
                node.attach(name, child);
            }
            reconcile(child, found, timed);
        }
    }

    /** A file's modification time; {@link Long#MAX_VALUE} ("changed") when it cannot be read. */
    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toMillis();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Lists a directory (links not followed); null when it vanished. */
    private NameSet list(Node node) {
        Path dir = node.path();
        NameSet out = new NameSet();
        try {
            lister.list(dir, (b, off, len, isDir) -> out.put(b, off, len, isDir ? Node.DIR : 0));
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
            if (!dirty.isEmpty() && absorbed(root.path(), path)) {
                return;
            }
            if (!accepts(root, path)) {
                return;
            }
        }
        buffer.add(kind, path, previous, dir, root.path(), now, null, false);
        checkBound();
    }

    /** Whether events of {@code root} at {@code path} are left to a pending rescan of a dirty subtree of that root. */
    private boolean absorbed(Path root, Path path) {
        for (Dirty d : dirty) {
            if (path.startsWith(d.scope()) && d.root().path().equals(root)) {
                return true;
            }
        }
        return false;
    }

    /** Whether events for {@code path} (under {@code root}) pass the filter. */
    private boolean accepts(Node root, Path path) {
        return spec.filter() == PathFilter.ALL || spec.filter().accepts(rel(root, path));
    }

    /** Whether the directory {@code path} is excluded from watching. */
    private boolean prunes(Node root, Path path) {
        return spec.filter() != PathFilter.ALL && spec.filter().prunes(rel(root, path));
    }

    private static String rel(Node root, Path path) {
        String r = root.path().relativize(path).toString();
        return File.separatorChar == '/' ? r : r.replace(File.separatorChar, '/');
    }

    /** A subtree of one root: {@code path} is the root's path or lies below it. */
    private record Scope(Node root, Path path) {
        boolean contains(Scope other) {
            return root == other.root && other.path.startsWith(path);
        }
    }

    /** When the buffer holds more paths than allowed, collapse it into dirty subtrees. */
    private void checkBound() {
        if (buffer.pathSlots() <= spec.maxPendingPaths()) {
            return;
        }
        List<EventBuffer.Slot> taken = buffer.takeEvents();
        List<Scope> scopes = new ArrayList<>();
        for (EventBuffer.Slot s : taken) {
            Node root = rootNamed(s.root);
            if (root == null) {
                continue; // a root that is gone: its events are delivered as they are
            }
            Path p = s.kind == Kind.OVERFLOW ? s.path : s.path.getParent();
            if (p == null || !p.startsWith(s.root)) {
                p = s.root;
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
        markDirty(scopes, taken, new WatchOverflowException("more than " + spec.maxPendingPaths()
                + " paths were waiting for a slow subscriber; their events were merged into a rescan", null, null));
    }

    private Node rootNamed(Path rootPath) {
        for (Node r : roots) {
            if (r.path().equals(rootPath)) {
                return r;
            }
        }
        return null;
    }

    /** Events were lost for every root: each becomes a dirty scope. */
    private void lost(String why) {
        List<Scope> scopes = new ArrayList<>();
        for (Node r : roots) {
            scopes.add(new Scope(r, r.path()));
        }
        markDirty(scopes, buffer.takeEvents(), new WatchOverflowException(why, null, null));
    }

    /**
     * Marks {@code scopes} dirty: the baseline of each is the model as the subscriber knows it (the model with the
     * undelivered events {@code taken} rolled back). Events in {@code taken} outside every scope are put back.
     */
    private void markDirty(List<Scope> requested, List<EventBuffer.Slot> taken, WatchOverflowException why) {
        if (spec.overflowStrategy() == OverflowStrategy.ERROR) {
            downstream.fail(new WatchOverflowException(why.getMessage() + " (overflow strategy ERROR)",
                    requested.isEmpty() ? null : requested.get(0).path(), null));
            return;
        }
        // normalise: drop scopes nested in others
        List<Scope> scopes = new ArrayList<>();
        for (Scope sc : requested) {
            boolean nested = false;
            for (Scope other : requested) {
                if (!other.equals(sc) && other.contains(sc)) {
                    nested = true;
                }
            }
            if (!nested && !scopes.contains(sc)) {
                scopes.add(sc);
            }
        }
        for (Scope sc : scopes) {
            Node root = sc.root();
            Path scope = sc.path();
            if (absorbed(root.path(), scope)) {
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
                if (m.root() == root && m.path().startsWith(scope)) {
                    base.put(m.path(), new Snapshot.Stamp(m.entry().dir(), m.dir().scannedAt));
                    if (m.entry().node() != null) {
                        record(m.entry().node(), base);
                    }
                }
            }
            // older dirty scopes inside this one keep their (older) baselines
            for (Iterator<Dirty> it = dirty.iterator(); it.hasNext();) {
                Dirty d = it.next();
                if (d.root() == root && d.scope().startsWith(scope)) {
                    base.overlay(d.baseline(), d.scope());
                    it.remove();
                }
            }
            for (int i = taken.size() - 1; i >= 0; i--) {
                EventBuffer.Slot s = taken.get(i);
                if (s.kind != Kind.OVERFLOW && root.path().equals(s.root) && s.path.startsWith(scope)) {
                    rollBack(base, s);
                }
            }
            dirty.add(new Dirty(scope, root, base, new WatchOverflowException(why.getMessage() + "; rescanning "
                    + scope, scope, null)));
        }
        for (EventBuffer.Slot s : taken) {
            boolean inScope = s.path != null && absorbed(s.root, s.path);
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
                if (s.directory) {
                    base.removeBelow(s.path);
                }
                break;
            case DELETED:
            case MODIFIED:
                base.put(s.path, new Snapshot.Stamp(s.directory, Long.MIN_VALUE));
                break;
            case RENAMED: {
                base.remove(s.path);
                Map<Path, Snapshot.Stamp> below = s.directory ? base.removeBelow(s.path) : Map.of();
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
        long seenAt = node.scannedAt;
        node.forEach((name, isDir, child) -> {
            into.put(dir.resolve(name), new Snapshot.Stamp(isDir, seenAt));
            if (child != null) {
                record(child, into);
            }
        });
    }

    private static Node nodeAt(Node root, Path p) {
        Node n = root;
        for (Path part : root.path().relativize(p)) {
            if (part.toString().isEmpty()) {
                continue;
            }
            n = n.dirs == null ? null : n.dirs.get(part.toString());
            if (n == null) {
                return null;
            }
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
                    if (accepts(d.root(), c.path())) {
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
