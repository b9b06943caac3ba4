package dev.vigil.spring.boot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;

/**
 * What the {@code vigil} health indicator reports, independent of Boot's health types (which moved between Boot 3 and
 * Boot 4). Down when the crash reporter's dump directory is missing or not writable, or when a watcher's last
 * session failed (until a new session starts); up otherwise. Details: per watcher its roots, live sessions, last
 * overflow and whether it falls within {@code vigil.health.overflow-window}; the dump directory and whether it is
 * writable.
 */
public final class VigilHealth {

    private final ObjectProvider<VigilWatchers> watchers;
    private final ObjectProvider<VigilCrashLog> crashLog;
    private final Duration overflowWindow;
    private final Clock clock;

    public VigilHealth(ObjectProvider<VigilWatchers> watchers, ObjectProvider<VigilCrashLog> crashLog,
            VigilProperties properties) {
        this(watchers, crashLog, properties.getHealth().getOverflowWindow(), Clock.systemUTC());
    }

    VigilHealth(ObjectProvider<VigilWatchers> watchers, ObjectProvider<VigilCrashLog> crashLog,
            Duration overflowWindow, Clock clock) {
        this.watchers = watchers;
        this.crashLog = crashLog;
        this.overflowWindow = overflowWindow;
        this.clock = clock;
    }

    /** A health verdict: up or down, and the details. */
    public record Report(boolean up, Map<String, Object> details) {
    }

    /** Checks now. */
    public Report check() {
        boolean up = true;
        Map<String, Object> details = new LinkedHashMap<>();
        VigilWatchers w = watchers.getIfAvailable();
        if (w != null) {
            Map<String, Object> watch = new LinkedHashMap<>();
            Instant now = clock.instant();
            for (String name : w.names()) {
                VigilWatchers.Status s = w.status(name);
                Map<String, Object> d = details(s);
                d.put("overflowRecently", s.lastOverflow().map(t -> t.plus(overflowWindow).isAfter(now)).orElse(false));
                up &= s.lastError().isEmpty();
                watch.put(name, d);
            }
            details.put("watchers", watch);
        }
        VigilCrashLog log = crashLog.getIfAvailable();
        if (log != null) {
            Path dir = log.reporter().dumpDirectory();
            boolean writable = Files.isDirectory(dir) && Files.isWritable(dir);
            details.put("dumpDirectory", dir.toString());
            details.put("dumpDirectoryWritable", writable);
            up &= writable;
        }
        return new Report(up, details);
    }

    static Map<String, Object> details(VigilWatchers.Status s) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("roots", s.roots());
        d.put("sessions", s.sessions());
        d.put("closed", s.closed());
        d.put("lastOverflow", s.lastOverflow().map(Instant::toString).orElse(null));
        d.put("lastError", s.lastError().orElse(null));
        return d;
    }
}
