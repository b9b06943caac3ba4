package dev.vigil.watch.internal;

import dev.vigil.watch.OverflowStrategy;
import dev.vigil.watch.WatchException;
import dev.vigil.watch.WatchLimitException;
import dev.vigil.watch.WatchRootException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tree model of one session and the OS watches that keep it current: the roots, their directories with their
 * known entries, and the key of each watch. It installs watches as directories come (watch first, then list) and
 * removes them as they go, and it reconciles subtrees with the disk. It reports nothing itself: operations return
 * what changed, and what went wrong is collected ({@link #takeProblems()}, {@link #fatal()}) for the session to
 * report. Each root is watched through its own {@link Sources.Source}, and so is everything below it; for a
 * {@linkplain WatchBackend.Capabilities#recursive() recursive} backend only the root gets a watch, the model is the
 * same. A directory refused by the watch limit goes to the {@link BeyondLimit} source when there is one. Confined to
 * the session's executor.
 */
final class Tree {

    /** Prefix of the cookie files written by sync barriers; their events are never delivered. */
    static final String COOKIE_PREFIX = ".vigil-sync-";
    private static final byte[] COOKIE_PREFIX_UTF8 = COOKIE_PREFIX.getBytes(StandardCharsets.UTF_8);

    /** An entry that went away with its subtree. */
    record Change(Path path, boolean dir) {
    }

    /** A directory that cannot be watched or listed, under {@code root}. */
    record Problem(Node root, Path path, WatchException cause) {
    }

    /** Where a raw event lands: the entry {@code name} of the directory {@code dir}. */
    record Target(Node dir, String name) {
    }

    /** Where directories go that the watch limit refuses (the polling source). */
    @FunctionalInterface
    interface BeyondLimit {
        /**
         * The source to watch the directories beyond the limit with, once {@code reached} was thrown.
         *
         * @throws IOException when it cannot be opened
         */
        Sources.Source source(WatchLimitException reached) throws IOException;
    }

    private final WatchSpec spec;
    private final BeyondLimit beyondLimit;
    final List<Node> roots = new ArrayList<>();
    private final Map<Object, Node> byKey = new IdentityHashMap<>();
    private final List<Node> unresolved = new ArrayList<>();
    private final List<Problem> problems = new ArrayList<>();
    private final List<String> cookies = new ArrayList<>();
    private WatchException fatal;
    /** The wall-clock time of the operation under way, recorded as each listing's time. */
    long wall;

    /** A tree whose watch-limit failures end the session ({@code beyondLimit} null) or go to {@code beyondLimit}. */
    Tree(WatchSpec spec, BeyondLimit beyondLimit) {
        this.spec = spec;
        this.beyondLimit = beyondLimit;
    }

    /** What a listing records of each entry into a {@link Snapshot}. */
    enum Detail {
        /** Names and types only. */
        NAMES,
        /** Files also get their attributes read (one {@code stat} each): their modification time, size and key. */
        FILES,
        /** Directories too (their key, for pairing renames). */
        ALL
    }

    /**
     * Watches and lists a root through {@code source} (no events for what exists). A root refused by the watch limit
     * is watched, with everything below it, through the {@link BeyondLimit} source.
     */
    Node addRoot(Path root, Sources.Source source) throws IOException {
        return addRoot(root, source, null);
    }

    /**
     * {@link #addRoot(Path, Sources.Source)}, recording every entry below the root, attributes included, into
     * {@code found} when not null.
     */
    Node addRoot(Path root, Sources.Source source, Snapshot found) throws IOException {
        Node node = new Node(null, null, root);
        try {
            // a root may be a symbolic link to a directory: watch its target (links below are never followed)
            install(node, source, Files.isSymbolicLink(root) ? root.toRealPath() : root);
        } catch (NoSuchFileException e) {
            throw new WatchRootException(root, WatchRootException.Reason.MISSING, e);
        }
        roots.add(node);
        reconcile(node, found, found == null ? Detail.NAMES : Detail.ALL);
        return node;
    }

    /**
     * Adds the OS watch of {@code node} at {@code path} through {@code source}, or, when the watch limit refuses it
     * and there is a {@link BeyondLimit} source, through that one.
     */
    private void install(Node node, Sources.Source source, Path path) throws IOException {
        Sources.Source by = source;
        Object key;
        try {
            key = source.channel.add(path);
        } catch (WatchLimitException reached) {
            if (beyondLimit == null) {
                throw reached;
            }
            try {
                by = beyondLimit.source(reached);
            } catch (IOException cannot) {
                reached.addSuppressed(cannot);
                throw reached;
            }
            key = by.channel.add(path);
        }
        node.key = key;
        node.source = by;
        byKey.put(key, node);
    }

    /** The number of OS watches held (read from other threads by metrics: may be a moment stale). */
    int watchCount() {
        return byKey.size();
    }

    /** The node watched under {@code key}, or null (a watch already dropped). */
    Node watched(Object key) {
        return byKey.get(key);
    }

    /**
     * Where an event at {@code relative} (segments separated by {@code /}) below the watched {@code node} lands;
     * null when a directory on the way is not in the model (excluded, or unknown: {@link #unknownParent} tells).
     */
    Target target(Node node, String relative) {
        int slash = relative.lastIndexOf('/');
        if (slash < 0) {
            return new Target(node, relative);
        }
        Node dir = node;
        int from = 0;
        while (from < slash) {
            int next = relative.indexOf('/', from);
            dir = dir.dirs == null ? null : dir.dirs.get(relative.substring(from, next));
            if (dir == null) {
                return null;
            }
            from = next + 1;
        }
        return new Target(dir, relative.substring(slash + 1));
    }

    /**
     * The deepest directory of the model on the way to {@code relative} below {@code node}, when the first missing
     * one is not excluded from watching (the model missed it: its subtree must be rescanned); otherwise null.
     */
    Node unknownParent(Node node, String relative) {
        Node dir = node;
        int from = 0;
        for (int next; (next = relative.indexOf('/', from)) >= 0; from = next + 1) {
            Node child = dir.dirs == null ? null : dir.dirs.get(relative.substring(from, next));
            if (child == null) {
                Path missing = dir.path().resolve(relative.substring(from, next));
                return prunes(dir.root(), missing) ? null : dir;
            }
            dir = child;
        }
        return null;
    }

    /** Whether the directory {@code path} of {@code root} is excluded from watching. */
    boolean prunes(Node root, Path path) {
        return spec.filter() != PathFilter.ALL && spec.filter().prunes(Node.rel(root, path));
    }

    /** Removes {@code name} from {@code dir}, unwatching its subtree; adds what went to {@code gone}, deepest first. */
    Node.Removed remove(Node dir, String name, List<Change> gone) {
        Node.Removed e = dir.remove(name);
        if (e != null && e.node() != null) {
            drop(e.node(), gone);
        }
        return e;
    }

    /** Unwatches {@code node} and everything below; adds the entries below it to {@code gone}, deepest first. */
    void drop(Node node, List<Change> gone) {
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
            node.source.channel.remove(node.key);
            node.key = null;
        }
    }

    /** Adds the entries below {@code node} to {@code out}, deepest first (as {@link #drop} lists them). */
    static void below(Node node, List<Change> out) {
        Path dir = node.path();
        node.forEach((name, isDir, child) -> {
            if (child != null) {
                below(child, out);
            }
            out.add(new Change(dir.resolve(name), isDir));
        });
    }

    /** The OS dropped the watch of {@code node} by itself. */
    void unwatched(Node node) {
        byKey.remove(node.key);
        node.key = null;
    }

    /** A root is gone: unwatches it and everything below. */
    void removeRoot(Node root) {
        roots.remove(root);
        drop(root, new ArrayList<>());
    }

    /**
     * Watches the new directory {@code name} of {@code parent}, then lists it; records what it holds into
     * {@code found} (every entry is new: modification times are not read).
     */
    void addDirectory(Node parent, String name, Snapshot found) {
        Node node = new Node(parent, name, null);
        if (watch(node)) {
            parent.attach(name, node);
            reconcile(node, found, Detail.NAMES);
        }
    }

    /** Adds the OS watch for {@code node}; false when the directory vanished or cannot be watched (collected). */
    private boolean watch(Node node) {
        if (fatal != null) {
            return false;
        }
        Sources.Source source = node.root().source; // the root's, even where the limit sent a parent elsewhere
        if (source.caps.recursive()) {
            node.source = source; // no key: the root's watch covers it
            return true;
        }
        try {
            install(node, source, node.path());
            return true;
        } catch (NoSuchFileException e) {
            unresolved.add(node); // gone, or an ancestor renamed under us: retried after the events that tell
            return false;
        } catch (WatchLimitException e) {
            fatal = e;
            return false;
        } catch (WatchException e) {
            problem(node, e);
            return false;
        } catch (IOException e) {
            problem(node, new WatchException("cannot watch " + node.path() + ": " + e, node.path(), null, 0, e));
            return false;
        }
    }

    private void problem(Node node, WatchException cause) {
        if (spec.overflowStrategy() == OverflowStrategy.ERROR) {
            if (fatal == null) {
                fatal = cause;
            }
            return;
        }
        problems.add(new Problem(node.root(), node.path(), cause));
    }

    /**
     * The directories whose watch or listing found no such path since the last call. Watches and listings go by path,
     * so a directory whose ancestor was renamed a moment ago looks gone; the events read since have moved the model
     * on, and {@link #resolve} tries again at the directory's current path.
     */
    List<Node> takeUnresolved() {
        if (unresolved.isEmpty()) {
            return List.of();
        }
        List<Node> out = new ArrayList<>(unresolved);
        unresolved.clear();
        return out;
    }

    /** How many directories wait to be resolved (a mark for {@link #forgetContentOfUnresolvedSince}). */
    int unresolvedCount() {
        return unresolved.size();
    }

    /**
     * Empties, in the model, the directories that went unresolved since {@code mark} while attached (watched, but
     * their listing found no such path), unwatching what was below them: a rescan that could not list them reported
     * their content gone; {@link #resolve} lists them again and reports what they hold as new.
     */
    void forgetContentOfUnresolvedSince(int mark) {
        for (Node n : unresolved.subList(mark, unresolved.size())) {
            if (n.parent != null && n.parent.dirs != null && n.parent.dirs.get(n.name) == n) {
                List<String> names = new ArrayList<>();
                n.forEach((name, isDir, child) -> names.add(name));
                for (String name : names) {
                    remove(n, name, new ArrayList<>());
                }
            }
        }
    }

    /** Gives back a directory taken by {@link #takeUnresolved}, to be tried again after the next events. */
    void retryLater(Node node) {
        unresolved.add(node);
    }

    /**
     * Watches and lists again a directory returned by {@link #takeUnresolved}, at its current path, recording what
     * it holds into {@code found}; nothing when the model no longer has it (deleted or replaced meanwhile: the events
     * that said so were reported). Returns the node that now stands for it, or null.
     */
    Node resolve(Node node, Snapshot found) {
        Node parent = node.parent;
        if (!inTree(parent)) {
            return null;
        }
        Node attached = parent.dirs == null ? null : parent.dirs.get(node.name);
        if (attached == node) { // watched, but the listing failed
            reconcile(node, found, Detail.NAMES);
            return node;
        }
        if (attached != null || parent.state(node.name) != Node.DIR) {
            return null;
        }
        Node fresh = new Node(parent, node.name, null);
        if (!watch(fresh)) {
            return null;
        }
        parent.attach(node.name, fresh);
        reconcile(fresh, found, Detail.NAMES);
        return fresh;
    }

    /** Whether {@code node} is attached all the way up to one of the roots. */
    private boolean inTree(Node node) {
        Node n = node;
        while (n.parent != null) {
            if (n.parent.dirs == null || n.parent.dirs.get(n.name) != n) {
                return false;
            }
            n = n.parent;
        }
        return roots.contains(n);
    }

    /** The directories that could not be watched or listed since the last call. */
    List<Problem> takeProblems() {
        if (problems.isEmpty()) {
            return List.of();
        }
        List<Problem> out = new ArrayList<>(problems);
        problems.clear();
        return out;
    }

    /** The cookie files found by listings of roots since the last call. */
    List<String> takeCookies() {
        if (cookies.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>(cookies);
        cookies.clear();
        return out;
    }

    /** The error that must end the session (a watch limit, or a problem under {@link OverflowStrategy#ERROR}). */
    WatchException fatal() {
        return fatal;
    }

    /**
     * Brings the model of {@code node}'s subtree in line with the disk: lists each directory, adds and removes
     * entries, watches new directories (watch first, then list) and unwatches vanished ones. Records what it found
     * into {@code found} when not null, with as much {@code detail} as asked. Reports nothing itself.
     */
    void reconcile(Node node, Snapshot found, Detail detail) {
        if (fatal != null) {
            return;
        }
        NameSet listed = list(node);
        if (listed == null) {
            if (node.parent != null) {
                unresolved.add(node); // as in watch(): an ancestor may have been renamed under us
            }
            return;
        }
        for (String cookie : listed.removeStartingWith(COOKIE_PREFIX_UTF8)) {
            if (node.parent == null) {
                cookies.add(cookie); // its event may have been lost in the overflow that caused this rescan
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
                remove(node, name, new ArrayList<>());
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
                found.put(path, stamp(path, flags == Node.DIR, detail));
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
            reconcile(child, found, detail);
        }
    }

    /**
     * An entry as a listing records it: with its modification time and attributes when {@code detail} asks for them;
     * a file whose attributes cannot be read (or that is no longer what the listing said) gets the time
     * {@link Long#MAX_VALUE}: "changed".
     */
    static Snapshot.Stamp stamp(Path path, boolean isDir, Detail detail) {
        if (detail == Detail.NAMES || isDir && detail == Detail.FILES) {
            return new Snapshot.Stamp(isDir, 0);
        }
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isDirectory() == isDir) {
                return new Snapshot.Stamp(isDir, a.lastModifiedTime().toMillis(), Snapshot.Attributes.of(a));
            }
        } catch (IOException e) {
            // gone or unreadable: its event follows, or the rescan reports it changed
        }
        return new Snapshot.Stamp(isDir, isDir ? 0 : Long.MAX_VALUE);
    }

    /** Lists a directory (links not followed); null when it vanished. */
    private NameSet list(Node node) {
        Path dir = node.path();
        for (int attempt = 0;; attempt++) {
            NameSet out = new NameSet();
            try {
                node.root().source.lister.list(dir, out);
                return out;
            } catch (NoSuchFileException | NotDirectoryException e) {
                return null;
            } catch (AccessDeniedException e) {
                problem(node, new WatchException("cannot list " + dir + ": permission denied; events for its "
                        + "entries are reported but its existing content is unknown", dir, "list", 0, e));
                return out;
            } catch (IOException e) {
                if (attempt < LIST_RETRIES.length) {
                    // often passing: on Windows a directory just moved or created may be held open a moment
                    // (a sharing violation), by the mover, an indexer or an antivirus; this runs on the session's
                    // own thread, where a short wait delays no other session
                    java.util.concurrent.locks.LockSupport.parkNanos(LIST_RETRIES[attempt]);
                    continue;
                }
                problem(node, new WatchException("cannot list " + dir + " (tried " + (attempt + 1) + " times): "
                        + e.getMessage(), dir, "list", 0, e));
                return out;
            }
        }
    }

    /** The waits before listing again after a failure that may pass (about 0.3 s in all). */
    private static final long[] LIST_RETRIES = {
        java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(10), java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(50),
        java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(250)};

    /** Records the entries of {@code node}'s subtree, stamped with the time of their directory's last listing. */
    static void record(Node node, Snapshot into) {
        Path dir = node.path();
        long seenAt = node.scannedAt;
        node.forEach((name, isDir, child) -> {
            into.put(dir.resolve(name), new Snapshot.Stamp(isDir, seenAt));
            if (child != null) {
                record(child, into);
            }
        });
    }
}
