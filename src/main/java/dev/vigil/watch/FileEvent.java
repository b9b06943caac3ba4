package dev.vigil.watch;

import java.io.File;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One change under a watched root, as delivered by {@link FileWatcher#events()}.
 *
 * <p>Immutable value. Paths are absolute and start with {@link #root()}; they are built from the root as given to
 * the watcher (symbolic links in the root path are not resolved).
 *
 * <h2>Equality</h2>
 * Two events are equal when they say the same thing: kind, path, previous path, directory flag, root, and for an
 * {@code OVERFLOW} the type and message of the cause. The {@linkplain #time() time} is left out, so a test can
 * expect an event it built itself ({@code StepVerifier...expectNext(new FileEvent(CREATED, a, null, false, root,
 * Instant.EPOCH, null))}); {@link #toString()} prints exactly what equality compares, except the root.
 *
 * <h2>Serialisation</h2>
 * The {@code getX()} accessors ({@link #getKind()}, {@link #getPath()}, ...) are for serialisers that look for
 * JavaBeans properties (Jackson, JSON-B), so an event returned from a web controller is written with its fields:
 * {@code {"kind":"CREATED","path":"/w/a.txt","relativePath":"a.txt","previous":null,"directory":false,
 * "root":"/w","time":"2026-11-27T08:00:00.123Z","cause":null}}. Paths and the time are strings there (no date-time
 * module needed), the cause is its message. The library does
 * not depend on any serialiser.
 *
 * <h2>Kinds</h2>
 * <ul>
 *   <li>{@link Kind#CREATED}: an entry appeared: created, moved in from outside the tree, or found by a
 *       scan of a new or moved-in directory.</li>
 *   <li>{@link Kind#MODIFIED}: the content or the metadata (permissions, timestamps) of an entry changed.</li>
 *   <li>{@link Kind#DELETED}: an entry disappeared: deleted, or moved out of the tree. For a directory moved
 *       out, one {@code DELETED} is delivered for each entry the watcher knew inside it, children first.</li>
 *   <li>{@link Kind#RENAMED}: an entry moved inside the watched tree; {@link #previous()} holds the old path.
 *       For a directory, one event stands for its whole subtree: later events inside it use the new path.</li>
 *   <li>{@link Kind#OVERFLOW}: events under {@link #path()} (the <em>scope</em>: a directory, or a root) may
 *       have been lost; {@link #cause()} says why. With the default {@link OverflowStrategy#RESYNC} it is
 *       followed by the true difference found by rescanning the scope.</li>
 * </ul>
 */
public final class FileEvent {

    /** What happened to {@link #path()}. */
    public enum Kind {
        /** The entry appeared. */
        CREATED,
        /** The entry's content or metadata changed. */
        MODIFIED,
        /** The entry disappeared. */
        DELETED,
        /** The entry moved from {@link #previous()} to {@link #path()} inside the watched tree. */
        RENAMED,
        /** Events under the scope {@link #path()} may have been lost; see {@link #cause()}. */
        OVERFLOW
    }

    private final Kind kind;
    private final Path path;
    private final Path previous;
    private final boolean directory;
    private final Path root;
    private final Instant time;
    private final WatchException cause;

    /**
     * Creates an event; the watcher does this, and tests of code that consumes events may too.
     *
     * @param kind what happened
     * @param path the absolute path (for {@link Kind#OVERFLOW}, the scope)
     * @param previous the path before the move for {@link Kind#RENAMED}, otherwise {@code null}
     * @param directory whether the entry is or was a directory
     * @param root the watched root containing {@code path}
     * @param time when the change was observed
     * @param cause why events were lost, for {@link Kind#OVERFLOW}; otherwise {@code null}
     * @throws IllegalArgumentException when {@code previous} is given for another kind than {@code RENAMED} or
     *     missing for {@code RENAMED}
     */
    public FileEvent(Kind kind, Path path, Path previous, boolean directory, Path root, Instant time,
            WatchException cause) {
        if ((kind == Kind.RENAMED) != (previous != null)) {
            throw new IllegalArgumentException("previous must be given for RENAMED and only for RENAMED: " + kind);
        }
        this.kind = Objects.requireNonNull(kind, "kind");
        this.path = Objects.requireNonNull(path, "path");
        this.previous = previous;
        this.directory = directory;
        this.root = Objects.requireNonNull(root, "root");
        this.time = Objects.requireNonNull(time, "time");
        this.cause = cause;
    }

    /** What happened. */
    public Kind kind() {
        return kind;
    }

    /** The absolute path of the entry (for {@link Kind#OVERFLOW}, the scope whose events may be lost). */
    public Path path() {
        return path;
    }

    /** The path before the move, present only for {@link Kind#RENAMED}. */
    public Optional<Path> previous() {
        return Optional.ofNullable(previous);
    }

    /**
     * Whether the entry is (or, for {@link Kind#DELETED}, was) a directory. A symbolic link is never a
     * directory here, whatever it points to.
     */
    public boolean isDirectory() {
        return directory;
    }

    /** The watched root this event belongs to, exactly as given to the watcher (made absolute). */
    public Path root() {
        return root;
    }

    /**
     * {@link #path()} relative to {@link #root()}: what include and exclude patterns are matched against (with
     * {@code /} as the separator). Empty for an event of the root itself.
     */
    public Path relativePath() {
        return root.relativize(path);
    }

    /** When the watcher observed the change (the time of the watcher's {@link reactor.core.scheduler.Scheduler}). */
    public Instant time() {
        return time;
    }

    /** For {@link Kind#OVERFLOW}: why events may have been lost. Empty for every other kind. */
    public Optional<WatchException> cause() {
        return Optional.ofNullable(cause);
    }

    /** {@link #kind()}'s name, for serialisers. */
    public String getKind() {
        return kind.name();
    }

    /** {@link #path()} as a string, for serialisers. */
    public String getPath() {
        return path.toString();
    }

    /** {@link #relativePath()} as a string with {@code /} separators, for serialisers. */
    public String getRelativePath() {
        String r = relativePath().toString();
        return File.separatorChar == '/' ? r : r.replace(File.separatorChar, '/');
    }

    /** {@link #previous()} as a string, or {@code null}, for serialisers. */
    public String getPrevious() {
        return previous == null ? null : previous.toString();
    }

    /** {@link #root()} as a string, for serialisers. */
    public String getRoot() {
        return root.toString();
    }

    /** {@link #time()} in ISO-8601 ({@code 2026-11-27T08:00:00.123Z}), for serialisers. */
    public String getTime() {
        return time.toString();
    }

    /** The message of {@link #cause()}, or {@code null}, for serialisers. */
    public String getCause() {
        return cause == null ? null : cause.getMessage();
    }

    /** Equal when kind, path, previous path, directory flag, root and cause (type and message) are; not the time. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof FileEvent)) {
            return false;
        }
        FileEvent e = (FileEvent) o;
        return kind == e.kind && directory == e.directory && path.equals(e.path) && Objects.equals(previous, e.previous)
                && root.equals(e.root) && sameCause(cause, e.cause);
    }

    private static boolean sameCause(WatchException a, WatchException b) {
        return a == b || (a != null && b != null && a.getClass() == b.getClass()
                && Objects.equals(a.getMessage(), b.getMessage()));
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, path, previous, directory, root);
    }

    /** {@code KIND path [<- previous] [dir]}, e.g. {@code RENAMED /w/b.txt <- /w/a.txt}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(kind).append(' ').append(path);
        if (previous != null) {
            sb.append(" <- ").append(previous);
        }
        if (directory) {
            sb.append(" [dir]");
        }
        if (cause != null) {
            sb.append(" (").append(cause.getMessage()).append(')');
        }
        return sb.toString();
    }
}
