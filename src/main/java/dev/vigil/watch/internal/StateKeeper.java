package dev.vigil.watch.internal;

import dev.vigil.watch.StateRecovery;
import dev.vigil.watch.WatchStateException;
import dev.vigil.watch.WatchStateException.Reason;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;

/**
 * The state file of one watcher: reads it for a starting session, keeps one session per file in the JVM, and hands
 * {@code FileWatcher.saveState()} to the session that holds the file (see {@link WatchSession#saveState()}).
 */
public final class StateKeeper {

    /** The state files held by a session of this JVM. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    final Path file;
    private final StateRecovery recovery;
    /** The options that shape what a subscriber is told (filters, recursion): a state saved under others is foreign. */
    final String view;
    /** The session that holds the file, or held it last. */
    private volatile WatchSession holder;

    /** {@code file} absolute and normalised. */
    public StateKeeper(Path file, StateRecovery recovery, String view) {
        this.file = file;
        this.recovery = recovery;
        this.view = view;
    }

    /** Takes the file for {@code session}, until {@link #release}. */
    void hold(WatchSession session) throws WatchStateException {
        if (!HELD.add(file)) {
            throw new WatchStateException(file, Reason.IN_USE, "the watch state file " + file + " is in use by another "
                    + "session of this JVM; subscribe once and share() the stream, or wait for FileWatcher.saveState() "
                    + "after cancelling the previous subscription", null);
        }
        holder = session;
    }

    /** Gives the file back (once the session's final save is done, or when it never started). */
    void release() {
        HELD.remove(file);
    }

    /** The state of the last session, saved now (see {@code FileWatcher.saveState()}). */
    public Mono<Void> save() {
        WatchSession s = holder;
        return s == null ? Mono.empty() : s.saveState();
    }

    /**
     * The saved trees, one per root of {@code roots}, or null for "report everything" (first run, or an unusable file
     * under a lenient {@link StateRecovery}).
     */
    List<Snapshot> load(List<Path> roots) throws WatchStateException {
        StateFile.State state;
        try {
            state = StateFile.read(file);
        } catch (NoSuchFileException e) {
            if (recovery == StateRecovery.FAIL) {
                throw new WatchStateException(file, Reason.MISSING, "the watch state file " + file + " does not exist "
                        + "and StateRecovery.FAIL requires one; check the path, or create it with a first run under "
                        + "StateRecovery.REPORT_ALL_IF_MISSING (everything is then reported as created)", e);
            }
            return null;
        } catch (WatchStateException e) {
            return unusable(e);
        } catch (IOException e) {
            return unusable(new WatchStateException(file, Reason.IO_ERROR, "cannot read the watch state file " + file
                    + ": " + e, e));
        }
        if (!state.roots().equals(roots) || !state.view().equals(view)) {
            return unusable(new WatchStateException(file, Reason.FOREIGN, "the watch state file " + file + " was saved "
                    + "for the roots " + state.roots() + " with " + state.view() + ", and this watcher has the roots "
                    + roots + " with " + view + "; give each watcher its own state file, or remove this one to start "
                    + "afresh (everything is then reported as created)", null));
        }
        return state.trees();
    }

    private List<Snapshot> unusable(WatchStateException e) throws WatchStateException {
        if (recovery != StateRecovery.REPORT_ALL) {
            throw e;
        }
        Backends.LOG.log(System.Logger.Level.WARNING, e.getMessage() + "; reporting every entry as created");
        return null;
    }
}
