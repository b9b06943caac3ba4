package dev.vigil.watch.internal;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileEvent.Kind;
import dev.vigil.watch.WatchLimitException;
import dev.vigil.watch.WatchRootException;
import dev.vigil.watch.WatchStateException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * One watch session: turns the raw events of its backend channels (one per backend its roots use, see
 * {@link Sources}) into the events of one subscriber. It routes
 * each raw event to the {@link Tree} (the model and its watches), the {@link RenamePairer} and the {@link Resync},
 * and everything it reports leaves through one output path ({@link #emit}) with one visibility check (dirty
 * subtree, then filter) into the {@link EventBuffer}.
 *
 * <p>Threading: all of its state belongs to its own {@link WatchThreads.Serial} executor. The backend's reader
 * thread only queues batches to it ({@link #onEvents}, bounded: beyond {@value #MAX_QUEUED_EVENTS} queued events
 * the session drops them and resyncs, as after an OS queue overflow); no subscriber code ever runs on it.
 */
final class WatchSession implements Sources.Sink {

    /** Raw events queued for the executor beyond which they are dropped and replaced by a resync. */
    static final int MAX_QUEUED_EVENTS = 1 << 16;

    /** Callbacks into the subscription; none runs subscriber code on the caller's thread. */
    interface Downstream {
        /** Something was added to the buffer (or a terminal state was reached): deliver it elsewhere. */
        void drain();

        /** A fatal error: deliver it as soon as possible. */
        void fail(Throwable error);

        /** No root is left: complete once the buffer is drained. */
        void rootsGone();
    }

    final WatchThreads.Serial executor = new WatchThreads.Serial();
    final EventBuffer buffer;
    private final WatchSpec spec;
    private final Scheduler timer;
    private final Downstream downstream;
    private final Resync resync;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean queueOverflowed = new AtomicBoolean();
    private final AtomicBoolean rescanQueued = new AtomicBoolean();
    private final Sinks.Empty<Void> established = Sinks.empty();
    private final Map<String, Runnable> cookies = new HashMap<>(); // guarded by itself
    private final Set<Runnable> waiters = new LinkedHashSet<>(); // guarded by itself
    /** The state file, or null. */
    private final StateKeeper state;
    /** Completes once the session's final save is done (or there is none to do). */
    private final Sinks.Empty<Void> finalSave = Sinks.empty();
    private final Set<CatchUp> catchUps = new LinkedHashSet<>(); // guarded by itself
    private volatile boolean channelFailed;
    /**
     * Executor-confined: this session holds the state file; establishment succeeded; the session's work is over
     * (with a state file, events go on being applied after the close, until the final save).
     */
    private boolean holding;
    private boolean established0;
    private boolean done;
    private final List<String> cookiesRead = new ArrayList<>();
    final Sources sources;
    private volatile boolean opened; // a channel is open: barriers go through the sources
    private boolean limitLogged;
    private Tree tree;
    private RenamePairer pairer;
    private long adjacentCookies;
    private Instant now = Instant.EPOCH;

    WatchSession(WatchSpec spec, Scheduler timer, Downstream downstream) {
        this(spec, timer, downstream, null);
    }

    /** With {@code state} (or null): the session reports the changes since it was saved, and saves it when it ends. */
    WatchSession(WatchSpec spec, Scheduler timer, Downstream downstream, StateKeeper state) {
        this.spec = spec;
        this.timer = timer;
        this.downstream = downstream;
        this.state = state;
        this.buffer = new EventBuffer(spec.coalesce(), spec.roots().size() > 1);
        this.resync = new Resync(spec, buffer, downstream::fail);
        this.sources = new Sources(this, new WatchBackend.ChannelOptions(timer, spec.pollInterval()));
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    /**
     * On the executor: checks the roots (before a backend is chosen: the user's input is the likelier problem),
     * picks each root's backend, opens a channel per backend, watches and lists every root (no events for what
     * exists; with a state file, the changes since it was saved). Does nothing when the session was closed before
     * (its release already ran on the executor: what this opened would never be released).
     */
    void establish(Backends.Chooser backends) throws IOException {
        assert executor.inside();
        if (isClosed()) {
            return;
        }
        tick();
        for (Path root : spec.roots()) {
            checkRoot(root);
        }
        if (state != null) {
            state.hold(this);
            holding = true;
        }
        try {
            establish(backends, state != null ? state.load(spec.roots()) : null);
        } catch (IOException | RuntimeException e) {
            if (holding) {
                holding = false;
                state.release(); // before the failure is signalled: the subscriber may subscribe again at once
            }
            throw e;
        }
    }

    private void establish(Backends.Chooser backends, List<Snapshot> saved) throws IOException {
        List<Sources.Source> chosen = new ArrayList<>();
        for (Path root : spec.roots()) {
            Backends.Selection s = backends.choose(root);
            if (Backends.LOG.isLoggable(System.Logger.Level.DEBUG)) {
                Backends.LOG.log(System.Logger.Level.DEBUG, "watching {0} with the {1} backend ({2})", root,
                        s.backend().name(), s.reason());
            }
            chosen.add(sources.open(s.backend()));
            opened = true;
        }
        pairer = new RenamePairer(timer, spec.renameWindow(), this::windowEnded);
        tree = new Tree(spec, spec.pollBeyondWatchLimit() ? this::beyondLimit : null);
        tree.wall = System.currentTimeMillis();
        resync.bind(tree, pairer);
        for (int i = 0; i < chosen.size(); i++) {
            Snapshot found = state != null ? new Snapshot() : null;
            Node root = tree.addRoot(spec.roots().get(i), chosen.get(i), found);
            if (tree.fatal() != null) {
                throw tree.fatal();
            }
            if (found != null) {
                changesSince(root, saved == null ? new Snapshot() : saved.get(i), found);
            }
        }
        report();
        established0 = true;
    }

    /** Reports the difference between the saved view of {@code root} and the disk, as ordinary events. */
    private void changesSince(Node root, Snapshot saved, Snapshot found) {
        for (Snapshot.Change c : Snapshot.diff(saved, found)) {
            if (c.kind() == Kind.RENAMED) {
                Node moved = c.directory() ? Node.at(root, c.path()) : null; // the model has the tree by now
                renamed(root, c.previous(), root, c.path(), c.directory(), false, List.of(), moved, List.of());
            } else {
                emit(c.kind(), c.path(), null, c.directory(), root, false);
            }
        }
    }

    /**
     * The polling source, for directories beyond the watch limit ({@link WatchSpec#pollBeyondWatchLimit()}); says so
     * at {@code WARNING} the first time in this session.
     */
    private Sources.Source beyondLimit(WatchLimitException reached) throws IOException {
        Sources.Source polling = sources.open(Backends.polling());
        if (!limitLogged) {
            limitLogged = true;
            Backends.LOG.log(System.Logger.Level.WARNING, "{0}. Watching {1}: the directories beyond the limit are "
                    + "polled every {2} instead (FileWatcher.Builder.pollBeyondWatchLimit), at the cost of a listing "
                    + "and a stat per entry per poll", reached.getMessage(), spec.roots(),
                    spec.pollInterval().toMillis() + " ms");
        }
        return polling;
    }

    /** Establishment ended (done or failed): readiness waiters go on. */
    void establishmentEnded() {
        established.tryEmitEmpty();
    }

    private static void checkRoot(Path root) throws WatchRootException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS) && !Files.exists(root)) {
            throw new WatchRootException(root, WatchRootException.Reason.MISSING, null);
        }
        if (!Files.isDirectory(root)) {
            throw new WatchRootException(root, WatchRootException.Reason.NOT_A_DIRECTORY, null);
        }
        if (!Files.isExecutable(root) || !Files.isReadable(root) && !listable(root)) {
            throw new WatchRootException(root, WatchRootException.Reason.NOT_READABLE, null);
        }
    }

    /**
     * Whether the directory can be listed: the ground truth where {@link Files#isReadable} guesses from an access
     * list (on Windows it can say no for a drive root that lists fine).
     */
    private static boolean listable(Path dir) {
        try (java.nio.file.DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return entries != null;
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Releases everything; idempotent, any thread, never blocks: the watches are removed on the executor. Returns
     * the callbacks of barriers and read barriers still waiting, for the caller to run.
     */
    List<Runnable> close() {
        if (!closed.compareAndSet(false, true)) {
            return List.of();
        }
        List<Runnable> released = new ArrayList<>();
        List<EventBuffer.Event> undelivered = buffer.clear(released);
        executor.execute(() -> {
            if (holding && established0) {
                finalSave(undelivered);
                return;
            }
            if (holding) {
                state.release();
            }
            done = true;
            finalSave.tryEmitEmpty();
            release();
        });
        synchronized (cookies) {
            released.addAll(cookies.values());
            cookies.clear();
        }
        synchronized (waiters) {
            released.addAll(waiters);
            waiters.clear();
        }
        return released;
    }

    /** On the executor: the OS resources go. */
    private void release() {
        if (pairer != null) {
            pairer.takeAll();
        }
        sources.close();
    }

    private boolean isClosed() {
        return closed.get();
    }

    // ------------------------------------------------------------------------------------------------ state file

    /**
     * Saves what the subscriber has received to the state file: on the executor, after reading every change made
     * before the call; once the session has ended, the final save's outcome. Fails with a
     * {@link dev.vigil.watch.WatchStateException} when the file cannot be written (the previous one is then intact).
     */
    Mono<Void> saveState() {
        return established.asMono().then(Mono.defer(() -> {
            Sinks.Empty<Void> saved = Sinks.empty();
            executor.execute(() -> {
                if (isClosed() || !established0) {
                    finalSave.asMono().subscribe(null, saved::tryEmitError, saved::tryEmitEmpty);
                    return;
                }
                long t0 = System.currentTimeMillis();
                catchUp(() -> {
                    if (isClosed()) {
                        finalSave.asMono().subscribe(null, saved::tryEmitError, saved::tryEmitEmpty);
                        return;
                    }
                    try {
                        write(t0, buffer.undelivered());
                        saved.tryEmitEmpty();
                    } catch (IOException | RuntimeException e) {
                        saved.tryEmitError(e);
                    }
                });
            });
            return saved.asMono();
        }));
    }

    /**
     * The session ended: reads what the OS still has for changes made until now (applied to the model; nothing is
     * delivered any more, so they count as undelivered, as does {@code undelivered}), saves, then lets go of the
     * state file and the OS resources.
     */
    private void finalSave(List<EventBuffer.Event> undelivered) {
        long t0 = System.currentTimeMillis();
        catchUp(() -> {
            done = true;
            List<EventBuffer.Event> all = new ArrayList<>(undelivered);
            all.addAll(buffer.clear(new ArrayList<>())); // no barrier comes after the close: its cookies are gone
            Exception failed = null;
            try {
                write(t0, all);
            } catch (IOException | RuntimeException e) {
                failed = e;
                Backends.LOG.log(System.Logger.Level.WARNING, "the final save of the watch state failed: "
                        + e.getMessage());
            } finally {
                state.release();
                release();
            }
            // after the release: whoever waits for the final save may subscribe again at once
            if (failed == null) {
                finalSave.tryEmitEmpty();
            } else {
                finalSave.tryEmitError(failed);
            }
        });
    }

    /**
     * Writes the subscriber's view: the model with {@code undelivered} rolled back (see {@link Resync#known}), each
     * entry's attributes read now. Every change made before {@code t0} has been read, so an entry known from the
     * model is known as of {@code t0}, unless its modification time says it may have changed since (then it is saved
     * as "assume it changed", like every entry with an undelivered event).
     */
    private void write(long t0, List<EventBuffer.Event> undelivered) throws IOException {
        assert executor.inside();
        List<Snapshot> trees = new ArrayList<>();
        for (Path rootPath : spec.roots()) {
            Node root = null;
            for (Node r : tree.roots) {
                if (r.path().equals(rootPath)) {
                    root = r;
                }
            }
            Snapshot saved = new Snapshot();
            if (root != null) {
                Node r = root;
                resync.known(root, undelivered).forEach((p, st) -> saved.put(p, attributed(r, p, st, t0)));
            }
            trees.add(saved);
        }
        try {
            StateFile.write(state.file, new StateFile.State(state.view, spec.roots(), trees));
        } catch (IOException e) {
            throw new WatchStateException(state.file, WatchStateException.Reason.IO_ERROR, "cannot write the watch "
                    + "state file " + state.file + " (through " + StateFile.temporary(state.file) + "): " + e.getMessage() + "; the previous state file is intact; check the directory's permissions "
                    + "and free space", e);
        }
    }

    /** A known entry as saved: with its attributes read now, and the time its knowledge dates from. */
    private Snapshot.Stamp attributed(Node root, Path p, Snapshot.Stamp known, long t0) {
        Snapshot.Stamp now = Tree.stamp(p, known.directory(), Tree.Detail.ALL);
        long since = known.millis() == Long.MIN_VALUE || resync.absorbs(root, p) ? known.millis() : t0;
        boolean changed = since == Long.MIN_VALUE || now.attributes() == null
                || !known.directory() && now.millis() > since - Snapshot.SLACK_MILLIS;
        return new Snapshot.Stamp(known.directory(), changed && !known.directory() ? Long.MIN_VALUE : since,
                now.attributes());
    }

    /**
     * Runs {@code then} on the executor once every channel has read every change made before this call (see
     * {@link Sources#catchUp}); at once when a channel failed, which ends its barriers.
     */
    private void catchUp(Runnable then) {
        CatchUp c = new CatchUp(then);
        synchronized (catchUps) {
            catchUps.add(c);
        }
        sources.catchUp(c);
        if (channelFailed) {
            c.run();
        }
    }

    /** A catch-up that runs its work once, whichever of the channel and its failure comes first. */
    private final class CatchUp implements Runnable {
        private final Runnable then;
        private final AtomicBoolean ran = new AtomicBoolean();

        CatchUp(Runnable then) {
            this.then = then;
        }

        @Override
        public void run() {
            if (ran.compareAndSet(false, true)) {
                synchronized (catchUps) {
                    catchUps.remove(this);
                }
                executor.execute(then);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ barriers

    /**
     * Completes once this session is established and has applied every OS event read before the call; or once it
     * has ended. Delivers and expires nothing.
     */
    Mono<Void> ready() {
        return established.asMono().then(Mono.create(sink -> {
            Runnable done = sink::success;
            synchronized (waiters) {
                if (isClosed() || !opened) {
                    sink.success();
                    return;
                }
                waiters.add(done);
            }
            sources.afterReads(() -> executor.execute(() -> {
                boolean mine;
                synchronized (waiters) {
                    mine = waiters.remove(done);
                }
                if (mine) {
                    done.run();
                }
            }));
        }));
    }

    /** Completes once establishment ended (done or failed). */
    Mono<Void> established() {
        return established.asMono();
    }

    /** Registers a barrier for the cookie {@code name}; {@code onPassed} runs once its event was delivered. */
    void expectCookie(String name, Runnable onPassed) {
        synchronized (cookies) {
            if (isClosed()) {
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
            pairer.takeAll().forEach(this::movedOut);
            buffer.addBarrier(onPassed);
        }
    }

    // ------------------------------------------------------------------------------------------------ input

    @Override
    public void onEvents(Sources.Source source, List<RawEvent> batch) {
        if (isClosed() && state == null) {
            return;
        }
        int n = batch.size();
        if (queued.addAndGet(n) > MAX_QUEUED_EVENTS) {
            queued.addAndGet(-n);
            if (queueOverflowed.compareAndSet(false, true)) {
                executor.execute(() -> run(() -> {
                    queueOverflowed.set(false);
                    overflow(List.of(), "the session could not keep up with the operating system's events");
                }));
            }
            return;
        }
        executor.execute(() -> {
            queued.addAndGet(-n);
            run(() -> handle(source, batch));
        });
    }

    @Override
    public void onFailure(Throwable error) {
        channelFailed = true;
        List<CatchUp> waiting;
        synchronized (catchUps) {
            waiting = new ArrayList<>(catchUps);
        }
        waiting.forEach(CatchUp::run);
        downstream.fail(error);
    }

    /** The rename window of {@code cookie} ended (timer thread): expire it after the events read so far. */
    private void windowEnded(long cookie) {
        if (opened) {
            sources.afterReads(() -> executor.execute(() -> run(() -> movedOut(pairer.take(cookie)))));
        }
    }

    /** Asks the executor to rescan the dirty subtrees (called by the delivery when demand is there). */
    void requestRescan() {
        if (rescanQueued.compareAndSet(false, true)) {
            executor.execute(() -> {
                rescanQueued.set(false);
                run(() -> resync.rescan(now, e -> accepts(e.root(), e.path())));
            });
        }
    }

    /**
     * The OS watches this session's tree holds. Any thread, without synchronisation: a racy read of the tree (its map
     * is a final field) and of the map's size, a moment stale at worst, for metrics only.
     */
    int nativeWatches() {
        Tree t = tree;
        return t == null || isClosed() ? 0 : t.watchCount();
    }

    /** Whether dirty subtrees wait for a rescan. */
    boolean dirtyPending() {
        return resync.pending();
    }

    /** Runs one piece of work on the executor, then reports and signals the delivery. */
    private void run(Runnable work) {
        assert executor.inside();
        if (isClosed() && (state == null || done)) {
            return;
        }
        tick();
        try {
            work.run();
            resolve();
            report();
        } catch (RuntimeException e) {
            downstream.fail(e);
            return;
        }
        downstream.drain();
    }

    private void tick() {
        now = Instant.ofEpochMilli(timer.now(TimeUnit.MILLISECONDS));
        if (tree != null) {
            tree.wall = System.currentTimeMillis();
        }
    }

    /**
     * Hands on what the work collected: cookies read in its batch (their barriers go after everything else of the
     * batch, because a poll's batch is not in the order of the changes: a cookie created after a change deeper in
     * the tree may come before it), cookies found by listings, unwatchable directories, a fatal error.
     */
    private void report() {
        for (String cookie : cookiesRead) {
            cookieSeen(cookie);
        }
        cookiesRead.clear();
        for (String cookie : tree.takeCookies()) {
            cookieSeen(cookie);
        }
        for (Tree.Problem p : tree.takeProblems()) {
            output(new FileEvent(Kind.OVERFLOW, p.path(), null, true, p.root().path(), now, p.cause()), false);
        }
        if (tree.fatal() != null) {
            downstream.fail(tree.fatal());
        }
    }

    private void handle(Sources.Source source, List<RawEvent> batch) {
        boolean adjacent = source.caps.pairing() == WatchBackend.Pairing.ADJACENT;
        for (int i = 0; i < batch.size(); i++) {
            RawEvent e = batch.get(i);
            if (adjacent && e.kind() == RawEvent.RawKind.MOVED_FROM) {
                long cookie = --adjacentCookies; // negative: never a cookie of the OS
                handle(e, cookie);
                RawEvent next = i + 1 < batch.size() ? batch.get(i + 1) : null;
                if (next != null && next.kind() == RawEvent.RawKind.MOVED_TO) {
                    handle(next, cookie);
                    i++;
                } else {
                    movedOut(pairer.take(cookie));
                }
            } else {
                handle(e, source.cookie(e.cookie()));
            }
        }
    }

    private void handle(RawEvent e, long cookie) {
        if (e.kind() == RawEvent.RawKind.OVERFLOW) {
            List<Resync.Scope> scopes = new ArrayList<>();
            if (e.key() != null) {
                Node node = tree.watched(e.key());
                if (node == null) {
                    return;
                }
                scopes.add(new Resync.Scope(node.root(), e.path().isEmpty() ? node.path() : node.path().resolve(e.path())));
            }
            overflow(scopes, "the operating system's event queue overflowed");
            return;
        }
        Node watched = tree.watched(e.key());
        if (watched == null) {
            return; // a watch we already dropped
        }
        if (!spec.recursive() && e.path().indexOf('/') >= 0) {
            return; // below the top level, which a recursive backend reports too
        }
        Tree.Target t = tree.target(watched, e.path());
        if (t == null) {
            Node missed = tree.unknownParent(watched, e.path());
            if (missed != null) {
                overflow(List.of(new Resync.Scope(missed.root(), missed.path())),
                        "an event arrived for a directory the watcher did not know");
            }
            return;
        }
        Node dir = t.dir();
        String name = t.name();
        if (name.startsWith(Tree.COOKIE_PREFIX)) {
            // never delivered; also inside the tree, where a nested root of the same watcher writes its cookies
            if (dir.parent == null && e.kind() == RawEvent.RawKind.CREATED) {
                cookiesRead.add(name); // its barrier goes after the whole batch: see report()
            }
            return;
        }
        switch (e.kind()) {
            case CREATED -> created(dir, name, isDirectory(dir, name, e));
            case MODIFIED, ATTRIBUTES -> {
                if (e.kind() == RawEvent.RawKind.MODIFIED && e.type() == RawEvent.EntryType.UNKNOWN
                        && !name.isEmpty() && dir.state(name) == Node.DIR) {
                    return; // see EntryType.UNKNOWN: a change of the directory's content, reported on its own
                }
                modified(dir, name, isDirectory(dir, name, e));
            }
            case DELETED -> deleted(dir, name);
            case MOVED_FROM -> movedFrom(dir, name, isDirectory(dir, name, e), cookie);
            case MOVED_TO -> movedTo(dir, name, isDirectory(dir, name, e), cookie);
            case SELF_DELETED, SELF_MOVED -> {
                if (name.isEmpty() && dir.parent == null) {
                    rootGone(dir);
                }
            }
            case UNWATCHED -> {
                tree.unwatched(dir);
                if (dir.parent == null) {
                    rootGone(dir);
                }
            }
            default -> throw new IllegalStateException("unknown raw event kind " + e.kind());
        }
    }

    /** The OS's directory flag, or, where it did not say, the model's, or the disk's. */
    private static boolean isDirectory(Node dir, String name, RawEvent e) {
        switch (e.type()) {
            case DIRECTORY:
                return true;
            case FILE:
                return false;
            default:
                int state = name.isEmpty() ? Node.DIR : dir.state(name);
                if (state >= 0) {
                    return state == Node.DIR;
                }
                return e.kind() != RawEvent.RawKind.DELETED && e.kind() != RawEvent.RawKind.MOVED_FROM
                        && Files.isDirectory(dir.path().resolve(name), LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** Events under {@code scopes} (every root when empty) were lost: pending renames end, the scopes go dirty. */
    private void overflow(List<Resync.Scope> scopes, String why) {
        pairer.takeAll().forEach(this::movedOut);
        resync.lost(scopes, why);
    }

    // ------------------------------------------------------------------------------------------------ changes

    private void created(Node dir, String name, boolean isDir) {
        int old = dir.state(name);
        if (old >= 0) {
            if ((old == Node.DIR) == isDir) {
                return; // already known: found by the scan that followed the directory's watch
            }
            removeAndReport(dir, name);
        }
        dir.put(name, isDir);
        Path path = dir.path().resolve(name);
        Node root = dir.root();
        emit(Kind.CREATED, path, null, isDir, root, false);
        if (isDir && spec.recursive() && !tree.prunes(root, path)) {
            addDirectory(dir, name);
        }
    }

    /** Watches and lists a new directory, reporting what is already inside. */
    private void addDirectory(Node dir, String name) {
        Snapshot found = new Snapshot();
        tree.addDirectory(dir, name, found);
        Node root = dir.root();
        for (Snapshot.Change c : Snapshot.diff(new Snapshot(), found)) {
            emit(c.kind(), c.path(), null, c.directory(), root, false);
        }
    }

    /**
     * Watches and lists again, at their current paths, the directories that looked gone while this work ran (see
     * {@link Tree#takeUnresolved}: an ancestor renamed a moment before), and reports what was not known of them.
     */
    private void resolve() {
        for (Node n : tree.takeUnresolved()) {
            if (inHeldSubtree(n)) {
                tree.retryLater(n); // its directory waits for a rename's second half: nowhere to watch it yet
                continue;
            }
            Snapshot before = new Snapshot();
            Tree.record(n, before);
            Snapshot found = new Snapshot();
            Node now = tree.resolve(n, found);
            if (now != null) {
                for (Snapshot.Change c : Snapshot.diff(before, found)) {
                    emit(c.kind(), c.path(), null, c.directory(), now.root(), false);
                }
            }
        }
    }

    /** Whether {@code n}'s directory lies in a subtree taken out by a rename whose second half has not come. */
    private boolean inHeldSubtree(Node n) {
        Node x = n.parent;
        while (x.parent != null && x.parent.dirs != null && x.parent.dirs.get(x.name) == x) {
            x = x.parent;
        }
        if (x.parent == null) {
            return false; // attached all the way up to a root
        }
        for (RenamePairer.Pending p : pairer.held()) {
            if (p.entry().node() == x) {
                return true;
            }
        }
        return false;
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
            removeAndReport(dir, name);
        }
    }

    /** Removes {@code name} from {@code dir} and reports its subtree deleted, children first. */
    private void removeAndReport(Node dir, String name) {
        List<Tree.Change> gone = new ArrayList<>();
        Node.Removed e = tree.remove(dir, name, gone);
        if (e == null) {
            return;
        }
        Node root = dir.root();
        for (Tree.Change c : gone) {
            emit(Kind.DELETED, c.path(), null, c.dir(), root, false);
        }
        emit(Kind.DELETED, dir.path().resolve(name), null, e.dir(), root, false);
    }

    private void movedFrom(Node dir, String name, boolean isDir, long cookie) {
        Node.Removed entry = dir.remove(name);
        if (entry == null) {
            entry = new Node.Removed(isDir, null);
        }
        // a negative cookie is the session's own for an adjacent pair, settled within its batch: no window
        RenamePairer.Pending replaced = pairer.hold(cookie, dir, name, entry, cookie >= 0);
        movedOut(replaced);
    }

    /** The first half of a rename found no second half: the entry left the tree. Null is ignored. */
    private void movedOut(RenamePairer.Pending m) {
        if (m == null) {
            return;
        }
        if (m.entry().node() != null) {
            List<Tree.Change> gone = new ArrayList<>();
            tree.drop(m.entry().node(), gone);
            for (Tree.Change c : gone) {
                emit(Kind.DELETED, c.path(), null, c.dir(), m.root(), false);
            }
        }
        emit(Kind.DELETED, m.path(), null, m.entry().dir(), m.root(), false);
    }

    private void movedTo(Node dir, String name, boolean isDir, long cookie) {
        RenamePairer.Pending m = cookie == 0 ? null : pairer.take(cookie);
        if (m == null) {
            // moved in from outside the tree
            if (dir.has(name)) {
                removeAndReport(dir, name);
            }
            created(dir, name, isDir);
            return;
        }
        if (m.entry().node() != null && within(dir, m.entry().node())) {
            // The model has the target directory inside the moved one only because the target's own move out of it
            // still waits for its other half (the two renames crossed). Attaching would make a cycle: give the
            // moved entry up, as after any loss, and let a rescan of the root say where everything is.
            movedOut(m);
            overflow(List.of(new Resync.Scope(m.root(), m.root().path())),
                    "a directory was moved into one whose own move was not yet paired");
            return;
        }
        boolean replaced = dir.has(name);
        List<Tree.Change> replacedBelow = new ArrayList<>();
        if (replaced) {
            tree.remove(dir, name, replacedBelow);
        }
        Node.Removed entry = m.entry();
        Path path = dir.path().resolve(name);
        Node root = dir.root();
        boolean watchIt = entry.dir() && spec.recursive() && !tree.prunes(root, path);
        Node moved = entry.node();
        Path from = m.path();
        dir.put(name, entry.dir());
        List<Tree.Change> dropped = new ArrayList<>(); // what it held, when it left what is watched
        if (moved != null) {
            moved.parent = dir;
            moved.name = name;
            moved.moved();
            // the held halves' subtrees are out of the tree, so moved() did not reach them: their paths may lie below
            for (RenamePairer.Pending p : pairer.held()) {
                if (p.entry().node() != null) {
                    p.entry().node().moved();
                }
            }
            if (watchIt) {
                dir.attach(name, moved);
            } else {
                tree.drop(moved, dropped);
                moved = null;
            }
        }
        renamed(m.root(), from, root, path, entry.dir(), replaced, replacedBelow, moved, dropped);
        if (watchIt && moved == null) {
            addDirectory(dir, name); // e.g. renamed from an excluded name: its content becomes visible
        }
    }

    /**
     * Reports a rename as what the subscriber can see of it: a {@code RENAMED} when both names are visible. Otherwise
     * (the filter, or a subtree waiting for its rescan, hides one end) entry by entry: what it could see under the old
     * name goes, what it can see under the new one comes, the directory's content included: that of {@code moved}
     * (the directory's node, now at its new name) or, when it left what is watched, {@code dropped} (its entries at
     * the new paths, deepest first). A target that existed is replaced, with what was below it ({@code replacedBelow}).
     */
    private void renamed(Node fromRoot, Path from, Node root, Path path, boolean dir, boolean replaced,
            List<Tree.Change> replacedBelow, Node moved, List<Tree.Change> dropped) {
        if (visible(fromRoot, from) && visible(root, path)) {
            output(new FileEvent(Kind.RENAMED, path, from, dir, root.path(), now, null), replaced, replacedBelow);
            return;
        }
        List<Tree.Change> inside = dropped;
        if (moved != null) {
            inside = new ArrayList<>();
            Tree.below(moved, inside);
        }
        for (Tree.Change c : inside) {
            emit(Kind.DELETED, from.resolve(path.relativize(c.path())), null, c.dir(), fromRoot, false);
        }
        emit(Kind.DELETED, from, null, dir, fromRoot, false);
        for (Tree.Change c : replacedBelow) {
            emit(Kind.DELETED, c.path(), null, c.dir(), root, false);
        }
        emit(replaced ? Kind.MODIFIED : Kind.CREATED, path, null, dir, root, false);
        for (int i = inside.size() - 1; moved != null && i >= 0; i--) { // parents first
            emit(Kind.CREATED, inside.get(i).path(), null, inside.get(i).dir(), root, false);
        }
    }

    /** Whether {@code node} is {@code ancestor} or lies below it, following parent links (a detached node keeps its). */
    private static boolean within(Node node, Node ancestor) {
        for (Node n = node; n != null; n = n.parent) {
            if (n == ancestor) {
                return true;
            }
        }
        return false;
    }

    private void rootGone(Node root) {
        if (!tree.roots.contains(root)) {
            return;
        }
        tree.removeRoot(root);
        resync.rootGone(root);
        output(new FileEvent(Kind.DELETED, root.path(), null, true, root.path(), now, null), false);
        if (tree.roots.isEmpty()) {
            downstream.rootsGone();
        }
    }

    // ------------------------------------------------------------------------------------------------ output

    /** The one output path for changes in the tree: delivered when {@link #visible}. */
    private void emit(Kind kind, Path path, Path previous, boolean dir, Node root, boolean replaced) {
        if (visible(root, path)) {
            output(new FileEvent(kind, path, previous, dir, root.path(), now, null), replaced);
        }
    }

    /** The one visibility check: not left to the rescan of a dirty subtree, and accepted by the filter. */
    private boolean visible(Node root, Path path) {
        return !resync.absorbs(root, path) && accepts(root.path(), path);
    }

    private boolean accepts(Path root, Path path) {
        if (spec.filter() == PathFilter.ALL) {
            return true;
        }
        return spec.filter().accepts(Node.rel(root, path));
    }

    /** Into the buffer, unconditionally (root deletion, unwatchable directories, checked events). */
    private void output(FileEvent e, boolean replaced) {
        output(e, replaced, List.of());
    }

    /** Like {@link #output(FileEvent, boolean)}, for a rename whose target held {@code replacedBelow}. */
    private void output(FileEvent e, boolean replaced, List<Tree.Change> replacedBelow) {
        buffer.add(e, replaced, replacedBelow);
        resync.checkBound();
    }
}
