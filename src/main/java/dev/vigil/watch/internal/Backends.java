package dev.vigil.watch.internal;

import dev.vigil.watch.Backend;
import dev.vigil.watch.WatchException;
import dev.vigil.watch.internal.jdk.JdkWatchServiceBackend;
import dev.vigil.watch.internal.linux.InotifyBackend;
import dev.vigil.watch.internal.macos.FsEventsBackend;
import dev.vigil.watch.internal.polling.PollingBackend;
import dev.vigil.watch.internal.windows.WindowsBackend;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Picks the backend of each root: the one named by the system property {@value Backend#PROPERTY} (the operator's
 * switch), else the one the builder named, for every root alike; else ({@link Backend#AUTO}) the available one with
 * the highest priority, unless it {@linkplain WatchBackend#cannotWatch says} it would miss the root's changes (a
 * network or FUSE file system): that root is polled. Each candidate probes itself; the reasons of the unavailable
 * ones are kept for the error and for the log.
 */
public final class Backends {

    /** System property naming the backend to use, e.g. {@code -Dvigil.watch.backend=inotify}. */
    public static final String PROPERTY = Backend.PROPERTY;

    static final System.Logger LOG = System.getLogger("dev.vigil.watch");

    private static final Map<Backend, Supplier<WatchBackend>> BY_KIND = new EnumMap<>(Map.of(
            Backend.INOTIFY, InotifyBackend::shared,
            Backend.WINDOWS, WindowsBackend::shared,
            Backend.FSEVENTS, FsEventsBackend::shared,
            Backend.WATCH_SERVICE, JdkWatchServiceBackend::shared,
            Backend.POLLING, PollingBackend::shared));
    /** The native backends: one of them is expected on its OS, so falling back from it is worth a log line. */
    private static final List<Backend> NATIVE = List.of(Backend.INOTIFY, Backend.WINDOWS);
    private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();

    private Backends() {
    }

    /** Chooses the backend of a root; called on the session's executor, where probing may block. */
    @FunctionalInterface
    public interface Chooser {
        /**
         * @throws WatchException when the backend asked for is not available, naming why
         * @throws IllegalArgumentException when {@value Backend#PROPERTY} holds an unknown value
         */
        Selection choose(Path root) throws IOException;
    }

    /**
     * A backend chosen, its public kind ({@code null} for a test's own backend), and why it was chosen (for the
     * debug log).
     */
    public record Selection(WatchBackend backend, Backend kind, String reason) {
        /** A backend given directly (a test seam). */
        public static Selection of(WatchBackend backend) {
            return new Selection(backend, null, "given by the test seam");
        }
    }

    /**
     * The value of {@value Backend#PROPERTY}, or empty when it is not set (or blank).
     *
     * @throws IllegalArgumentException when it names no backend, listing the valid values
     */
    public static Optional<Backend> forced() {
        String value = System.getProperty(PROPERTY, "");
        if (value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Backend.fromPropertyValue(value));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + value + ": " + e.getMessage(), e);
        }
    }

    /** The kind to use when the builder asked for {@code requested}: the property's when it is set. */
    public static Backend effective(Backend requested) {
        return forced().orElse(requested);
    }

    /** The backend that polls, for the roots and directories no other backend can watch. */
    public static WatchBackend polling() {
        return BY_KIND.get(Backend.POLLING).get();
    }

    /**
     * The backend for {@code root} when the builder asked for {@code requested} (the property wins).
     *
     * @throws WatchException when a backend named explicitly is not available, or none is
     * @throws IllegalArgumentException when the property holds an unknown value
     */
    public static Selection select(Backend requested, Path root) throws WatchException {
        Optional<Backend> forced = forced();
        Selection best = select(requested);
        if (forced.orElse(requested) != Backend.AUTO || best.kind() == Backend.POLLING) {
            return best;
        }
        Optional<String> cannot = best.backend().cannotWatch(root);
        if (cannot.isEmpty()) {
            return best;
        }
        return new Selection(polling(), Backend.POLLING, by(forced, Backend.AUTO) + ", since " + cannot.get());
    }

    private static String by(Optional<Backend> forced, Backend kind) {
        return forced.isPresent() ? "-D" + PROPERTY + "=" + kind.propertyValue()
                : kind == Backend.AUTO ? "automatic choice" : "FileWatcher.Builder.backend(" + kind + ")";
    }

    /**
     * The backend to use when the builder asked for {@code requested} (the property wins), whatever the root.
     *
     * @throws WatchException when a backend named explicitly is not available, or none is
     * @throws IllegalArgumentException when the property holds an unknown value
     */
    public static Selection select(Backend requested) throws WatchException {
        Optional<Backend> forced = forced();
        Backend kind = forced.orElse(requested);
        String by = by(forced, kind);
        if (kind != Backend.AUTO) {
            WatchBackend b = BY_KIND.get(kind).get();
            Optional<Throwable> cause = b.unavailabilityCause();
            if (cause.isPresent()) {
                String msg = "the file-watching backend '" + kind.propertyValue() + "' (" + by + ") is not available: "
                        + cause.get().getMessage() + (forced.isPresent()
                        ? "; unset -D" + PROPERTY + " or name another backend" : "; choose another Backend");
                throw new WatchException(msg, null, null, 0, cause.get());
            }
            return new Selection(b, kind, "named by " + by);
        }
        List<Map.Entry<Backend, WatchBackend>> all = new ArrayList<>();
        BY_KIND.forEach((k, s) -> {
            if (k != Backend.FSEVENTS) { // not yet run on macOS: used only when named
                all.add(Map.entry(k, s.get()));
            }
        });
        all.sort(Comparator.comparingInt((Map.Entry<Backend, WatchBackend> e) -> e.getValue().priority()).reversed());
        StringBuilder why = new StringBuilder();
        boolean nativeFailed = false;
        for (Map.Entry<Backend, WatchBackend> e : all) {
            Optional<Throwable> cause = e.getValue().unavailabilityCause();
            if (cause.isEmpty()) {
                String reason = why.length() == 0 ? by : by + ", since" + why;
                if (nativeFailed && FALLBACK_LOGGED.compareAndSet(false, true)) {
                    LOG.log(System.Logger.Level.INFO, "no native file-watching backend can be used ({0}): "
                            + "using {1}", why.substring(1).trim(), e.getKey().propertyValue());
                }
                return new Selection(e.getValue(), e.getKey(), reason);
            }
            if (NATIVE.contains(e.getKey()) && !(cause.get() instanceof WrongOs)) {
                nativeFailed = true;
            }
            why.append(why.length() == 0 ? " " : "; ").append(e.getKey().propertyValue()).append(": ")
                    .append(cause.get().getMessage());
        }
        String msg = "no file-watching backend is available on this machine:" + why;
        throw new WatchException(msg, null, null, 0, null);
    }

    /**
     * The backend to use on this machine with no builder choice (the property still wins).
     *
     * @throws IllegalStateException (with a {@link WatchException} cause) when none is available
     */
    public static WatchBackend best() {
        try {
            return select(Backend.AUTO).backend();
        } catch (WatchException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * The reason a backend gives when it is not made for this operating system (as opposed to one that should work
     * here but failed): it does not make the automatic choice log a fallback.
     */
    public static final class WrongOs extends WatchException {
        private static final long serialVersionUID = 1L;

        public WrongOs(String message) {
            super(message, null, null, 0, null);
        }
    }
}
