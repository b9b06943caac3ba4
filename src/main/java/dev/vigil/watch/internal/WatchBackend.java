package dev.vigil.watch.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import reactor.core.scheduler.Scheduler;

/**
 * A source of raw file-system facts for one operating-system mechanism.
 *
 * <p>A backend owns its OS resource and one reader thread. It never pairs, filters, buffers or debounces, and it
 * never runs pipeline work on its reader thread: it hands {@link RawEvent} batches to the {@link RawEventListener}
 * of each {@link WatchChannel}. A backend instance may be shared by any number of channels. It declares the shape
 * of its OS API in {@link #capabilities()}; the pipeline adapts to it. Every backend passes the backend contract
 * suite ({@code WatchBackendContract} in the tests).
 */
public interface WatchBackend {

    /** Short stable name used in messages and in {@code -Dvigil.watch.backend=NAME}. */
    String name();

    /** Higher wins when several backends are available; polling is the lowest. */
    int priority();

    /**
     * Empty when this backend works on this machine; otherwise why not (kept for error messages). May load native
     * code: the pipeline calls it only on its own threads, where blocking is allowed. A failure that may be
     * transient is not remembered: a later call probes again.
     */
    Optional<Throwable> unavailabilityCause();

    /**
     * Why this backend would miss changes under {@code root}, whose file system does not report them to its OS
     * mechanism (a network or FUSE file system, a network drive); empty when it would not, or when it cannot tell
     * (the root is then watched with this backend, and any error comes from the watch itself). The automatic choice
     * polls such a root instead. Cheap (a system call or two), any thread; only asked of an available backend.
     */
    default Optional<String> cannotWatch(Path root) {
        return Optional.empty();
    }

    /** What the OS API can do, and how the pipeline must use it. */
    Capabilities capabilities();

    /**
     * Opens a channel: the unit of ownership for one watch session. Watches added through it are released when it
     * closes.
     *
     * @throws IOException when the OS resource cannot be created (the message names the call and the OS error)
     */
    WatchChannel open(RawEventListener listener) throws IOException;

    /**
     * Opens a channel for a session with these options. Backends driven by the OS ignore them (the default);
     * a polling backend takes its pace from them.
     *
     * @throws IOException as {@link #open(RawEventListener)}
     */
    default WatchChannel open(RawEventListener listener, ChannelOptions options) throws IOException {
        return open(listener);
    }

    /**
     * What a session tells its channel.
     *
     * @param timer where the session's time comes from (virtual in tests): a backend that acts on a schedule takes
     *     its ticks from it, and does its work on its own thread
     * @param pollInterval how often a polling backend looks at the disk
     */
    record ChannelOptions(Scheduler timer, Duration pollInterval) {
        public ChannelOptions {
            Objects.requireNonNull(timer, "timer");
            Objects.requireNonNull(pollInterval, "pollInterval");
        }
    }

    /** How the pipeline lists directories for this backend's file systems; {@link DirectoryLister#JDK} by default. */
    default DirectoryLister lister() {
        return DirectoryLister.JDK;
    }

    /** How the two halves of a rename are matched. */
    enum Pairing {
        /**
         * {@code MOVED_FROM} and {@code MOVED_TO} carry the same non-zero {@link RawEvent#cookie()} (a kernel cookie,
         * or a file id or inode); the second half may come later, within the rename window.
         */
        BY_COOKIE,
        /** A {@code MOVED_TO} right after its {@code MOVED_FROM} in one batch is its other half; nothing waits. */
        ADJACENT
    }

    /**
     * The shape of an OS API.
     *
     * @param recursive one watch covers a whole subtree and events carry multi-segment paths (otherwise one watch
     *     per directory, one-segment paths)
     * @param pairing how rename halves are matched
     */
    record Capabilities(boolean recursive, Pairing pairing) {
        /** One watch per directory, one-segment paths, rename halves paired by cookie. */
        public static final Capabilities PER_DIRECTORY = new Capabilities(false, Pairing.BY_COOKIE);
    }
}
