package dev.vigil.watch.internal.linux;

import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchBackend;
import dev.vigil.watch.internal.WatchChannel;
import java.io.IOException;
import java.util.Optional;

/** Linux inotify backend (placeholder until the real one lands). */
public final class InotifyBackend implements WatchBackend {
    private static final InotifyBackend SHARED = new InotifyBackend();

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

    @Override
    public Optional<Throwable> unavailabilityCause() {
        return Optional.of(new UnsupportedOperationException("not implemented yet"));
    }

    @Override
    public WatchChannel open(RawEventListener listener) throws IOException {
        throw new IOException("not implemented yet");
    }
}
