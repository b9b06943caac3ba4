package dev.vigil.watch.internal;

import dev.vigil.watch.WatchException;
import dev.vigil.watch.internal.linux.InotifyBackend;
import dev.vigil.watch.internal.windows.WindowsBackend;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Picks the backend: the available one with the highest priority, or the one named by the system property
 * {@value #PROPERTY}. Each candidate probes itself; the reasons of the unavailable ones are kept for the error.
 */
public final class Backends {

    /** System property naming the backend to use, e.g. {@code -Dvigil.watch.backend=inotify}. */
    public static final String PROPERTY = "vigil.watch.backend";

    private static final List<Supplier<WatchBackend>> CANDIDATES = List.of(WindowsBackend::shared, InotifyBackend::shared);

    private Backends() {
    }

    /**
     * The backend to use on this machine.
     *
     * @throws IllegalStateException (with a {@link WatchException} cause) when none is available, naming each
     *     candidate and why it is not
     */
    public static WatchBackend best() {
        String wanted = System.getProperty(PROPERTY, "").trim();
        List<WatchBackend> all = new ArrayList<>();
        for (Supplier<WatchBackend> s : CANDIDATES) {
            all.add(s.get());
        }
        all.sort(Comparator.comparingInt(WatchBackend::priority).reversed());
        StringBuilder why = new StringBuilder();
        for (WatchBackend b : all) {
            if (!wanted.isEmpty() && !wanted.equals(b.name())) {
                continue;
            }
            Optional<Throwable> cause = b.unavailabilityCause();
            if (cause.isEmpty()) {
                return b;
            }
            why.append("; ").append(b.name()).append(": ").append(cause.get().getMessage());
        }
        String msg = wanted.isEmpty()
                ? "no file-watching backend is available on this machine" + why
                : "the backend '" + wanted + "' named by -D" + PROPERTY + " is not available" + (why.length() == 0
                        ? " (known backends: " + all.stream().map(WatchBackend::name).toList() + ")" : why.toString());
        throw new IllegalStateException(msg, new WatchException(msg, null, null, 0, null));
    }
}
