package dev.vigil.watch.internal;

/**
 * One fact reported by the OS about the watched directory registered under {@code key}.
 *
 * @param key the key returned by {@link WatchChannel#add} for the directory the event concerns
 * @param kind what happened
 * @param name the entry's name relative to that directory ({@code ""} for the directory itself)
 * @param directory whether the entry is a directory, when the OS says so (inotify {@code IN_ISDIR})
 * @param cookie pairs {@link RawKind#MOVED_FROM} with {@link RawKind#MOVED_TO}; 0 when none
 */
public record RawEvent(Object key, RawKind kind, String name, boolean directory, long cookie) {

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
        /** First half of a rename: the entry left this directory under {@code name}. */
        MOVED_FROM,
        /** Second half of a rename: the entry arrived in this directory under {@code name}. */
        MOVED_TO,
        /** The watched directory itself was deleted. */
        SELF_DELETED,
        /** The watched directory itself was moved (its parent, if watched, reports the rename). */
        SELF_MOVED,
        /** The OS dropped this watch (directory gone, file system unmounted); the key is dead. */
        UNWATCHED
    }
}
