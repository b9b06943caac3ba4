package dev.vigil.watch.internal.macos;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import dev.vigil.watch.WatchException;
import dev.vigil.watch.internal.Backends;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchBackend;
import dev.vigil.watch.internal.WatchChannel;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import reactor.core.Exceptions;

/**
 * The macOS backend: one FSEvents stream per root ({@code FileEvents|NoDefer|WatchRoot}, plus
 * {@code UseCFTypes|UseExtendedData} on macOS 10.13+ for inodes), all on one serial dispatch queue, their records
 * decoded and routed by one thread ({@code vigil-fsevents-N}) per instance, shared by its channels. Renames pair by
 * inode (FSEvents gives no cookie). Not yet run on macOS: the decoder and the loop are tested on Linux with recorded
 * callback sequences through a fake {@link EventStreams}.
 */
public final class FsEventsBackend implements WatchBackend {
    /** Seconds FSEvents may hold events to coalesce them; with {@code NoDefer} a lone event is sent at once. */
    static final double LATENCY = 0.01;
    private static final FsEventsBackend SHARED = new FsEventsBackend(() -> NativeEventStreams.Holder.INSTANCE, true);

    private final Supplier<EventStreams> os;
    private final boolean probesOs; // the real OS, probed; false for a test seam
    private final Object probeLock = new Object();
    private Optional<Throwable> probed; // guarded by probeLock
    private FsEventsLoop loop; // guarded by this
    private boolean closed; // guarded by this

    private FsEventsBackend(Supplier<EventStreams> os, boolean isNative) {
        this.os = os;
        this.probesOs = isNative;
    }

    /** The JVM-wide instance. */
    public static FsEventsBackend shared() {
        return SHARED;
    }

    /** A private instance over {@code os} (tests replay recorded callbacks through a fake). */
    static FsEventsBackend over(EventStreams os) {
        return new FsEventsBackend(() -> os, false);
    }

    @Override
    public String name() {
        return "fsevents";
    }

    @Override
    public int priority() {
        return 100;
    }

    /**
     * Empty on 64-bit macOS once CoreServices answered {@code FSEventsGetCurrentEventId}; the answer is remembered,
     * except a failure to load native code, which a later call probes again.
     */
    @Override
    public Optional<Throwable> unavailabilityCause() {
        synchronized (probeLock) {
            if (probed != null) {
                return probed;
            }
            if (!probesOs) {
                probed = Optional.empty();
                return probed;
            }
            if (!Platform.isMac()) {
                probed = Optional.of(new Backends.WrongOs("FSEvents is macOS only (this is "
                        + System.getProperty("os.name") + "); use watchservice or polling"));
                return probed;
            }
            if (Native.POINTER_SIZE != 8) {
                probed = Optional.of(new WatchException("the FSEvents backend needs a 64-bit JVM", null, null, 0,
                        null));
                return probed;
            }
            try {
                NativeEventStreams.Holder.INSTANCE.currentEventId();
            } catch (Throwable e) { // LinkageError, or anything thrown into a class initialisation
                Exceptions.throwIfJvmFatal(e);
                return Optional.of(new WatchException("CoreServices could not be called through JNA: " + e, null,
                        "FSEventsGetCurrentEventId", 0, e));
            }
            probed = Optional.empty();
            return probed;
        }
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
            throw new WatchException("the FSEvents backend is not available: " + why.getMessage(), null, null, 0,
                    why);
        }
        FsEventsLoop current;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("this FSEvents backend is closed");
            }
            if (loop == null || loop.isDead()) {
                loop = FsEventsLoop.start(os.get(), LATENCY);
            }
            current = loop;
        }
        FsEventsChannel channel = current.open(listener);
        if (channel == null) {
            Throwable why = current.failure();
            throw new WatchException("the FSEvents loop failed: " + why, null, null, 0, why);
        }
        return channel;
    }

    /**
     * Closes every stream of a private instance and ends its thread; open channels get
     * {@link RawEventListener#onFailure}. Idempotent.
     *
     * @throws UnsupportedOperationException on the {@linkplain #shared() shared} instance
     */
    public void close() {
        if (this == SHARED) {
            throw new UnsupportedOperationException("the shared FSEvents backend lives as long as the JVM");
        }
        FsEventsLoop current;
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

    /** Streams open in the running loop (for tests). */
    synchronized int openStreams() {
        return loop == null ? 0 : loop.openStreams();
    }
}
