package dev.vigil.watch.internal.macos;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The macOS calls of the FSEvents backend: the seam between {@link FsEventsLoop} and the OS. The real one is
 * {@link NativeEventStreams} (CoreServices and CoreFoundation through JNA); tests replay recorded callbacks through a
 * fake.
 */
interface EventStreams {

    /**
     * Creates, schedules and starts a stream on {@code realPath} ({@code FSEventStreamCreate} with
     * {@link Flags#STREAM}, plus {@code UseCFTypes|UseExtendedData} where the OS has them;
     * {@code FSEventStreamSetDispatchQueue}; {@code FSEventStreamStart}). Events from the moment it returns on are
     * handed to {@code sink}, one callback's records per call, on a thread of the OS (never concurrently for one
     * stream).
     *
     * @param sinceWhen {@link Flags#SINCE_NOW}, or an event id to replay the history from
     * @param latency seconds FSEvents may hold events to coalesce them (with {@code NoDefer}, a lone event is sent
     *     at once)
     * @throws IOException naming the call that failed
     */
    Stream open(String realPath, long sinceWhen, double latency, Consumer<List<Record>> sink) throws IOException;

    /**
     * What is at {@code path} now, without following a link there; {@code null} when nothing is. With
     * {@code storedName}, the entry's name is the one its directory stores (asked of the volume), else the last segment
     * of {@code path}.
     */
    Entry entry(Path path, boolean storedName);

    /** Whether names on the volume of {@code dir} are compared case-sensitively ({@code pathconf(_PC_CASE_SENSITIVE)}). */
    boolean caseSensitive(Path dir);

    /** Whether the streams report each record's inode ({@code UseExtendedData}, macOS 10.13 and later). */
    boolean inodes();

    /** One started stream. */
    interface Stream {
        /** {@code FSEventStreamFlushSync}: returns once every event that occurred before has reached the sink. */
        void flush();

        /** {@code FSEventStreamStop}, {@code FSEventStreamInvalidate}, {@code FSEventStreamRelease}. Idempotent. */
        void close();
    }

    /**
     * One record of a callback.
     *
     * @param path the absolute path FSEvents reports (symbolic links resolved: {@code /private/tmp/..} for
     *     {@code /tmp/..}), as its bytes decode in UTF-8 (NFD on HFS+, as created on APFS)
     * @param flags its {@code FSEventStreamEventFlags}, possibly several coalesced
     * @param id its event id (0 for {@code RootChanged})
     * @param inode its {@code fileID} where the stream has extended data, else 0
     */
    record Record(String path, int flags, long id, long inode) {
        @Override
        public String toString() {
            return path + " " + Flags.names(flags) + (inode != 0 ? " ino=" + inode : "");
        }
    }

    /**
     * An entry found on disk.
     *
     * @param name its name as the directory stores it (the case of a case-insensitive volume), NFC
     * @param inode its inode
     * @param directory whether it is a directory (a link to one is not)
     */
    record Entry(String name, long inode, boolean directory) {
    }
}
