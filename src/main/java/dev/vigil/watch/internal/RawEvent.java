package dev.vigil.watch.internal;

/**
 * One fact reported by the OS about something under the watch registered as {@code key}.
 *
 * <p>The same record serves both shapes of OS API: a per-directory backend reports one-segment paths relative to
 * the watched directory; a recursive backend reports paths of one or more segments relative to the watched root.
 *
 * @param key the key returned by {@link WatchChannel#add} for the watch the event concerns; for
 *     {@link RawKind#OVERFLOW}, {@code null} means "any watch of the channel"
 * @param kind what happened
 * @param path the entry's path relative to the watched directory, segments separated by {@code /}; {@code ""}
 *     for the watched directory itself (and for an overflow of the whole watch)
 * @param type whether the entry is a directory, when the OS says so
 * @param cookie pairing evidence for {@link RawKind#MOVED_FROM} / {@link RawKind#MOVED_TO}, as the backend's
 *     {@link WatchBackend.Pairing} defines it (a kernel cookie, a file id); 0 when none
 */
public record RawEvent(Object key, RawKind kind, String path, EntryType type, long cookie) {

    /** An event whose directory flag the OS reports. */
    public RawEvent(Object key, RawKind kind, String name, boolean directory, long cookie) {
        this(key, kind, name, directory ? EntryType.DIRECTORY : EntryType.FILE, cookie);
    }

    /** An overflow: events under {@code scope} (relative to {@code key}'s directory; null key: every watch) were lost. */
    public static RawEvent overflow(Object key, String scope) {
        return new RawEvent(key, RawKind.OVERFLOW, scope, EntryType.DIRECTORY, 0);
    }

    /** Whether the entry is a directory, as far as the OS said. */
    public enum EntryType {
        /** Not a directory (a file, a link, a device...). */
        FILE,
        /** A directory. */
        DIRECTORY,
        /**
         * The OS did not say; the pipeline resolves it from its model or from the disk. A {@code MODIFIED} of an
         * entry the model knows as a directory is dropped: an OS that does not give the type (Windows without
         * extended information) reports there every change of the directory's content, which its own events
         * already carry.
         */
        UNKNOWN
    }

    /** The kinds of raw facts, common to all backends. */
    public enum RawKind {
        /** An entry appeared (created, hard-linked, or the OS could not tell a move in). */
        CREATED,
        /** An entry's content changed. */
        MODIFIED,
        /** An entry's metadata changed (permissions, timestamps, link count). */
        ATTRIBUTES,
        /** An entry was removed. */
        DELETED,
        /** First half of a rename: the entry left {@code path}. */
        MOVED_FROM,
        /** Second half of a rename: the entry arrived at {@code path}. */
        MOVED_TO,
        /** The watched directory itself was deleted. */
        SELF_DELETED,
        /** The watched directory itself was moved (its parent, if watched, reports the rename). */
        SELF_MOVED,
        /** The OS dropped this watch (directory gone, file system unmounted); the key is dead. */
        UNWATCHED,
        /** The OS lost events under {@code path} of {@code key} ({@code key == null}: of every watch). */
        OVERFLOW
    }
}
