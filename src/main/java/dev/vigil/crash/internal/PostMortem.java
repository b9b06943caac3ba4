package dev.vigil.crash.internal;

import dev.vigil.crash.CrashEvent;
import dev.vigil.crash.DumpFile;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Mono;

/**
 * Turns the files a dead JVM left into one event: parses the {@code hs_err} header, moves every file into the dump
 * directory (which also marks them reported: they are published once), and answers dump requests for a process
 * that no longer exists.
 */
public final class PostMortem implements DumpSource {

    /** What was claimed for one process. */
    public record Claimed(List<DumpFile> files, Map<DumpFile.Format, Throwable> failures, CrashEvent.NativeCrash report) {
        /** The first claimed file of a format, or null. */
        public DumpFile first(DumpFile.Format format) {
            for (DumpFile f : files) {
                if (f.format() == format) {
                    return f;
                }
            }
            return null;
        }
    }

    private final DumpStore store;
    private final EventFactory factory;

    /** Claims into {@code store} and builds events with {@code factory}. */
    public PostMortem(DumpStore store, EventFactory factory) {
        this.store = store;
        this.factory = factory;
    }

    /** Parses and moves every file of the group into the dump directory, all named after the group's time. */
    public Claimed claim(Artifacts.Group group) {
        List<DumpFile> files = new ArrayList<>();
        Map<DumpFile.Format, Throwable> failures = new LinkedHashMap<>();
        CrashEvent.NativeCrash report = null;
        List<Artifacts.Found> ordered = new ArrayList<>(group.files());
        // the report first (it names the others), then in the order they were written
        ordered.sort(java.util.Comparator.comparing((Artifacts.Found f) -> f.format() != DumpFile.Format.HS_ERR)
                .thenComparing(Artifacts.Found::modified));
        for (Artifacts.Found f : ordered) {
            try {
                if (f.format() == DumpFile.Format.HS_ERR && report == null) {
                    report = HsErrParser.parse(f.path());
                }
                files.add(store.claim(f.path(), f.format(), group.time()));
            } catch (IOException | RuntimeException e) {
                failures.putIfAbsent(f.format(), new IOException("could not claim " + f.path() + ": " + e, e));
            }
        }
        return new Claimed(files, failures, report);
    }

    /** An event for a claimed group, classified by what the process left. */
    public CrashEvent postMortemEvent(Artifacts.Group group, Claimed claimed) {
        boolean hsErr = group.first(DumpFile.Format.HS_ERR) != null;
        boolean heap = group.first(DumpFile.Format.HEAP_DUMP) != null;
        CrashEvent.Kind kind = !hsErr && heap ? CrashEvent.Kind.OUT_OF_MEMORY : CrashEvent.Kind.NATIVE_CRASH;
        String message = describe(group.pid(), kind, claimed, null);
        return event(kind, CrashEvent.Source.POST_MORTEM, group.pid(), group.time(), null, message, claimed);
    }

    /** An event with everything given. */
    public CrashEvent event(CrashEvent.Kind kind, CrashEvent.Source source, long pid, Instant time, Integer exitCode,
                            String message, Claimed claimed) {
        DumpFile.Format primary = primaryFormat(kind, claimed);
        EventData data = new EventData(kind, source, time, pid, null, null, message, claimed.report(), exitCode,
                claimed.files(), claimed.failures(), 0, primary);
        return factory.create(data, this);
    }

    private static DumpFile.Format primaryFormat(CrashEvent.Kind kind, Claimed claimed) {
        if (claimed.first(DumpFile.Format.HS_ERR) != null) {
            return DumpFile.Format.HS_ERR;
        }
        if (kind == CrashEvent.Kind.OUT_OF_MEMORY && claimed.first(DumpFile.Format.HEAP_DUMP) != null) {
            return DumpFile.Format.HEAP_DUMP;
        }
        if (!claimed.files().isEmpty()) {
            return claimed.files().get(0).format();
        }
        return switch (kind) {
            case NATIVE_CRASH -> DumpFile.Format.HS_ERR;
            case NATIVE_ABORT -> DumpFile.Format.CORE;
            case OUT_OF_MEMORY -> DumpFile.Format.HEAP_DUMP;
            default -> DumpFile.Format.FLIGHT_RECORDING;
        };
    }

    /** A one-line description of a dead process and what it left. */
    public static String describe(long pid, CrashEvent.Kind kind, Claimed claimed, String cause) {
        StringBuilder sb = new StringBuilder("JVM ");
        sb.append(pid >= 0 ? "pid " + pid : "(unknown pid)");
        CrashEvent.NativeCrash r = claimed.report();
        if (cause != null) {
            sb.append(' ').append(cause);
        } else if (r != null && !r.error().isEmpty()) {
            sb.append(" died of ").append(r.error());
            if (!r.code().isEmpty()) {
                sb.append(" (").append(r.code()).append(')');
            }
        } else {
            sb.append(kind == CrashEvent.Kind.OUT_OF_MEMORY ? " ran out of memory" : " crashed");
        }
        if (r != null && !r.problematicFrame().isEmpty()) {
            sb.append(" in ").append(r.problematicFrame());
        }
        if (claimed.files().isEmpty()) {
            sb.append("; it left no files");
        } else {
            sb.append("; left");
            for (DumpFile f : claimed.files()) {
                sb.append(' ').append(f.path().getFileName());
            }
        }
        if (!claimed.failures().isEmpty()) {
            sb.append("; could not claim ").append(claimed.failures().keySet());
        }
        return sb.toString();
    }

    @Override
    public Mono<DumpFile> dump(CrashEvent event, DumpFile.Format format) {
        if (event.kind() == CrashEvent.Kind.SUPPRESSED) {
            return Mono.error(new UnsupportedOperationException("a SUPPRESSED summary has no dump"));
        }
        if (format == DumpFile.Format.THREAD_DUMP) {
            return Mono.error(new UnsupportedOperationException("process " + event.pid()
                    + " is gone: a thread dump can only be taken of a live JVM; read its hs_err report or "
                    + "flight recording instead"));
        }
        String why = switch (event.kind()) {
            case KILLED -> "it was killed by a signal, which leaves nothing behind";
            case NATIVE_ABORT -> "abort() in native code bypasses HotSpot's error reporting (enable core dumps "
                    + "to keep a core)";
            default -> "no such file was found";
        };
        return Mono.error(new NoSuchFileException("pid " + event.pid(), null, "the process left no " + format
                + " (" + why + ")"));
    }
}
