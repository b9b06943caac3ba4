package dev.vigil.watch.internal.jdk;

import dev.vigil.watch.WatchException;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchBackend;
import dev.vigil.watch.internal.WatchChannel;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchService;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The portable backend over the JDK's {@link WatchService}: one registration per directory, one {@code WatchService}
 * and one reader thread ({@code vigil-watchservice-N}) per instance, shared by all its channels. It needs no native
 * code of ours, so it is the automatic fallback where no native backend works (JNA cannot load its library, an OS
 * without one). What it reports depends on the JDK's implementation for the OS: inotify on Linux, a poller on
 * macOS. The JDK gives no rename pairing (a rename is a deletion and a creation) and no entry type (the pipeline
 * reads it from its model or the disk).
 */
public final class JdkWatchServiceBackend implements WatchBackend {
    private static final JdkWatchServiceBackend SHARED = new JdkWatchServiceBackend();

    private final Object probeLock = new Object();
    private Optional<Throwable> probed; // guarded by probeLock
    private WatchServiceLoop loop; // guarded by this
    private boolean closed; // guarded by this

    private JdkWatchServiceBackend() {
    }

    /** The JVM-wide instance. */
    public static JdkWatchServiceBackend shared() {
        return SHARED;
    }

    /** A private instance with its own {@code WatchService} and thread; the caller closes it (tests). */
    public static JdkWatchServiceBackend isolated() {
        return new JdkWatchServiceBackend();
    }

    @Override
    public String name() {
        return "watchservice";
    }

    /** Below the native backends, above polling. */
    @Override
    public int priority() {
        return 50;
    }

    /** Empty once a {@code WatchService} of the default file system could be created (and closed); remembered. */
    @Override
    public Optional<Throwable> unavailabilityCause() {
        synchronized (probeLock) {
            if (probed == null) {
                try {
                    WatchService ws = FileSystems.getDefault().newWatchService();
                    ws.close();
                    probed = Optional.empty();
                } catch (IOException | UnsupportedOperationException e) {
                    probed = Optional.of(new WatchException("the JDK's WatchService cannot be created: " + e, null,
                            null, 0, e));
                }
            }
            return probed;
        }
    }

    @Override
    public Capabilities capabilities() {
        return Capabilities.PER_DIRECTORY; // no cookie is ever given: renames are never paired
    }

    /**
     * Types of remote file stores, as the JDK names them (the mount table's on Linux, {@code statfs}'s on macOS);
     * FUSE ones ({@code fuse}, {@code fuse.sshfs}, {@code fuseblk}, {@code macfuse}) are told by their prefix or
     * suffix.
     */
    private static final Set<String> REMOTE = Set.of("nfs", "nfs4", "cifs", "smb", "smb3", "smbfs", "9p", "ceph",
            "afs", "coda", "gfs2", "ocfs2", "lustre", "virtiofs", "afpfs", "webdav");

    /**
     * Asks the JDK for the type of {@code root}'s file store: the JDK's own watcher relies on the OS's native events
     * (inotify on Linux) and misses the changes of a remote or FUSE file system as they do. Empty when the type
     * cannot be read.
     */
    @Override
    public Optional<String> cannotWatch(Path root) {
        try {
            return whyUnwatchable(root, Files.getFileStore(root).type());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Why changes under {@code root}, on a file store of {@code type}, are missed; empty when they are not. */
    static Optional<String> whyUnwatchable(Path root, String type) {
        String t = type.toLowerCase(Locale.ROOT);
        if (!REMOTE.contains(t) && !t.startsWith("fuse") && !t.endsWith("fuse")) {
            return Optional.empty();
        }
        return Optional.of(root + " is on a file system of type " + type + ", whose changes made by other machines or "
                + "beneath it the JDK's WatchService does not see");
    }

    @Override
    public WatchChannel open(RawEventListener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        WatchServiceLoop current;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("this WatchService backend is closed");
            }
            if (loop == null || loop.isDead()) {
                loop = WatchServiceLoop.start();
            }
            current = loop;
        }
        WatchChannel channel = current.open(listener);
        if (channel == null) {
            throw new WatchException("the WatchService loop failed: " + current.failure(), null, null, 0,
                    current.failure());
        }
        return channel;
    }

    /**
     * Closes a private instance's {@code WatchService} and waits for its thread to end; open channels get
     * {@link RawEventListener#onFailure}. Idempotent.
     *
     * @throws UnsupportedOperationException on the {@linkplain #shared() shared} instance
     */
    public void close() {
        if (this == SHARED) {
            throw new UnsupportedOperationException("the shared WatchService backend lives as long as the JVM");
        }
        WatchServiceLoop current;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            current = loop;
            loop = null;
        }
        if (current != null) {
            current.stop();
        }
    }

    /** The number of open channels (for tests). */
    public synchronized int openChannels() {
        return loop == null ? 0 : loop.openChannels();
    }

    /** The number of keys registered (for tests: none left once every channel closed). */
    public synchronized int registeredKeys() {
        return loop == null ? 0 : loop.registeredKeys();
    }
}
