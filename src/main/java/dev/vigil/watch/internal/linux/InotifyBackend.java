package dev.vigil.watch.internal.linux;

import com.sun.jna.LastErrorException;
import dev.vigil.watch.WatchException;
import dev.vigil.watch.internal.DirectoryLister;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchBackend;
import dev.vigil.watch.internal.WatchChannel;
import dev.vigil.watch.internal.linux.jna.Inotify;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

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

    private InotifyLoop loop; // guarded by this
    private boolean closed; // guarded by this

    /** A private instance with its own fd and thread, which {@link #close()} releases (for tests). */
    InotifyBackend() {
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

    /** Probes once per JVM: {@code inotify_init1}, then {@code close} at once. */
    @Override
    public Optional<Throwable> unavailabilityCause() {
        try {
            return Probe.CAUSE;
        } catch (LinkageError e) { // JNA itself is missing: the probe class cannot even load
            return Optional.of(new WatchException("JNA is not usable: " + e, null, null, 0, e));
        }
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
                loop = InotifyLoop.start();
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

    /** The result of the probe: the only code that touches JNA before the backend is chosen. */
    private static final class Probe {
        static final Optional<Throwable> CAUSE = run();

        private static Optional<Throwable> run() {
            int fd;
            try {
                fd = Inotify.inotify_init1(Inotify.IN_NONBLOCK | Inotify.IN_CLOEXEC);
            } catch (LastErrorException e) {
                return Optional.of(Errors.init(e.getErrorCode(), e));
            } catch (LinkageError | RuntimeException e) {
                return Optional.of(new WatchException("inotify_init1 could not be called through JNA: " + e,
                        null, "inotify_init1", 0, e));
            }
            try {
                Inotify.close(fd);
            } catch (LastErrorException e) {
                // The fd is released even so; the probe succeeded.
            }
            return Optional.empty();
        }
    }
}
