package dev.vigil.spring.boot;

import dev.vigil.crash.DumpFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code vigil} actuator endpoint ({@code GET /actuator/vigil} once exposed with
 * {@code management.endpoints.web.exposure.include=vigil}): the named watchers and their sessions, the crash
 * reporter's recent events (most recently published first, each with its dump files) and the files in its dump
 * directory (newest first, at most 100). Plain maps and strings, so that it reads the same under every Boot JSON
 * setup.
 */
@Endpoint(id = "vigil")
public class VigilEndpoint {

    private static final int MAX_FILES = 100;

    private final ObjectProvider<VigilWatchers> watchers;
    private final ObjectProvider<VigilCrashLog> crashLog;

    public VigilEndpoint(ObjectProvider<VigilWatchers> watchers, ObjectProvider<VigilCrashLog> crashLog) {
        this.watchers = watchers;
        this.crashLog = crashLog;
    }

    @ReadOperation
    public Map<String, Object> vigil() {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> watch = new LinkedHashMap<>();
        VigilWatchers w = watchers.getIfAvailable();
        if (w != null) {
            for (String name : w.names()) {
                watch.put(name, VigilHealth.details(w.status(name)));
            }
        }
        out.put("watchers", watch);
        VigilCrashLog log = crashLog.getIfAvailable();
        Map<String, Object> crash = new LinkedHashMap<>();
        crash.put("enabled", log != null);
        if (log != null) {
            crash.put("dumpDirectory", log.reporter().dumpDirectory().toString());
            List<Map<String, Object>> events = new ArrayList<>();
            for (VigilCrashLog.Entry e : log.recent()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("kind", e.event().kind().name());
                m.put("source", e.event().source().name());
                m.put("time", e.event().time().toString());
                m.put("pid", e.event().pid());
                m.put("thread", e.event().thread().orElse(null));
                m.put("message", e.event().message());
                m.put("dumps", e.dumps().stream().map(VigilEndpoint::dump).toList());
                m.put("dumpErrors", List.copyOf(e.dumpErrors()));
                events.add(m);
            }
            crash.put("events", events);
            List<Map<String, Object>> files = new ArrayList<>();
            try {
                for (Path p : log.dumpFiles(MAX_FILES)) {
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("name", p.getFileName().toString());
                    f.put("size", Files.size(p));
                    f.put("modified", Files.getLastModifiedTime(p).toInstant().toString());
                    files.add(f);
                }
            } catch (IOException e) {
                crash.put("filesError", e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            crash.put("files", files);
        }
        out.put("crash", crash);
        return out;
    }

    private static Map<String, Object> dump(DumpFile d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", d.format().name());
        m.put("path", d.path().toString());
        m.put("name", d.path().getFileName().toString());
        m.put("size", d.size());
        m.put("created", d.created().toString());
        return m;
    }
}
