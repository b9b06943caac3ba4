package dev.vigil.watch.internal;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A directory of the model. Files and unwatched directories are kept as names only ({@link NameSet}); watched
 * subdirectories have a node. What the subscriber knows about a file's content is "as of the directory's last
 * listing" ({@link #scannedAt}): a rescan may report a file modified since then more than once, never less.
 */
final class Node {
    static final int DIR = 1;

    Node parent;
    String name;
    Path path;
    Object key;
    /**
     * The source watching this directory under {@link #key}, or covering it through its root's recursive watch;
     * below a root, each directory tries its root's source first.
     */
    Sources.Source source;
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

    /** An entry taken out of a directory: a pending move's subject. {@code node} is null for files and unwatched dirs. */
    record Removed(boolean dir, Node node) {
    }

    /** {@code path} relative to {@code root}, with {@code /} as the separator on every OS (what filters match). */
    static String rel(Node root, Path path) {
        return rel(root.path(), path);
    }

    /** {@code path} relative to the root path {@code root}, with {@code /} as the separator. */
    static String rel(Path root, Path path) {
        String r = root.relativize(path).toString();
        return java.io.File.separatorChar == '/' ? r : r.replace(java.io.File.separatorChar, '/');
    }

    /** The node at {@code p} below {@code root} (a path under it), or null when the model has none. */
    static Node at(Node root, Path p) {
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
}
