package dev.vigil.watch;

import dev.vigil.watch.internal.Backends;
import dev.vigil.watch.internal.FluxWatch;
import dev.vigil.watch.internal.PathFilter;
import dev.vigil.watch.internal.StateKeeper;
import dev.vigil.watch.internal.SyncRegistry;
import dev.vigil.watch.internal.WatchBackend;
import dev.vigil.watch.internal.WatchSpec;
import dev.vigil.watch.internal.WatchStats;
import dev.vigil.watch.internal.WriteFinish;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Watches directory trees and delivers their changes as a {@link Flux} of {@link FileEvent}.
 *
 * <pre>{@code
 * FileWatcher watcher = FileWatcher.builder()
 *         .root(Path.of("/srv/inbox"))
 *         .include("*.csv")
 *         .exclude("tmp/**")
 *         .build();
 * watcher.events()
 *        .filter(e -> e.kind() == FileEvent.Kind.CREATED)
 *        .subscribe(e -> ingest(e.path()));
 * }</pre>
 *
 * <p>A {@code FileWatcher} is thread-safe and, until {@link #close()}, immutable; it holds no OS resource by itself.
 * Each subscription to {@link #events()} is one <em>watch session</em> that owns its watches until it ends, or until
 * the watcher is closed.
 *
 * <h2>Threading</h2>
 * Each backend has one daemon reader thread per JVM, shared by all sessions, that only reads the OS and queues what
 * it read to the sessions. Each session's work (its tree model, scans, rescans, rename pairing) runs on its own
 * serial queue on a bounded JVM-wide pool of daemon threads ({@code vigil-watch-N}, four per core). {@code onSubscribe}
 * and {@code onNext} are called on a delivery thread ({@code vigil-deliver-N}, an elastic pool) or on the thread
 * that calls {@code request(n)}, never concurrently, and never on the reader thread or a session's queue: a
 * subscriber that blocks in {@code onNext}, even for good, holds up only itself (and one delivery thread). Its own
 * changes keep being merged meanwhile, within {@link Builder#maxPendingPaths(int)}, and are delivered when it
 * returns. Both pools keep no thread when there is no work. Use {@code publishOn} to choose where your code runs.
 *
 * <h2>Readiness</h2>
 * {@code subscribe(..)} never blocks: the session is established (backend chosen, every watch installed, the roots
 * listed) on the pool, and {@code onSubscribe} is signalled only then. It is the readiness signal: any change made
 * after {@code onSubscribe} (in a {@code StepVerifier}, in a {@code then(..)} step) is delivered. Existing entries
 * are not reported. A plain subscriber that needs to know when it is ready waits for {@link #ready()} after
 * subscribing. The subscriber that {@code subscribe(Consumer..)} creates is the exception: it gets
 * {@code onSubscribe} at once, on the subscribing thread (it cannot take a later one safely against a concurrent
 * {@code dispose()}), so its users wait for {@link #ready()}; its demand waits until the session is established.
 * Behind an operator ({@code events().map(..).subscribe(consumer)}) the lambda subscriber still gets the late
 * {@code onSubscribe}: a {@code dispose()} in the instant it arrives can be lost there, a Reactor limitation; dispose
 * such a chain after {@link #ready()}, or subscribe a {@code BaseSubscriber} (whose subscription is set atomically).
 * A failure to establish (a bad root, no backend) is signalled as {@code onSubscribe} then {@code onError}.
 *
 * <h2>Backpressure</h2>
 * The stream honours {@code request(n)}. Each session keeps undelivered changes in a buffer bounded by the
 * number of <em>distinct paths</em> ({@link Builder#maxPendingPaths(int)}), merging changes to the same path
 * (see {@link Builder#coalesce(boolean)}). When the bound is reached, the pending paths collapse into a few
 * "dirty subtree" markers; when demand returns, those subtrees are rescanned and the true difference is
 * delivered after an {@link FileEvent.Kind#OVERFLOW} naming each subtree (under the default
 * {@link OverflowStrategy#RESYNC}). A slow subscriber therefore costs latency, never correctness, never memory
 * beyond the bound plus the tree model, and never blocks the OS reader or another session.
 *
 * <h2>Cancellation</h2>
 * Cancelling the subscription (or an error, or completion) removes every OS watch of the session, releases
 * its buffer and pending timers, even while an {@code onNext} of that session is stuck on another thread; the
 * removal runs on the session's queue, so {@code cancel()} returns at once.
 * Disposing a subscriber before its {@code onSubscribe} releases everything once the session is established. The
 * backend's shared resources (its descriptor and reader thread) stay open for the life of the JVM and are reused.
 * With a state file, the session first reads what the OS still has and saves its state, then removes its watches;
 * {@link #saveState()} completes when that is done.
 *
 * <h2>Lifecycle</h2>
 * {@link #close()} ends every session of the watcher with {@code onComplete} and makes later subscriptions complete
 * at once: the way for an owner (a Spring bean, a service) to end its streams when it shuts down, so that a
 * server-sent-events response ends instead of holding up a graceful shutdown. A watcher that is never closed needs
 * no cleanup beyond cancelling its subscriptions.
 *
 * <h2>Errors</h2>
 * <ul>
 *   <li>A root that is missing, not a directory, or unreadable: {@link WatchRootException} (before any event).</li>
 *   <li>An OS watch limit reached: {@link WatchLimitException} naming the limit and how to raise it (or, with
 *       {@link Builder#pollBeyondWatchLimit(boolean)}, the directories beyond it are polled).</li>
 *   <li>Lost events: {@link FileEvent.Kind#OVERFLOW} events or {@link WatchOverflowException}, per
 *       {@link Builder#overflowStrategy(OverflowStrategy)}.</li>
 *   <li>A subdirectory that cannot be watched (permission denied): an {@code OVERFLOW} event scoped to it whose
 *       {@link FileEvent#cause()} names the call, path and errno; the rest of the tree keeps working.</li>
 *   <li>A root deleted or moved away: {@code DELETED} for the root; when no root is left the stream
 *       completes.</li>
 *   <li>The backend asked for (by {@link Builder#backend(Backend)} or the system property) not available on this
 *       machine, or no backend at all: a {@link WatchException} naming the backend and why.</li>
 *   <li>A state file that is corrupt, foreign, of another format version, missing (per {@link StateRecovery}) or in
 *       use by another session: a {@link WatchStateException} (before any event).</li>
 * </ul>
 * Invalid include/exclude patterns fail at {@link Builder#build()} with a
 * {@link java.util.regex.PatternSyntaxException} carrying the pattern and the position.
 *
 * <h2>Changes since the last run</h2>
 * With a {@linkplain Builder#stateFile(Path, StateRecovery) state file}, a session first delivers what changed on disk
 * since the state was saved (as ordinary events, through the same buffer), then the live events, and it saves what
 * its subscriber received when it ends and on {@link #saveState()}: a consumer can restart without losing a change.
 *
 * <h2>Platform differences</h2>
 * The backend is chosen per {@link Builder#backend(Backend)} and the system property {@value Backend#PROPERTY}
 * (see {@link Backend}); by default each root gets the native one, or polling when its file system does not report
 * changes natively (a network or FUSE file system, a network drive), in one session. {@link #backends()} tells
 * which one each root gets. Renames between two roots watched by different backends are a {@code DELETED} and a
 * {@code CREATED}.
 * <ul>
 *   <li>Linux (inotify): one inotify instance and one reader thread ({@code vigil-inotify-N}) per JVM; recursion is
 *       done by the watcher, one watch per directory (counted against {@code fs.inotify.max_user_watches});
 *       renames are paired by the kernel's cookie within {@link Builder#renameWindow(Duration)}.</li>
 *   <li>Windows ({@code ReadDirectoryChangesExW}, or {@code ReadDirectoryChangesW} where the OS or the file system
 *       lacks it): one directory handle per root watching its whole subtree, plus one on the root's parent (its
 *       removal or rename ends the stream with {@code DELETED} of the root), all on one I/O completion port drained
 *       by one thread ({@code vigil-iocp-N}) per JVM; 64 KiB per read (the network maximum); a read that overflows
 *       becomes an {@code OVERFLOW} of the root and a rescan. Renames are paired from the adjacent old and new names
 *       (and by file id where the extended read gives it). Changes of a directory's content that Windows also
 *       reports as a write to the directory are not delivered. {@link #ready()} covers the reads the OS has
 *       completed; use {@link #sync()} as the barrier for changes just made. The handles close on that thread
 *       moments after {@code cancel()} returns; until then Windows refuses to delete the root's parent (the root's
 *       own deletion is only pending), so code that deletes the tree right after cancelling retries briefly. Tested
 *       in a Windows JRE under Wine 8, not yet on Windows itself.</li>
 *   <li>The JDK {@code WatchService} ({@link Backend#WATCH_SERVICE}): one registration per directory, one reader
 *       thread ({@code vigil-watchservice-N}) per JVM; the JDK reports no rename pairs (a rename is {@code DELETED}
 *       plus {@code CREATED}) and reads the OS on a thread of its own, so {@link #ready()} covers what the JDK has
 *       handed over; {@link #sync()} is the barrier for changes just made. On Windows the JDK keeps one handle per
 *       registered directory, shared for deletion; deleting the root fails the JDK's read there, which ends the
 *       stream with {@code DELETED} of the root (under Wine 8 that read never fails and nothing is reported until
 *       {@code cancel()}, which releases the handle and lets the deletion complete).</li>
 *   <li>Polling ({@link Backend#POLLING}): every watched directory is listed, and its entries' attributes read, every
 *       {@link Builder#pollInterval(Duration)}, on one thread ({@code vigil-poll-N}) per JVM that exists only while
 *       there is work; the polls are timed by {@link Builder#scheduler(Scheduler)}. A change is delivered up to one
 *       interval late, a change undone within one interval is not seen, and a rename is paired by inode when the
 *       file kept its size and modification time (otherwise, and where the file system has no inodes, it is
 *       {@code DELETED} plus {@code CREATED}; always on Windows, where the JDK gives no file key). A directory that
 *       cannot be listed on two polls in a row gives one {@code OVERFLOW} scoped to it. A directory is open only
 *       while its names are read, never while attributes are, so that on Windows a rename or deletion of it is
 *       not refused because Vigil is polling (tested under Wine 8, whose listing does not share deletion: there a
 *       rename or deletion of that directory in that instant fails with a sharing violation and must be retried).
 *       {@link #ready()} covers the polls under way; {@link #sync()} waits for the next poll.</li>
 *   <li>Linux names are bytes, which the JDK decodes with {@code sun.jnu.encoding} (UTF-8 on current systems): a
 *       name that is not valid UTF-8 is reported with U+FFFD replacement characters, a path that names no file,
 *       and a directory with such a name is not watched inside (no {@code Path} can reach it). The session goes
 *       on.</li>
 *   <li>Symbolic links are reported as entries and never followed: a link to a directory is not entered.</li>
 *   <li>Changes made through a hard link outside the tree are not reported (the OS reports names, not inodes).</li>
 * </ul>
 */
public final class FileWatcher implements AutoCloseable {

    private final WatchSpec spec;
    private final Backends.Chooser backend;
    private final Duration writeStability;
    private final Duration writePoll;
    private final SyncRegistry syncs = new SyncRegistry();
    private final StateKeeper state;

    private FileWatcher(WatchSpec spec, Backends.Chooser backend, Duration writeStability, Duration writePoll,
            StateKeeper state) {
        this.spec = spec;
        this.backend = backend;
        this.writeStability = writeStability;
        this.writePoll = writePoll;
        this.state = state;
    }

    /** A new builder with the defaults named on its methods. */
    public static Builder builder() {
        return new Builder();
    }

    /** Watches {@code roots} recursively with all defaults. */
    public static FileWatcher of(Path... roots) {
        Builder b = builder();
        for (Path r : roots) {
            b.root(r);
        }
        return b.build();
    }

    /** The roots, absolute, in the order given. */
    public List<Path> roots() {
        return spec.roots();
    }

    /**
     * The backend each root gets, in the order of {@link #roots()}, as a session starting now would choose it: the
     * system property {@value Backend#PROPERTY} if set, else the builder's {@link Builder#backend(Backend)} choice,
     * both for every root alike; under {@link Backend#AUTO}, the best backend of this machine, except for a root on
     * a file system that does not report its changes to it (NFS, SMB/CIFS, 9p, FUSE and the like on Linux; a network
     * drive on Windows), which gets {@link Backend#POLLING}. Never {@code AUTO} in the result. Directories that
     * {@link Builder#pollBeyondWatchLimit(boolean)} polls once a watch limit is reached do not change it. May block
     * the first time (a probe loads native code; the file system of each root is asked for its type). Each session
     * also logs each root's backend and why at {@code DEBUG} ({@link System.Logger} {@code dev.vigil.watch}).
     *
     * @throws WatchException when the backend asked for is not available here, saying why
     * @throws IllegalArgumentException when the system property names no backend
     */
    public Map<Path, Backend> backends() throws WatchException {
        Map<Path, Backend> out = new LinkedHashMap<>();
        for (Path root : spec.roots()) {
            Backends.Selection s;
            try {
                s = backend.choose(root);
            } catch (WatchException e) {
                throw e;
            } catch (java.io.IOException e) {
                throw new WatchException(e.getMessage(), null, null, 0, e);
            }
            out.put(root, s.kind() != null ? s.kind() : Backend.AUTO); // AUTO only for a test's own backend
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * A cold stream of changes under the roots: each subscription is an independent watch session (see the
     * class documentation for threading, backpressure, cancellation and errors). Use {@code share()} to
     * multicast one session.
     */
    public Flux<FileEvent> events() {
        Scheduler timer = spec.scheduler() != null ? spec.scheduler() : Schedulers.parallel();
        Flux<FileEvent> events = new FluxWatch(spec, timer, backend, syncs, state);
        return writeStability == null ? events : new WriteFinish(events, writeStability, writePoll,
                spec.maxPendingPaths(), timer, Schedulers.boundedElastic(), syncs::isClosed);
    }

    /**
     * Ends every session of this watcher and refuses new ones. Idempotent; callable from any thread, including from
     * an {@code onNext} of one of its sessions; never blocks: it returns once the release of each session has been
     * started, without waiting for it.
     * <ul>
     *   <li>Each live session is released at once, as by {@code cancel()}: its OS watches are removed on the
     *       session's queue (moments after this call returns; on Windows the handles close on the completion port's
     *       thread), its buffer, pending renames and timers dropped, even while an {@code onNext} of the session
     *       is stuck on another thread.</li>
     *   <li>Its subscriber then gets {@code onComplete}, on a delivery thread, or, when an {@code onNext} is running,
     *       right after it returns (never concurrently with it): at once, whatever its demand. Changes not yet
     *       delivered are dropped, including those held by {@link Builder#awaitWriteFinish(Duration)}. To deliver
     *       every change made before closing, wait for {@link #sync()} first:
     *       {@code watcher.sync().timeout(Duration.ofSeconds(5)).onErrorComplete().then(Mono.fromRunnable(watcher::close))}.
     *       A session still being established is completed once it is (after its {@code onSubscribe}); a session
     *       that had already ended (cancelled, failed, completed) is left alone.</li>
     *   <li>Afterwards, {@link #events()} completes at once ({@code onSubscribe}, then {@code onComplete}, opening
     *       nothing), and {@link #ready()} and {@link #sync()} complete at once. A {@link #sync()} or
     *       {@link #ready()} waiting on a session when it is closed completes.</li>
     * </ul>
     * With a {@linkplain Builder#stateFile(Path, StateRecovery) state file}, each session still does its final save
     * after this call returns, as after a cancel: on the session's queue it reads what the OS still has, saves what its
     * subscriber received (the undelivered changes dropped here are thus reported again by the next session, not
     * lost), gives the file back, and only then removes its OS watches; {@link #saveState()} waits for that save, and
     * reports its failure. A session closed before its establishment began saves nothing and leaves the file as it
     * was; one closed while being established saves once it is.
     * The backend's shared resources (its descriptor and reader thread) stay open for the JVM's next watcher, as
     * after a cancel. As an {@link AutoCloseable}, a watcher may be used in try-with-resources or declared as a bean
     * whose destroy method is {@code close}.
     */
    @Override
    public void close() {
        syncs.close();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return syncs.isClosed();
    }

    /** The counters of this watcher's sessions ({@link WatchMetrics}). */
    WatchStats stats() {
        return spec.stats();
    }

    /** The live sessions of this watcher ({@link WatchMetrics}). */
    SyncRegistry sessions() {
        return syncs;
    }

    /**
     * A readiness and read barrier: completes once every session of this watcher that exists at this call (every
     * {@code subscribe} that returned before it) is established, and has read from the OS and applied every event
     * of the changes made before this call. It delivers nothing and expires nothing: a rename whose first half was
     * read stays pending for its window, which makes it the step to wait for before advancing virtual time:
     * <pre>{@code
     * Files.move(dir.resolve("a"), elsewhere);            // the first half of a rename
     * watcher.ready().block(Duration.ofSeconds(5));       // it has been read: its window is running
     * virtualTime.advanceTimeBy(Duration.ofMillis(50));  // now it is a DELETED
     * }</pre>
     * Completes at once when no session exists; a session that fails or ends counts as done. Never blocks the
     * subscribing thread (it may be a non-blocking one); bound it with {@code timeout(..)} or {@code block(Duration)}.
     */
    public Mono<Void> ready() {
        return syncs.ready();
    }

    /**
     * A barrier: completes once every change made before this call, under every root, has been delivered to
     * every session of this watcher that was established when it was called (sessions whose subscriber has
     * requested enough). Implemented with a short-lived cookie file {@code .vigil-sync-*} created in each root;
     * its events are never delivered. Sessions still being established are waited for first. Completes at once when
     * no session exists. Cold: the cookie is written on subscription, on a pool thread (never on the subscribing
     * thread). Bound it with {@code timeout(..)} if a subscriber may be stalled. Blocking on it inside {@code onNext}
     * of one of this watcher's sessions waits for that very session: it never completes.
     */
    public Mono<Void> sync() {
        return syncs.sync(spec.roots());
    }

    /**
     * Saves to the {@linkplain Builder#stateFile(Path, StateRecovery) state file} what the subscriber of this
     * watcher's session has received, so that the next session starts from there. Completes once the file is on disk.
     * <ul>
     *   <li>While the session runs: the session first reads every change made before this call, then writes the
     *       subscriber's view (see "What is saved" on {@link Builder#stateFile(Path, StateRecovery)}) on its own
     *       queue; events go on being delivered meanwhile. Saving is optional: the session also saves when it
     *       ends.</li>
     *   <li>Once the session has ended (cancelled, completed, failed, or the watcher {@linkplain #close() closed})
     *       or while it ends: completes when its final save is done, with its outcome. This is how to wait for it
     *       before the JVM exits or before subscribing again:
     *       {@code disposable.dispose(); watcher.saveState().block(Duration.ofSeconds(10));}, or
     *       {@code watcher.close(); watcher.saveState().block(Duration.ofSeconds(10));}</li>
     *   <li>No session yet, or one that failed before it was established: completes at once (the file is
     *       untouched).</li>
     * </ul>
     * Cold: nothing happens until subscription. Never blocks the subscribing thread; the file is written on Vigil's
     * pool. Costs one {@code stat} per entry of the tree plus the write.
     *
     * @return fails with a {@link WatchStateException} ({@link WatchStateException.Reason#IO_ERROR}) when the file
     *     cannot be written (the previous state file is then intact), or with an {@link IllegalStateException} when
     *     this watcher has no state file
     */
    public Mono<Void> saveState() {
        if (state == null) {
            return Mono.error(new IllegalStateException("this watcher has no state file: build it with "
                    + "FileWatcher.Builder.stateFile(Path)"));
        }
        return state.save();
    }

    /**
     * Builds a {@link FileWatcher}. Not thread-safe; {@link #build()} validates everything except the roots,
     * which are checked when a session starts (they may legitimately not exist yet).
     */
    public static final class Builder {
        private static final Duration DEFAULT_WRITE_POLL = Duration.ofMillis(100);
        private static final Duration MIN_POLL_INTERVAL = Duration.ofMillis(1);
        private static final Duration MAX_POLL_INTERVAL = Duration.ofDays(1);
        private final List<Path> roots = new ArrayList<>();
        private boolean recursive = true;
        private final List<String> includeGlobs = new ArrayList<>();
        private final List<String> excludeGlobs = new ArrayList<>();
        private final List<String> includeRegexes = new ArrayList<>();
        private final List<String> excludeRegexes = new ArrayList<>();
        private boolean coalesce = true;
        private int maxPendingPaths = WatchSpec.DEFAULT_MAX_PENDING_PATHS;
        private OverflowStrategy overflowStrategy = OverflowStrategy.RESYNC;
        private Duration renameWindow = WatchSpec.DEFAULT_RENAME_WINDOW;
        private Scheduler scheduler;
        private Duration writeStability;
        private Duration writePoll;
        private Backend backendKind = Backend.AUTO;
        private Duration pollInterval = WatchSpec.DEFAULT_POLL_INTERVAL;
        private boolean pollBeyondWatchLimit;
        private Path stateFile;
        private StateRecovery stateRecovery;
        private Backends.Chooser testChooser;

        private Builder() {
        }

        /**
         * Adds a directory to watch; made absolute against the working directory. At least one is required; adding
         * the same root twice has no effect. Roots are watched independently: when one lies inside another, a change
         * inside both is delivered once per root, each event naming its {@link FileEvent#root()}.
         */
        public Builder root(Path root) {
            Path r = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
            if (!roots.contains(r)) {
                roots.add(r);
            }
            return this;
        }

        /** Whether subdirectories are watched too. Default {@code true}. */
        public Builder recursive(boolean recursive) {
            this.recursive = recursive;
            return this;
        }

        /**
         * Delivers only events whose path, relative to its root, matches one of the include patterns (when
         * there is at least one). Glob dialect, matched against the whole relative path with {@code /} as the
         * separator on every OS:
         * <ul>
         *   <li>{@code *} any characters except {@code /} (never crosses a directory boundary: {@code *.txt}
         *       matches only at the top level);</li>
         *   <li>{@code **} as a whole segment: zero or more directories (<code>**&#47;*.txt</code> matches
         *       {@code a.txt} and {@code x/y/a.txt}; {@code build/**} matches everything below {@code build});</li>
         *   <li>{@code ?} one character except {@code /};</li>
         *   <li>{@code [abc]}, {@code [a-z]}, {@code [!a-z]} one character of (or not of) a set;</li>
         *   <li>{@code {a,b}} any of the comma-separated alternatives (which may contain globs);</li>
         *   <li>{@code \} escapes the next character.</li>
         * </ul>
         * Matching is case-sensitive. Directories are always traversed, so that matching files deep below
         * are found.
         *
         * @throws java.util.regex.PatternSyntaxException at {@link #build()} for a malformed pattern
         */
        public Builder include(String glob) {
            includeGlobs.add(Objects.requireNonNull(glob, "glob"));
            return this;
        }

        /**
         * Never delivers events whose relative path matches {@code glob} (dialect of {@link #include}).
         * Excluded directories are pushed down to the OS: a directory whose relative path matches, or that
         * lies below {@code P} for a pattern {@code P/**}, is never watched nor scanned.
         */
        public Builder exclude(String glob) {
            excludeGlobs.add(Objects.requireNonNull(glob, "glob"));
            return this;
        }

        /** Like {@link #include} with a {@link java.util.regex.Pattern} that must match the whole relative path. */
        public Builder includeRegex(String regex) {
            includeRegexes.add(Objects.requireNonNull(regex, "regex"));
            return this;
        }

        /** Like {@link #exclude} with a {@link java.util.regex.Pattern} that must match the whole relative path. */
        public Builder excludeRegex(String regex) {
            excludeRegexes.add(Objects.requireNonNull(regex, "regex"));
            return this;
        }

        /**
         * Whether pending changes to one path are merged (default {@code true}). Rules, applied while an event
         * waits for demand: {@code CREATED}+{@code MODIFIED} → {@code CREATED}; {@code CREATED}+{@code DELETED}
         * → nothing; {@code MODIFIED}+{@code MODIFIED} → one {@code MODIFIED}; {@code MODIFIED}+{@code DELETED}
         * → {@code DELETED}; {@code DELETED}+{@code CREATED} → {@code MODIFIED} (same kind of entry);
         * {@code CREATED a} then {@code RENAMED a→b} → {@code CREATED b} for a file (a directory keeps its
         * creation, its content's events and the rename). Merged events keep the position of the first; a rename
         * ends merging for both its names (and below a directory): a later event of such a path is queued after it. With {@code false} (raw mode) every event is delivered as observed, under the same bound.
         */
        public Builder coalesce(boolean coalesce) {
            this.coalesce = coalesce;
            return this;
        }

        /**
         * The bound on undelivered distinct paths per session (default {@value WatchSpec#DEFAULT_MAX_PENDING_PATHS}).
         * Beyond it, pending changes collapse into dirty-subtree markers (see the class documentation).
         */
        public Builder maxPendingPaths(int maxPendingPaths) {
            if (maxPendingPaths < 1) {
                throw new IllegalArgumentException("maxPendingPaths must be at least 1, was " + maxPendingPaths);
            }
            this.maxPendingPaths = maxPendingPaths;
            return this;
        }

        /** What to do when events are lost. Default {@link OverflowStrategy#RESYNC}. */
        public Builder overflowStrategy(OverflowStrategy strategy) {
            this.overflowStrategy = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /**
         * How long the first half of a rename waits for its second half (default 50 ms). An unpaired
         * "moved from" becomes {@code DELETED}, an unpaired "moved to" becomes {@code CREATED} at once.
         */
        public Builder renameWindow(Duration window) {
            Objects.requireNonNull(window, "window");
            if (window.isNegative()) {
                throw new IllegalArgumentException("renameWindow must not be negative, was " + window);
            }
            this.renameWindow = window;
            return this;
        }

        /**
         * The scheduler for time-dependent behaviour (rename pairing window, event timestamps). Default:
         * {@link Schedulers#parallel()}, resolved when {@link FileWatcher#events()} is called so that
         * {@code StepVerifier.withVirtualTime} can replace it.
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Delivers a file's {@code CREATED} and {@code MODIFIED} only once the file is no longer being written: once
         * its size and modification time have stayed the same for {@code stability} (like chokidar's
         * {@code awaitWriteFinish}). Held files are checked every {@code min(stability, 100 ms)}; see
         * {@link #awaitWriteFinish(Duration, Duration)}.
         */
        public Builder awaitWriteFinish(Duration stability) {
            Objects.requireNonNull(stability, "stability");
            return awaitWriteFinish(stability, stability.compareTo(DEFAULT_WRITE_POLL) < 0 ? stability : DEFAULT_WRITE_POLL);
        }

        /**
         * Like {@link #awaitWriteFinish(Duration)}, checking held files every {@code pollInterval}. Semantics:
         * <ul>
         *   <li>A file's {@code CREATED} or {@code MODIFIED} is held until two checks at least {@code stability}
         *       apart (no further event of the file in between) read the same size and modification time; it is
         *       then delivered, with the time it was first observed. A file created and then written is one
         *       {@code CREATED}.</li>
         *   <li>A held file deleted is merged as by {@link #coalesce(boolean)}: a held {@code CREATED} and its
         *       {@code DELETED} both vanish; a held {@code MODIFIED} becomes the {@code DELETED}.</li>
         *   <li>A rename of a held file, or of one of its directories, releases the held event before the
         *       {@code RENAMED} (writing under a temporary name and renaming into place is how writers publish a
         *       finished file), as does the deletion of one of its directories.</li>
         *   <li>Directories, renames, deletions and {@code OVERFLOW} are never held; events of different paths may
         *       therefore be delivered in another order than observed, events of one path never are.</li>
         *   <li>A file that cannot be read (permission denied) is delivered at its first check rather than held.
         *       At most {@link #maxPendingPaths(int)} files are held; beyond it the oldest is delivered early.</li>
         *   <li>When the stream ends (completion, error), held events are delivered before the end; cancelling
         *       drops them.</li>
         * </ul>
         * Checks are timed on {@link #scheduler(Scheduler)} (virtual time in tests) and read the files on
         * {@link Schedulers#boundedElastic()}. {@link FileWatcher#sync()} covers delivery to this stage, not the
         * wait for stability.
         *
         * @throws IllegalArgumentException when a duration is zero or negative
         */
        public Builder awaitWriteFinish(Duration stability, Duration pollInterval) {
            Objects.requireNonNull(stability, "stability");
            Objects.requireNonNull(pollInterval, "pollInterval");
            if (stability.isNegative() || stability.isZero() || pollInterval.isNegative() || pollInterval.isZero()) {
                throw new IllegalArgumentException("awaitWriteFinish needs a positive stability and poll interval, was "
                        + stability + " and " + pollInterval);
            }
            this.writeStability = stability;
            this.writePoll = pollInterval;
            return this;
        }

        /**
         * The mechanism that reports changes (default {@link Backend#AUTO}: for each root, the native one of the OS,
         * else the JDK's {@code WatchService}, else polling, and polling for a root whose file system does not
         * report changes natively: see {@link Backend}). A backend named here is used for every root, whatever its
         * file system. The system property {@value Backend#PROPERTY}, when set, overrides this choice for every
         * watcher of the JVM. A backend that is not available when a session starts makes it fail with a
         * {@link WatchException} saying why. See {@link Backend} for what each one does.
         */
        public Builder backend(Backend backend) {
            this.backendKind = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * How often the {@link Backend#POLLING polling} backend lists the watched directories (default 1 s; other
         * backends ignore it). Each poll reads the attributes of every watched entry, so its CPU cost grows with
         * the tree (see the README for figures); a change is reported up to one interval after it was made, and a
         * change undone within one interval is not seen. Polls are timed by {@link #scheduler(Scheduler)}.
         *
         * @throws IllegalArgumentException when shorter than 1 ms or longer than one day
         */
        public Builder pollInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.compareTo(MIN_POLL_INTERVAL) < 0 || interval.compareTo(MAX_POLL_INTERVAL) > 0) {
                throw new IllegalArgumentException("pollInterval must be between 1 ms and 1 day, was " + interval);
            }
            this.pollInterval = interval;
            return this;
        }

        /** {@link #stateFile(Path, StateRecovery)} with {@link StateRecovery#REPORT_ALL_IF_MISSING}. */
        public Builder stateFile(Path file) {
            return stateFile(file, StateRecovery.REPORT_ALL_IF_MISSING);
        }

        /**
         * Changes since the last run: each session starts by delivering the difference between the state saved in
         * {@code file} and the disk, as ordinary events, then the live events; and it saves its state to
         * {@code file} when it ends and on {@link FileWatcher#saveState()}. A consumer that ingests files can thus
         * stop and restart without losing a change made while it was not running.
         *
         * <h4>At the start of a session</h4>
         * The roots are listed (with one {@code stat} per entry) and compared with the saved state: an entry that
         * appeared is {@code CREATED} (parents first), one that vanished {@code DELETED} (deepest first), a file
         * whose size, modification time or file key differs {@code MODIFIED}, and an entry whose file key (inode),
         * type and, for a file, size and modification time reappear under another name is {@code RENAMED} (a
         * directory with its content). Where the file system gives no file keys (Windows: the JDK reports none), or
         * when a file was renamed and written, a rename is a {@code DELETED} and a {@code CREATED}. These events go
         * through the session's buffer like any other (filters, merging, {@link #maxPendingPaths(int)},
         * backpressure), ahead of every live event: they are queued when {@code onSubscribe} (the readiness signal)
         * arrives, and {@link FileWatcher#sync()} completes once they are delivered. A missing or unusable file is
         * handled per {@code recovery}; "report everything" delivers every entry as {@code CREATED}.
         *
         * <h4>What is saved, and when</h4>
         * What the subscriber has <em>received</em>: the session's view of the tree with every event not yet
         * delivered taken back (pending in the buffer, or in an {@code onNext} that has not returned); an entry with
         * such an event is saved as "changed", so that the next session reports it again. A delivered event counts
         * once {@code onNext} returned: behind an asynchronous operator ({@code publishOn}, {@code flatMap}) that
         * means handed to it, so save at points where your processing has caught up, or process in {@code onNext}.
         * Each entry is saved with its relative path, type, file key, size and modification time in nanoseconds,
         * read when saving; a file modified within a few milliseconds of the save (or of a pending rescan) is saved
         * as "changed" too. Saves happen
         * <ul>
         *   <li>on {@link FileWatcher#saveState()};</li>
         *   <li>when the stream ends (cancel, completion, error, {@link FileWatcher#close()}), once the session has
     *       read what the OS still had:
         *       the session's watches are released after that final save, which {@link FileWatcher#saveState()}
         *       waits for. A session that failed before it was established saves nothing.</li>
         * </ul>
         * Guarantee: a change is never lost across a restart (made while no session ran, or delivered to nobody),
         * provided the last save completed; a change may be reported twice when it happened while a save was under
         * way or was delivered after the last save (cancel without waiting for the final save, a JVM killed), and a
         * {@code MODIFIED} may be repeated for a file whose content did not change but whose attributes did.
         *
         * <h4>The file</h4>
         * Versioned, with a CRC32C checksum; written to {@code file + ".tmp"} in the same directory, forced to disk,
         * then moved over {@code file} atomically (the previous file stays intact when a write fails or the process
         * dies mid-write). It records the roots and the options that shape what is reported (filters, recursion): a
         * state saved under other ones is foreign. One session per file at a time in a JVM (another fails with
         * {@link WatchStateException.Reason#IN_USE}); do not share a file between processes. Its size is about
         * 60 bytes plus the relative path per entry.
         *
         * @param file where the state lives; its directory must exist and be writable, and it must not lie inside a
         *     root (its writes would be reported)
         * @param recovery what a missing or unusable file does
         * @throws IllegalArgumentException at {@link #build()} when {@code file} lies inside a root
         * @throws IllegalStateException at {@link #build()} when combined with {@link #awaitWriteFinish(Duration)}
         *     (events it holds have left the session and would be saved as received)
         */
        public Builder stateFile(Path file, StateRecovery recovery) {
            this.stateFile = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
            this.stateRecovery = Objects.requireNonNull(recovery, "recovery");
            return this;
        }

        /**
         * Whether the directories that an OS limit on watches refuses are polled instead (default {@code false}: the
         * session fails with a {@link WatchLimitException} naming the limit and how to raise it). On Linux the limit
         * is {@code fs.inotify.max_user_watches}, shared by every process of the user: once it is reached, each
         * directory that gets no watch (and every directory below a root that gets none) is polled every
         * {@link #pollInterval(Duration)}, with polling's latency, CPU cost and blind spots (see {@link Backend#POLLING}),
         * while the others keep their native watch; new directories try a native watch first. It is logged once per
         * session at {@code WARNING} ({@link System.Logger} {@code dev.vigil.watch}) with the limit's message;
         * {@link FileWatcher#backends()} still names the native backend. {@link FileWatcher#sync()} does not wait for
         * a poll of those directories: their changes arrive within one interval. Raising the limit stays the better
         * fix.
         */
        public Builder pollBeyondWatchLimit(boolean poll) {
            this.pollBeyondWatchLimit = poll;
            return this;
        }

        /** Test seam: the backend to use instead of the detected one (the system property does not apply). */
        Builder backend(WatchBackend backend) {
            Objects.requireNonNull(backend, "backend");
            return backends(root -> Backends.Selection.of(backend));
        }

        /** Test seam: chooses each root's backend instead of the detection (the system property does not apply). */
        Builder backends(Backends.Chooser chooser) {
            this.testChooser = Objects.requireNonNull(chooser, "chooser");
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalStateException when no root was given
         * @throws java.util.regex.PatternSyntaxException when a glob or regex is malformed
         * @throws IllegalArgumentException when the system property {@value Backend#PROPERTY} names no backend
         */
        public FileWatcher build() {
            if (roots.isEmpty()) {
                throw new IllegalStateException("no root to watch: call root(Path) at least once");
            }
            PathFilter filter = PathFilter.compile(includeGlobs, excludeGlobs, includeRegexes, excludeRegexes);
            Backends.forced(); // an unknown value of the property fails here already
            WatchSpec spec = new WatchSpec(List.copyOf(roots), recursive, filter, coalesce, maxPendingPaths,
                    overflowStrategy, renameWindow, scheduler, backendKind, pollInterval, pollBeyondWatchLimit,
                    new WatchStats());
            Backend kind = backendKind;
            return new FileWatcher(spec, testChooser != null ? testChooser : root -> Backends.select(kind, root),
                    writeStability, writePoll, stateKeeper());
        }

        private StateKeeper stateKeeper() {
            if (stateFile == null) {
                return null;
            }
            for (Path root : roots) {
                if (stateFile.startsWith(root)) {
                    throw new IllegalArgumentException("the state file " + stateFile + " lies inside the root " + root
                            + ", where its own writes would be reported; put it outside every root");
                }
            }
            if (writeStability != null) {
                throw new IllegalStateException("stateFile(..) cannot be combined with awaitWriteFinish(..) yet: the "
                        + "events it holds would be saved as received");
            }
            String view = "recursive=" + recursive + ", include=" + includeGlobs + ", exclude=" + excludeGlobs
                    + ", includeRegex=" + includeRegexes + ", excludeRegex=" + excludeRegexes;
            return new StateKeeper(stateFile, stateRecovery, view);
        }
    }
}
