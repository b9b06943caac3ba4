package dev.vigil.crash.internal;

import dev.vigil.crash.CrashEvent;
import dev.vigil.crash.DumpFile;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Everything a {@link CrashEvent} knows when it is published; built by the sources, wrapped by the public type. */
public record EventData(
        CrashEvent.Kind kind,
        CrashEvent.Source source,
        Instant time,
        long pid,
        String thread,
        Throwable throwable,
        String message,
        CrashEvent.NativeCrash nativeCrash,
        Integer exitCode,
        List<DumpFile> artifacts,
        Map<DumpFile.Format, Throwable> failures,
        long suppressedCount,
        DumpFile.Format primaryFormat) {

    /** Copies the collections and checks the mandatory components. */
    public EventData {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(primaryFormat, "primaryFormat");
        artifacts = List.copyOf(artifacts);
        failures = Map.copyOf(failures);
    }

    /** An in-process event with no artifacts yet. */
    public static EventData inProcess(CrashEvent.Kind kind, Thread thread, Throwable error, String message,
                                      DumpFile.Format primary) {
        return inProcess(kind, thread == null ? null : thread.getName(), error, message, primary, 0);
    }

    /** An in-process event about a thread known by name (or none), with no artifacts yet. */
    public static EventData inProcess(CrashEvent.Kind kind, String thread, Throwable error, String message,
                                      DumpFile.Format primary, long suppressed) {
        return new EventData(kind, CrashEvent.Source.IN_PROCESS, Instant.now(), ProcessHandle.current().pid(), thread,
                error, message, null, null, List.of(), Map.of(), suppressed, primary);
    }

    /** A copy with the dumps written (or failed) before publication. */
    public EventData withDumps(List<DumpFile> written, Map<DumpFile.Format, Throwable> failed, String newMessage) {
        return new EventData(kind, source, time, pid, thread, throwable, newMessage, nativeCrash, exitCode, written,
                failed, suppressedCount, primaryFormat);
    }
}
