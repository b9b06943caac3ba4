package dev.vigil.watch;

import dev.vigil.watch.internal.WatchBackend;
import dev.vigil.watch.internal.WatchSpec;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.reactivestreams.Subscription;
import reactor.core.Exceptions;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The shape of .NET's {@code System.IO.FileSystemWatcher} for callback code, on top of {@link FileWatcher}: a
 * {@linkplain #setPath(Path) path}, a {@linkplain #setFilter(String) name filter}, a
 * {@linkplain #setNotifyFilter(Set) notify filter}, {@linkplain #setIncludeSubdirectories(boolean) subdirectories}
 * on or off, {@linkplain #setEnableRaisingEvents(boolean) raising events} on or off, listeners for created,
 * changed, deleted, renamed and error, and {@link #waitForChanged(Set, Duration)}.
 *
 * <pre>{@code
 * try (FileSystemWatcher fsw = new FileSystemWatcher(Path.of("/srv/inbox"), "*.csv")) {
 *     fsw.addCreatedListener(e -> ingest(e.fullPath()));
 *     fsw.addRenamedListener(e -> System.out.println(e.oldName() + " -> " + e.name()));
 *     fsw.addErrorListener(e -> log.warn("watch: {}", e.getMessage()));
 *     fsw.setEnableRaisingEvents(true);      // returns once watching: every later change is raised
 *     ...
 * }
 * }</pre>
 *
 * <h2>Semantics: .NET's, with these fixes</h2>
 * <ul>
 *   <li><b>Lost events are repaired, not only reported.</b> Where .NET raises {@code Error} with an
 *       {@code InternalBufferOverflowException} and leaves the application to find out what changed, this watcher
 *       calls the error listeners with a {@link WatchOverflowException} (or the {@link WatchException} that made a
 *       subdirectory unwatchable) naming the scope, then rescans that scope and raises created, deleted and changed
 *       for what really changed there. Nothing is lost; the error listener is told, and may ignore it.</li>
 *   <li><b>The buffer is bounded by paths, not bytes</b> ({@link #setMaxPendingPaths(int)}, .NET's
 *       {@code InternalBufferSize}): while a listener is slow, changes wait merged per path (a file created then
 *       written several times is one created), so a slow listener costs latency, not events.</li>
 *   <li><b>Fewer duplicate changed events</b>: changes of one path that wait for a listener are merged (created
 *       then changed is one created, created then deleted is nothing); a listener that keeps up may still see two
 *       changed for one write (truncate, then write), as the OS reports them.</li>
 *   <li><b>A directory moved in</b> from outside is raised as created together with everything inside it (with
 *       subdirectories on); .NET reports the directory only.</li>
 *   <li><b>The watched directory deleted or moved away</b> calls the error listeners with a {@link WatchException}
 *       naming it, and raising stops ({@link #isEnableRaisingEvents()} becomes {@code false}); .NET on Linux raises
 *       nothing.</li>
 *   <li><b>Renames are always paired</b> (renamed with the old name) when the old and the new name are both inside
 *       the watched tree, on every OS; a rename out of the tree is a deleted, into it a created.</li>
 *   <li><b>Enabling is synchronous and fails loudly</b>: {@code setEnableRaisingEvents(true)} returns once the
 *       watches are installed, so that a change made after it returns is raised, and throws, naming the directory
 *       and how to fix it, when the path cannot be watched.</li>
 *   <li><b>Listeners never run concurrently</b>, and a listener that throws does not stop the watcher (see
 *       Threading).</li>
 * </ul>
 *
 * <h2>What is raised</h2>
 * The {@linkplain #setFilter(String) filter} is matched against the <em>name</em> of the changed file or directory
 * (its last path segment, at any depth), as in .NET; a rename is raised when the old or the new name matches. The
 * {@linkplain #setNotifyFilter(Set) notify filter} selects by kind: {@link NotifyFilter#FILE_NAME} raises created,
 * deleted and renamed of files, {@link NotifyFilter#DIRECTORY_NAME} those of directories, and any of the other
 * values raises changed (of a file's content or of a file's or directory's metadata). Vigil reports that an entry
 * changed, not which attribute, so those values are not told apart: one is enough for every change; and reading a
 * file ({@link NotifyFilter#LAST_ACCESS} alone) is not reported on any platform. Both filters are applied to each
 * event as it is raised, so changing them takes effect at once without restarting. {@link Change#name()} is the path
 * relative to {@link #getPath()}.
 *
 * <h2>Threading</h2>
 * Listeners and {@link #waitForChanged} waiters are called on one of Vigil's delivery threads
 * ({@code vigil-deliver-N}), one event at a time, in the order of the changes of each path, never concurrently with
 * each other (not even across a restart by {@link #setPath(Path)}), and never on the thread that reads the OS: a
 * listener that blocks delays only this watcher, whose changes keep being merged meanwhile. Each event is offered
 * to every listener of its kind in the order they were added. A listener that throws is reported to the error
 * listeners (with the exception it threw) and the next listener and event go on; an error listener that throws, and
 * an error with no error listener, go to {@link reactor.core.publisher.Hooks#onErrorDropped(Consumer)} (logged by
 * Reactor by default). Adding and removing listeners, the setters and the getters are thread-safe, and callable from a
 * listener.
 *
 * <h2>Lifecycle</h2>
 * Nothing is watched until {@code setEnableRaisingEvents(true)}; {@code setEnableRaisingEvents(false)} stops:
 * the OS watches are removed and changes are no longer raised (those made while stopped are never raised). Changing
 * the path or {@link #setIncludeSubdirectories(boolean)} while raising restarts the watch (blocking like enabling).
 * {@link #close()} stops for good. Neither stopping nor closing blocks or waits for a listener that is running on
 * another thread: once either returns no further event is raised, except to the listeners of the one event being
 * raised at that moment, if any.
 *
 * <h2>Platform differences</h2>
 * Those of {@link FileWatcher} (which backend watches, rename pairing, overflow); the filter is case-sensitive on
 * every OS (.NET ignores case on Windows and macOS).
 */
public final class FileSystemWatcher implements AutoCloseable {

    /** The kind of a change, .NET's {@code WatcherChangeTypes}. */
    public enum ChangeType {
        /** A file or directory was created (or moved into the watched tree). */
        CREATED,
        /** A file or directory was deleted (or moved out of the watched tree). */
        DELETED,
        /** A file's content, or a file's or directory's metadata, changed. */
        CHANGED,
        /** A file or directory was renamed inside the watched tree. */
        RENAMED
    }

    /** What to watch, .NET's {@code NotifyFilters}. See "What is raised" on the class. */
    public enum NotifyFilter {
        /** Created, deleted and renamed of files. */
        FILE_NAME,
        /** Created, deleted and renamed of directories. */
        DIRECTORY_NAME,
        /** Changed (any change of an entry: Vigil does not say which attribute changed). */
        ATTRIBUTES,
        /** Changed (as {@link #ATTRIBUTES}). */
        SIZE,
        /** Changed (as {@link #ATTRIBUTES}). */
        LAST_WRITE,
        /** Changed (as {@link #ATTRIBUTES}); reads alone are not reported on any platform. */
        LAST_ACCESS,
        /** Changed (as {@link #ATTRIBUTES}). */
        CREATION_TIME,
        /** Changed (as {@link #ATTRIBUTES}). */
        SECURITY
    }

    /** The default notify filter, .NET's: file names, directory names and last write. */
    public static final Set<NotifyFilter> DEFAULT_NOTIFY_FILTER = Collections.unmodifiableSet(
            EnumSet.of(NotifyFilter.FILE_NAME, NotifyFilter.DIRECTORY_NAME, NotifyFilter.LAST_WRITE));

    /**
     * One change, .NET's {@code FileSystemEventArgs} and {@code RenamedEventArgs} in one value.
     *
     * @param changeType what happened
     * @param fullPath the absolute path of the entry (its new path for a rename)
     * @param name {@code fullPath} relative to the watched path
     * @param oldFullPath for {@link ChangeType#RENAMED}, the absolute path before the rename; otherwise {@code null}
     * @param oldName for {@link ChangeType#RENAMED}, {@code oldFullPath} relative to the watched path; otherwise
     *     {@code null}
     * @param directory whether the entry is a directory
     */
    public record Change(ChangeType changeType, Path fullPath, String name, Path oldFullPath, String oldName,
            boolean directory) {
        /** Checks that the fields are present. */
        public Change {
            Objects.requireNonNull(changeType, "changeType");
            Objects.requireNonNull(fullPath, "fullPath");
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * What {@link #waitForChanged(Set, Duration)} returns, .NET's {@code WaitForChangedResult}.
     *
     * @param changeType the change's kind, or {@code null} when timed out
     * @param name the changed entry relative to the watched path, or {@code null} when timed out
     * @param oldName for a rename, the old name relative to the watched path; otherwise {@code null}
     * @param timedOut whether the wait ended without a change
     */
    public record WaitForChangedResult(ChangeType changeType, String name, String oldName, boolean timedOut) {
        static final WaitForChangedResult TIMED_OUT = new WaitForChangedResult(null, null, null, true);
    }

    private static final Set<NotifyFilter> CHANGE_FILTERS = EnumSet.complementOf(
            EnumSet.of(NotifyFilter.FILE_NAME, NotifyFilter.DIRECTORY_NAME));

    // configuration: written under this object's lock, read by the delivery thread without it
    private volatile Path path;
    private volatile List<String> filters = List.of();
    private volatile List<Pattern> patterns = List.of();
    private volatile Set<NotifyFilter> notifyFilter = DEFAULT_NOTIFY_FILTER;
    private volatile boolean includeSubdirectories;
    private volatile int maxPendingPaths = WatchSpec.DEFAULT_MAX_PENDING_PATHS;
    private volatile boolean enabled;
    private WatchBackend testBackend;

    private final List<Consumer<? super Change>> created = new CopyOnWriteArrayList<>();
    private final List<Consumer<? super Change>> changed = new CopyOnWriteArrayList<>();
    private final List<Consumer<? super Change>> deleted = new CopyOnWriteArrayList<>();
    private final List<Consumer<? super Change>> renamed = new CopyOnWriteArrayList<>();
    private final List<Consumer<? super Exception>> errors = new CopyOnWriteArrayList<>();
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();

    /** Held while listeners run: they never run concurrently, even across sessions. */
    private final ReentrantLock raising = new ReentrantLock();
    private Session session; // guarded by this
    private boolean closed; // guarded by this

    /** A watcher with no path yet; set one before enabling. */
    public FileSystemWatcher() {
    }

    /** A watcher of {@code path}, every name. */
    public FileSystemWatcher(Path path) {
        setPath(path);
    }

    /** A watcher of {@code path}, names matching {@code filter} (see {@link #setFilter(String)}). */
    public FileSystemWatcher(Path path, String filter) {
        setPath(path);
        setFilter(filter);
    }

    // ------------------------------------------------------------------------------------------------ properties

    /** The directory watched, absolute; {@code null} until set. */
    public Path getPath() {
        return path;
    }

    /**
     * Sets the directory to watch (made absolute against the working directory). It need not exist until raising is
     * enabled. While raising, restarts the watch on the new path (blocking like {@link #setEnableRaisingEvents}).
     *
     * @throws UncheckedIOException while raising, when the new path cannot be watched (raising is then off)
     */
    public synchronized void setPath(Path path) {
        this.path = Objects.requireNonNull(path, "path").toAbsolutePath().normalize();
        restartIfRunning();
    }

    /**
     * The first name filter, or {@code "*"} when there is none (every name).
     */
    public String getFilter() {
        List<String> f = filters;
        return f.isEmpty() ? "*" : f.get(0);
    }

    /**
     * Raises only changes of entries whose name matches {@code filter}: {@code *} stands for any characters,
     * {@code ?} for one; every other character stands for itself, case-sensitively. {@code ""}, {@code "*"} and
     * {@code "*.*"} mean every name (as in .NET, where {@code "*.*"} also matches names without a dot). Examples:
     * {@code "*.txt"}, {@code "report-????.csv"}, {@code "Makefile"}. Replaces every filter; applies at once.
     */
    public void setFilter(String filter) {
        setFilters(List.of(Objects.requireNonNull(filter, "filter")));
    }

    /** The name filters (.NET's {@code Filters}); empty means every name. */
    public List<String> getFilters() {
        return filters;
    }

    /** Raises changes of entries whose name matches any of {@code filters} (see {@link #setFilter(String)}). */
    public synchronized void setFilters(List<String> filters) {
        List<String> kept = new ArrayList<>();
        List<Pattern> compiled = new ArrayList<>();
        for (String f : filters) {
            Objects.requireNonNull(f, "filter");
            if (f.isEmpty() || f.equals("*") || f.equals("*.*")) {
                kept.clear();
                compiled.clear();
                break; // every name
            }
            kept.add(f);
            compiled.add(wildcard(f));
        }
        this.filters = List.copyOf(kept);
        this.patterns = List.copyOf(compiled);
    }

    /** What is watched; default {@link #DEFAULT_NOTIFY_FILTER}. */
    public Set<NotifyFilter> getNotifyFilter() {
        return notifyFilter;
    }

    /**
     * Selects the changes raised (see "What is raised" on the class); applies at once.
     *
     * @throws IllegalArgumentException when {@code filter} is empty
     */
    public synchronized void setNotifyFilter(Set<NotifyFilter> filter) {
        if (filter.isEmpty()) {
            throw new IllegalArgumentException("the notify filter must name at least one NotifyFilter, was empty");
        }
        this.notifyFilter = Collections.unmodifiableSet(EnumSet.copyOf(filter));
    }

    /** Whether changes below subdirectories are raised too; default {@code false}, as in .NET. */
    public boolean getIncludeSubdirectories() {
        return includeSubdirectories;
    }

    /**
     * Whether changes in subdirectories (at any depth) are raised too. Without, only the entries directly in the
     * path are watched (a subdirectory's own creation, deletion and rename are raised, not what happens inside it).
     * While raising, restarts the watch.
     *
     * @throws UncheckedIOException while raising, when the path cannot be watched any more (raising is then off)
     */
    public synchronized void setIncludeSubdirectories(boolean include) {
        if (include != includeSubdirectories) {
            this.includeSubdirectories = include;
            restartIfRunning();
        }
    }

    /** The bound on changes waiting for a listener, in distinct paths (see {@link #setMaxPendingPaths(int)}). */
    public int getMaxPendingPaths() {
        return maxPendingPaths;
    }

    /**
     * Vigil's counterpart of .NET's {@code InternalBufferSize}: how many distinct paths may have changes waiting
     * while a listener is slow (default {@value dev.vigil.watch.internal.WatchSpec#DEFAULT_MAX_PENDING_PATHS}).
     * Beyond it, the waiting changes collapse into their directories, the error listeners are told (a
     * {@link WatchOverflowException}), and those directories are rescanned once the listener has caught up: the cost
     * is latency, never events. Applies from the next start.
     *
     * @throws IllegalArgumentException when below 1
     */
    public synchronized void setMaxPendingPaths(int maxPendingPaths) {
        if (maxPendingPaths < 1) {
            throw new IllegalArgumentException("maxPendingPaths must be at least 1, was " + maxPendingPaths);
        }
        this.maxPendingPaths = maxPendingPaths;
    }

    /** Whether events are being raised. Becomes {@code false} by itself when watching fails or the path is gone. */
    public boolean isEnableRaisingEvents() {
        return enabled;
    }

    /**
     * Starts or stops raising events. Starting blocks (without a time bound, and not interruptibly) until the
     * watches are installed and the tree is listed, which takes about as long as listing it (about a second for
     * 100,000 entries): every change made after it returns is raised. Do not call it on a thread that must not
     * block (a Reactor {@code parallel} or Netty thread). Stopping returns at once (see Lifecycle on the class).
     *
     * @throws IllegalStateException when starting without a path, or after {@link #close()}
     * @throws UncheckedIOException when starting fails; its cause is the {@link WatchException} naming the path and
     *     how to fix it ({@link WatchRootException} for a missing, non-directory or unreadable path,
     *     {@link WatchLimitException} for an OS limit)
     */
    public void setEnableRaisingEvents(boolean enable) {
        synchronized (this) {
            if (enable && closed) {
                throw new IllegalStateException("this FileSystemWatcher is closed: create a new one");
            }
            if (enable && path == null) {
                throw new IllegalStateException("no path to watch: call setPath(Path) before enabling");
            }
            enabled = enable;
        }
        reconcile();
    }

    // ------------------------------------------------------------------------------------------------ listeners

    /** Adds a listener for created files and directories. */
    public void addCreatedListener(Consumer<? super Change> listener) {
        created.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener added by {@link #addCreatedListener}; no effect when absent. */
    public void removeCreatedListener(Consumer<? super Change> listener) {
        created.remove(listener);
    }

    /** Adds a listener for changed files and directories. */
    public void addChangedListener(Consumer<? super Change> listener) {
        changed.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener added by {@link #addChangedListener}; no effect when absent. */
    public void removeChangedListener(Consumer<? super Change> listener) {
        changed.remove(listener);
    }

    /** Adds a listener for deleted files and directories. */
    public void addDeletedListener(Consumer<? super Change> listener) {
        deleted.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener added by {@link #addDeletedListener}; no effect when absent. */
    public void removeDeletedListener(Consumer<? super Change> listener) {
        deleted.remove(listener);
    }

    /** Adds a listener for renamed files and directories ({@link Change#oldFullPath()} is set). */
    public void addRenamedListener(Consumer<? super Change> listener) {
        renamed.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener added by {@link #addRenamedListener}; no effect when absent. */
    public void removeRenamedListener(Consumer<? super Change> listener) {
        renamed.remove(listener);
    }

    /**
     * Adds a listener for errors:
     * <ul>
     *   <li>{@link WatchOverflowException}: changes under its {@link WatchException#path() path} may have been
     *       lost (the OS's queue or {@link #setMaxPendingPaths(int)} overflowed); the changes found by a rescan of
     *       that path follow as created, deleted and changed. Raising goes on.</li>
     *   <li>Another {@link WatchException} with raising still on: a subdirectory could not be watched (permission
     *       denied), named with the call and the OS error; the rest of the tree goes on.</li>
     *   <li>A {@link WatchException} after which {@link #isEnableRaisingEvents()} is {@code false}: watching ended
     *       (the path was deleted or moved away, an OS limit, a failure of the OS's notification mechanism).</li>
     *   <li>Any other exception: a listener threw it; raising goes on.</li>
     * </ul>
     */
    public void addErrorListener(Consumer<? super Exception> listener) {
        errors.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener added by {@link #addErrorListener}; no effect when absent. */
    public void removeErrorListener(Consumer<? super Exception> listener) {
        errors.remove(listener);
    }

    // ------------------------------------------------------------------------------------------------ waiting

    /** {@link #waitForChanged(Set, Duration)} without a time limit. */
    public WaitForChangedResult waitForChanged(Set<ChangeType> types) throws InterruptedException {
        return waitFor(types, null);
    }

    /**
     * Blocks until a change of one of {@code types} that passes the filters is raised, or {@code timeout} has passed
     * (then the result's {@code timedOut()} is {@code true}). When raising is off, watches for the time of the wait
     * only (starting as {@link #setEnableRaisingEvents} does, before the timeout begins), without calling the
     * listeners; a change made before that start is complete is not seen, so enable raising first when the change
     * may come at once. Several threads may wait at once; each is given the first matching change raised after it
     * began waiting, once the listeners of that change have returned.
     *
     * @throws IllegalStateException after {@link #close()}, or when the watcher is closed during the wait
     * @throws UncheckedIOException when watching fails (see {@link #setEnableRaisingEvents}), also during the wait
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public WaitForChangedResult waitForChanged(Set<ChangeType> types, Duration timeout) throws InterruptedException {
        return waitFor(types, Objects.requireNonNull(timeout, "timeout"));
    }

    private WaitForChangedResult waitFor(Set<ChangeType> types, Duration timeout) throws InterruptedException {
        if (types.isEmpty()) {
            throw new IllegalArgumentException("waitForChanged needs at least one ChangeType, was empty");
        }
        Waiter w = new Waiter(EnumSet.copyOf(types));
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("this FileSystemWatcher is closed: create a new one");
            }
            if (path == null) {
                throw new IllegalStateException("no path to watch: call setPath(Path) before waiting");
            }
            waiters.add(w);
        }
        try {
            reconcile();
            return timeout == null ? w.result.get() : w.result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return WaitForChangedResult.TIMED_OUT;
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        } finally {
            waiters.remove(w);
            reconcile(); // a temporary watch ends with the last waiter
        }
    }

    private record Waiter(Set<ChangeType> types, CompletableFuture<WaitForChangedResult> result) {
        Waiter(Set<ChangeType> types) {
            this(types, new CompletableFuture<>());
        }
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    /**
     * Stops raising for good, as {@code setEnableRaisingEvents(false)}, and wakes every {@link #waitForChanged}
     * waiter with an {@link IllegalStateException}. Idempotent; never blocks.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            enabled = false;
        }
        reconcile();
        for (Waiter w : waiters) {
            w.result.completeExceptionally(new IllegalStateException("the FileSystemWatcher was closed"));
        }
    }

    /** Package-private for tests: waits for the barrier of the running session (or completes when none runs). */
    Mono<Void> sync() {
        Session s;
        synchronized (this) {
            s = session;
        }
        return s == null ? Mono.empty() : s.watcher.sync();
    }

    /** Package-private for tests: the read barrier of the running session (or completes when none runs). */
    Mono<Void> ready() {
        Session s;
        synchronized (this) {
            s = session;
        }
        return s == null ? Mono.empty() : s.watcher.ready();
    }

    /** Package-private for tests: whether a session runs and is established. */
    synchronized boolean watching() {
        return session != null && session.established.isDone();
    }

    /** Package-private for tests: how many threads are in {@link #waitForChanged}. */
    int waiting() {
        return waiters.size();
    }

    /** Package-private test seam: the backend every session uses. */
    synchronized void backend(WatchBackend backend) {
        this.testBackend = backend;
    }

    /**
     * Starts or stops the session so that it runs exactly while raising is on or someone waits; when it runs,
     * returns once it is established (not holding this object's lock while it waits).
     */
    private void reconcile() {
        Session started = null;
        Session running;
        synchronized (this) {
            boolean wanted = !closed && (enabled || !waiters.isEmpty());
            if (!wanted && session != null) {
                session.stop();
                session = null;
            } else if (wanted && session == null) {
                session = started = new Session(watcher());
            }
            running = session;
        }
        if (started != null) {
            started.watcher.events().subscribe(started);
        }
        if (running != null) {
            running.awaitEstablished();
        }
    }

    private synchronized void restartIfRunning() {
        if (session != null) {
            session.stop();
            session = null;
            reconcile();
        }
    }

    private FileWatcher watcher() {
        FileWatcher.Builder b = FileWatcher.builder().root(path).recursive(includeSubdirectories)
                .maxPendingPaths(maxPendingPaths);
        if (testBackend != null) {
            b.backend(testBackend);
        }
        return b.build();
    }

    /** A failure of a session that has stopped itself: off, told to the waiters and to the error listeners. */
    private void ended(Session s, Exception failure) {
        synchronized (this) {
            if (session != s) {
                return; // stopped meanwhile
            }
            session.stop();
            session = null;
            enabled = false;
        }
        for (Waiter w : waiters) {
            w.result.completeExceptionally(failure);
        }
        raising.lock();
        try {
            error(failure);
        } finally {
            raising.unlock();
        }
    }

    /** One watch session: the subscriber of one {@link FileWatcher#events()}. */
    private final class Session extends BaseSubscriber<FileEvent> {
        final FileWatcher watcher;
        final CompletableFuture<Void> established = new CompletableFuture<>();
        volatile boolean stopped;

        Session(FileWatcher watcher) {
            this.watcher = watcher;
        }

        /** Waits until established (or stopped); throws when establishing failed. */
        void awaitEstablished() {
            try {
                established.join();
            } catch (java.util.concurrent.CompletionException e) {
                synchronized (FileSystemWatcher.this) {
                    if (session == this) {
                        session = null;
                        enabled = false;
                    }
                }
                throw rethrow(e.getCause());
            }
        }

        void stop() {
            stopped = true;
            watcher.close();
            established.complete(null); // nothing to wait for any more (it may never have been subscribed)
        }

        @Override
        protected void hookOnSubscribe(Subscription s) {
            if (s == Operators.emptySubscription()) {
                return; // a failure to establish: onError follows at once
            }
            s.request(Long.MAX_VALUE); // the watcher's bounded buffer merges changes while a listener is slow
            established.complete(null);
        }

        @Override
        protected void hookOnNext(FileEvent e) {
            raising.lock();
            try {
                if (!stopped) {
                    raise(this, e);
                }
            } finally {
                raising.unlock();
            }
        }

        @Override
        protected void hookOnError(Throwable t) {
            Exception failure = t instanceof Exception ? (Exception) t : new RuntimeException(t);
            if (!established.completeExceptionally(failure)) {
                ended(this, failure);
            }
        }

        @Override
        protected void hookOnComplete() {
            established.complete(null);
            if (!stopped) { // the path was deleted or moved away
                ended(this, new WatchException("the watched directory " + watcher.roots().get(0) + " was deleted or "
                        + "moved away: raising events stopped; re-create it and enable raising events again",
                        watcher.roots().get(0), null, 0, null));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ raising

    /** Turns one event into the calls .NET would make; with {@link #raising} held. */
    private void raise(Session s, FileEvent e) {
        Path root = e.root();
        switch (e.kind()) {
            case OVERFLOW:
                error(e.cause().orElseGet(() -> new WatchOverflowException("changes under " + e.path()
                        + " may have been lost; what a rescan finds follows", e.path(), null)));
                return;
            case DELETED:
                if (e.path().equals(root)) {
                    return; // the stream completes next: reported by hookOnComplete
                }
                raise(s, ChangeType.DELETED, e, root, null);
                return;
            case CREATED:
                raise(s, ChangeType.CREATED, e, root, null);
                return;
            case MODIFIED:
                raise(s, ChangeType.CHANGED, e, root, null);
                return;
            case RENAMED:
                raise(s, ChangeType.RENAMED, e, root, e.previous().orElseThrow());
                return;
            default:
                throw new IllegalStateException("unknown kind " + e.kind());
        }
    }

    private void raise(Session s, ChangeType type, FileEvent e, Path root, Path old) {
        Set<NotifyFilter> nf = notifyFilter;
        boolean wanted = type == ChangeType.CHANGED ? !Collections.disjoint(nf, CHANGE_FILTERS)
                : nf.contains(e.isDirectory() ? NotifyFilter.DIRECTORY_NAME : NotifyFilter.FILE_NAME);
        if (!wanted || !(matches(e.path()) || old != null && matches(old))) {
            return;
        }
        Change c = new Change(type, e.path(), root.relativize(e.path()).toString(), old,
                old == null ? null : root.relativize(old).toString(), e.isDirectory());
        List<Consumer<? super Change>> listeners = switch (type) {
            case CREATED -> created;
            case DELETED -> deleted;
            case CHANGED -> changed;
            case RENAMED -> renamed;
        };
        for (Consumer<? super Change> l : listeners) {
            if (s.stopped || !enabled) {
                break; // stopped meanwhile, or a watch for waiters only
            }
            try {
                l.accept(c);
            } catch (Throwable t) {
                Exceptions.throwIfJvmFatal(t);
                error(t instanceof Exception ? (Exception) t : new RuntimeException(t));
            }
        }
        for (Waiter w : waiters) {
            if (w.types.contains(type)) {
                w.result.complete(new WaitForChangedResult(type, c.name(), c.oldName(), false));
            }
        }
    }

    /** Calls the error listeners; with {@link #raising} held. */
    private void error(Exception failure) {
        if (errors.isEmpty()) {
            Operators.onErrorDropped(failure, Context.empty());
            return;
        }
        for (Consumer<? super Exception> l : errors) {
            try {
                l.accept(failure);
            } catch (Throwable t) {
                Exceptions.throwIfJvmFatal(t);
                Operators.onErrorDropped(t, Context.empty());
            }
        }
    }

    private boolean matches(Path p) {
        List<Pattern> ps = patterns;
        if (ps.isEmpty()) {
            return true;
        }
        Path name = p.getFileName();
        String n = name == null ? "" : name.toString();
        for (Pattern pattern : ps) {
            if (pattern.matcher(n).matches()) {
                return true;
            }
        }
        return false;
    }

    /** {@code *} any characters, {@code ?} one, everything else literal. */
    private static Pattern wildcard(String filter) {
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char ch : filter.toCharArray()) {
            if (ch == '*' || ch == '?') {
                if (literal.length() > 0) {
                    re.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                re.append(ch == '*' ? ".*" : ".");
            } else {
                literal.append(ch);
            }
        }
        if (literal.length() > 0) {
            re.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof java.io.IOException io) {
            return new UncheckedIOException(io.getMessage(), io);
        }
        if (t instanceof RuntimeException re) {
            return re;
        }
        return new IllegalStateException(t);
    }
}
