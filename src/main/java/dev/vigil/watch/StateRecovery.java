package dev.vigil.watch;

/**
 * What a session with a {@linkplain FileWatcher.Builder#stateFile(java.nio.file.Path, StateRecovery) state file}
 * does when it cannot use that file: the file is missing, or it is unusable (corrupt, written by an unsupported
 * version of Vigil, or saved for other roots or options). "Report everything" means: every entry under the roots is
 * delivered as {@link FileEvent.Kind#CREATED} (parents first), as on a first run, before the live events.
 */
public enum StateRecovery {
    /**
     * The default. A missing file is a first run: everything is reported {@code CREATED}. An unusable file fails the
     * session with a {@link WatchStateException} (nothing is reported, the file is left as it is), because
     * re-reporting everything is rarely what a consumer that already ingested the tree wants.
     */
    REPORT_ALL_IF_MISSING,
    /** A missing or unusable file fails the session with a {@link WatchStateException}. */
    FAIL,
    /**
     * A missing or unusable file is a first run: everything is reported {@code CREATED}; an unusable file is logged
     * at {@code WARNING} ({@link System.Logger} {@code dev.vigil.watch}) and replaced at the next save.
     */
    REPORT_ALL
}
