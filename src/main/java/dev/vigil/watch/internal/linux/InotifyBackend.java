package dev.vigil.watch.internal.linux;

import com.sun.jna.LastErrorException;
import dev.vigil.watch.WatchException;
import dev.vigil.watch.internal.Backends;
import dev.vigil.watch.internal.DirectoryLister;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchBackend;
import dev.vigil.watch.internal.WatchChannel;
import dev.vigil.watch.internal.linux.jna.Inotify;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import reactor.core.Exceptions;

/**
 * The Linux backend: one inotify fd and one thread ({@code vigil-inotify-N}) per instance, shared by all its
 * channels.
 *
 * <p>The fd and the thread are created by the first {@link #open}. Those of the {@linkplain #shared() shared}
 * instance then stay for the life of the JVM (the thread is a daemon and sleeps in {@code poll()} when idle);
 * a channel's watches are removed when it closes. If the loop ever fails, its channels get
 * {@link RawEventListener#onFailure} and the next {@code open} starts a new loop.
 */
public final class InotifyBackend implements WatchBackend {
    private static final InotifyBackend SHARED = new InotifyBackend();

    private static final Object PROBE_LOCK = new Object();
    private static Optional<Throwable> probed; // guarded by PROBE_LOCK: the remembered result, null until final
    private static Throwable firstFailure; // guarded by PROBE_LOCK: the real cause of the first transient failure

    private final InotifyLoop.Libc libc;
    private InotifyLoop loop; // guarded by this
    private boolean closed; // guarded by this

    /** A private instance with its own fd and thread, which {@link #close()} releases (for tests). */
    InotifyBackend() {
        this(InotifyLoop.LIBC);
    }

    /** A private instance whose loops make their failure-prone libc calls through {@code libc} (a test seam). */
    InotifyBackend(InotifyLoop.Libc libc) {
        this.libc = Objects.requireNonNull(libc, "libc");
    }

    /** A private instance with its own inotify fd and reader thread; the caller closes it (tests, isolation). */
    public static InotifyBackend isolated() {
        return new InotifyBackend();
    }

    /** The JVM-wide instance. */
    public static InotifyBackend shared() {
        return SHARED;
    }

    @Override
    public String name() {
        return "inotify";
    }

    @Override
    public int priority() {
        return 100;
    }

    /**
     * Probes {@code inotify_init1}, then {@code close}s at once. A success, or the kernel's refusal (an errno), is
     * remembered for the life of the JVM. A failure to load or call native code (JNA missing, its native library
     * refused, a class initialisation interrupted by an agent such as BlockHound) is not: a later call probes
     * again and may succeed, and a failure that only repeats an earlier one (a {@link NoClassDefFoundError} once a
     * class initialisation failed) carries the earlier, real cause.
     */
    @Override
    public Optional<Throwable> unavailabilityCause() {
        synchronized (PROBE_LOCK) {
            if (probed != null) {
                return probed;
            }
            String os = System.getProperty("os.name", "");
            if (!os.startsWith("Linux")) {
                probed = Optional.of(new Backends.WrongOs("inotify is Linux only (this is " + os + ")"));
                return probed;
            }
            int fd;
            try {
                fd = Inotify.inotify_init1(Inotify.IN_NONBLOCK | Inotify.IN_CLOEXEC);
            } catch (LastErrorException e) {
                probed = Optional.of(Errors.init(e.getErrorCode(), e));
                return probed;
            } catch (Throwable e) { // LinkageError, or anything thrown into a class initialisation
                Exceptions.throwIfJvmFatal(e);
                if (firstFailure == null) {
                    firstFailure = e;
                } else if (e != firstFailure) {
                    e.addSuppressed(firstFailure);
                }
                return Optional.of(new WatchException("inotify_init1 could not be called through JNA: " + e
                        + (e == firstFailure ? "" : " (first failure: " + firstFailure + ")"), null, "inotify_init1", 0,
                        firstFailure));
            }
            try {
                Inotify.close(fd);
            } catch (LastErrorException e) {
                // The fd is released even so; the probe succeeded.
            }
            probed = Optional.empty();
            return probed;
        }
    }

    /**
     * Asks {@code statfs(2)} for the type of {@code root}'s file system; see {@link FileSystems} for the types whose
     * changes inotify misses. Empty when {@code statfs} fails (the watch then reports the real error).
     */
    @Override
    public Optional<String> cannotWatch(Path root) {
        long type;
        try {
            type = FileSystems.type(root);
        } catch (LastErrorException e) {
            return Optional.empty();
        }
        return FileSystems.whyUnwatchable(root, type);
    }

    @Override
    public Capabilities capabilities() {
        return Capabilities.PER_DIRECTORY;
    }

    /** Lists with {@code getdents64} (entry types without a {@code stat} each) where libc has it. */
    @Override
    public DirectoryLister lister() {
        return Listers.LISTER;
    }

    private static final class Listers {
        static final DirectoryLister LISTER = GetdentsLister.create();
    }

    @Override
    public WatchChannel open(RawEventListener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        Optional<Throwable> unavailable = unavailabilityCause();
        if (unavailable.isPresent()) {
            Throwable why = unavailable.get();
            throw new WatchException("the inotify backend is not available: " + why.getMessage(), null, null, 0,
                    why);
        }
        InotifyLoop current;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("this inotify backend is closed");
            }
            if (loop == null || loop.isDead()) {
                loop = InotifyLoop.start(libc);
            }
            current = loop;
        }
        InotifyChannel channel = current.open(listener);
        if (channel == null) { // the loop died just now
            Throwable why = current.failure();
            throw new WatchException("the inotify loop failed: " + why, null, null, 0, why);
        }
        return channel;
    }

    /**
     * Stops the loop thread and closes the inotify fd and the eventfd of a private instance; open channels get
     * {@link RawEventListener#onFailure}. Idempotent. Unless called on the loop thread, returns once both fds
     * are closed.
     *
     * @throws UnsupportedOperationException on the {@linkplain #shared() shared} instance
     * @throws WatchException when closing a fd fails
     */
    public void close() throws WatchException {
        if (this == SHARED) {
            throw new UnsupportedOperationException("the shared inotify backend lives as long as the JVM");
        }
        InotifyLoop current;
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

    /** The inotify fd of the running loop, or -1 (for tests reading /proc/self/fdinfo). */
    synchronized int inotifyFd() {
        return loop == null || loop.isDead() ? -1 : loop.inotifyFd();
    }
}
