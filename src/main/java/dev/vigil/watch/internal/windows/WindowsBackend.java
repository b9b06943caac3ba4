package dev.vigil.watch.internal.windows;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import dev.vigil.watch.WatchException;
import dev.vigil.watch.internal.Backends;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchBackend;
import dev.vigil.watch.internal.WatchChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import reactor.core.Exceptions;

/**
 * The Windows backend: {@code ReadDirectoryChangesExW} (or {@code ReadDirectoryChangesW} where the OS or the file
 * system lacks it) on one directory handle per root, watching the whole subtree, with every handle on one I/O
 * completion port drained by one thread ({@code vigil-iocp-N}) per instance, shared by all its channels.
 *
 * <p>The port and the thread are created by the first {@link #open}; those of the {@linkplain #shared() shared}
 * instance then stay for the life of the JVM (the thread waits in {@code GetQueuedCompletionStatusEx} without a
 * timeout). Renames are paired from the adjacent old and new names of one read (and across two reads when the old
 * name ends one), checked by file id where the extended read gives one.
 */
public final class WindowsBackend implements WatchBackend {
    private static final WindowsBackend SHARED = new WindowsBackend(() -> NativeKernel.INSTANCE);

    private final Supplier<Kernel> kernel;
    private final Object probeLock = new Object();
    private Optional<Throwable> probed; // guarded by probeLock: the remembered result, null until final
    private IocpLoop loop; // guarded by this
    private boolean closed; // guarded by this

    private WindowsBackend(Supplier<Kernel> kernel) {
        this.kernel = kernel;
    }

    /** The JVM-wide instance. */
    public static WindowsBackend shared() {
        return SHARED;
    }

    /** A private instance with its own port and thread; the caller closes it. */
    public static WindowsBackend isolated() {
        return new WindowsBackend(() -> NativeKernel.INSTANCE);
    }

    /** A private instance over {@code kernel} (tests drive the loop with a fake). */
    static WindowsBackend over(Kernel kernel) {
        return new WindowsBackend(() -> kernel);
    }

    @Override
    public String name() {
        return "windows";
    }

    @Override
    public int priority() {
        return 100;
    }

    /**
     * Empty on 64-bit Windows once a completion port could be created (and closed); the answer is remembered, except
     * a failure to load native code, which a later call probes again.
     */
    @Override
    public Optional<Throwable> unavailabilityCause() {
        synchronized (probeLock) {
            if (probed != null) {
                return probed;
            }
            if (this != SHARED || Platform.isWindows()) {
                if (Native.POINTER_SIZE != 8) {
                    probed = Optional.of(new WatchException("the Windows backend needs a 64-bit JVM", null, null, 0,
                            null));
                    return probed;
                }
            } else {
                probed = Optional.of(new Backends.WrongOs("the Windows backend runs on Windows only (this is "
                        + System.getProperty("os.name") + ")"));
                return probed;
            }
            Kernel os;
            long port;
            try {
                os = kernel.get();
                port = os.createPort();
            } catch (Kernel.Win32Exception e) {
                probed = Optional.of(new WinErrors(c -> null).call(e.call, null, e.code));
                return probed;
            } catch (Throwable e) { // LinkageError, or anything thrown into a class initialisation
                Exceptions.throwIfJvmFatal(e);
                return Optional.of(new WatchException("kernel32 could not be called through JNA: " + e, null,
                        "CreateIoCompletionPort", 0, e));
            }
            try {
                os.close(port);
            } catch (Kernel.Win32Exception e) {
                // the probe succeeded; the port is gone either way
            }
            probed = Optional.empty();
            return probed;
        }
    }

    /**
     * Asks {@code GetDriveTypeW} about the drive of {@code root} ({@code C:\}, {@code \\server\share\}):
     * a network drive ({@code DRIVE_REMOTE}: mapped drives and UNC shares) cannot be trusted to report changes, so
     * the automatic choice polls it. Empty for every other drive type, and when native code cannot be called.
     */
    @Override
    public Optional<String> cannotWatch(Path root) {
        Path top = root.toAbsolutePath().getRoot();
        if (top == null) {
            return Optional.empty();
        }
        int type;
        try {
            type = kernel.get().driveType(top.toString());
        } catch (LinkageError e) {
            return Optional.empty();
        }
        return whyUnwatchable(root, type);
    }

    /** Why changes under {@code root}, on a drive of {@code GetDriveTypeW} type {@code driveType}, may be missed. */
    static Optional<String> whyUnwatchable(Path root, int driveType) {
        if (driveType != Kernel.DRIVE_REMOTE) {
            return Optional.empty();
        }
        return Optional.of(root + " is on a network drive (GetDriveTypeW: DRIVE_REMOTE), where change notifications "
                + "depend on the server (many NAS and Samba servers send none, and none cover changes made on the "
                + "server by other means)");
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(true, Pairing.BY_COOKIE);
    }

    @Override
    public WatchChannel open(RawEventListener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        Optional<Throwable> unavailable = unavailabilityCause();
        if (unavailable.isPresent()) {
            Throwable why = unavailable.get();
            throw new WatchException("the Windows backend is not available: " + why.getMessage(), null, null, 0,
                    why);
        }
        IocpLoop current;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("this Windows backend is closed");
            }
            if (loop == null || loop.isDead()) {
                loop = IocpLoop.start(kernel.get());
            }
            current = loop;
        }
        WindowsChannel channel = current.open(listener);
        if (channel == null) { // the loop died just now
            Throwable why = current.failure();
            throw new WatchException("the Windows watch loop failed: " + why, null, null, 0, why);
        }
        return channel;
    }

    /**
     * Cancels every read of a private instance, waits for their completions, closes the handles, the port and the
     * thread; open channels get {@link RawEventListener#onFailure}. Idempotent.
     *
     * @throws UnsupportedOperationException on the {@linkplain #shared() shared} instance
     */
    public void close() throws WatchException {
        if (this == SHARED) {
            throw new UnsupportedOperationException("the shared Windows backend lives as long as the JVM");
        }
        IocpLoop current;
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

    /** Directory handles open in the running loop (for tests). */
    synchronized int openHandles() {
        return loop == null ? 0 : loop.openHandles();
    }

    /** Directory handles open in the shared instance (for tests checking that sessions leak none). */
    public static int sharedOpenHandles() {
        return SHARED.openHandles();
    }
}
