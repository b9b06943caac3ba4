package dev.vigil.spring.boot;

import dev.vigil.crash.DumpFile;
import dev.vigil.watch.Backend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code vigil.*} properties: named watchers ({@code vigil.watch.<name>.*}), the crash reporter
 * ({@code vigil.crash.*}) and the health indicator ({@code vigil.health.*}).
 */
@ConfigurationProperties("vigil")
public class VigilProperties {

    /** Watchers by name; each becomes a {@code FileWatcher} bean named {@code vigilFileWatcher_<name>}. */
    private final Map<String, Watch> watch = new LinkedHashMap<>();
    private final Crash crash = new Crash();
    private final Health health = new Health();

    public Map<String, Watch> getWatch() {
        return watch;
    }

    public Crash getCrash() {
        return crash;
    }

    public Health getHealth() {
        return health;
    }

    /** One named watcher: {@code vigil.watch.<name>.*}. */
    public static class Watch {
        /** The directories watched (at least one); they may not exist yet when the context starts. */
        private List<Path> roots = new ArrayList<>();
        /** Globs of relative paths to deliver (all when empty). */
        private List<String> include = new ArrayList<>();
        /** Globs of relative paths never delivered; an excluded directory is not watched. */
        private List<String> exclude = new ArrayList<>();
        /** The backend: auto, inotify, windows, fsevents, watchservice or polling. */
        private Backend backend = Backend.AUTO;
        /** Whether subdirectories are watched too. */
        private boolean recursive = true;
        /** The bound on undelivered distinct paths per session (the library's default when unset). */
        private Integer maxPendingPaths;

        public List<Path> getRoots() {
            return roots;
        }

        public void setRoots(List<Path> roots) {
            this.roots = roots;
        }

        public List<String> getInclude() {
            return include;
        }

        public void setInclude(List<String> include) {
            this.include = include;
        }

        public List<String> getExclude() {
            return exclude;
        }

        public void setExclude(List<String> exclude) {
            this.exclude = exclude;
        }

        public Backend getBackend() {
            return backend;
        }

        public void setBackend(Backend backend) {
            this.backend = backend;
        }

        public boolean isRecursive() {
            return recursive;
        }

        public void setRecursive(boolean recursive) {
            this.recursive = recursive;
        }

        public Integer getMaxPendingPaths() {
            return maxPendingPaths;
        }

        public void setMaxPendingPaths(Integer maxPendingPaths) {
            this.maxPendingPaths = maxPendingPaths;
        }
    }

    /** The crash reporter: {@code vigil.crash.*}. */
    public static class Crash {
        /** Whether the crash reporter is installed with the context. */
        private boolean enabled = true;
        /** The file name prefix of dumps; default {@code spring.application.name}, else {@code application}. */
        private String name;
        /** Where dumps are written; default {@code crash-dumps} under the working directory. */
        private Path dir;
        /** Dumps written for every in-process event without being asked: thread-dump and/or flight-recording. */
        private Set<DumpFile.Format> automaticDumps = EnumSet.of(DumpFile.Format.THREAD_DUMP);
        /** Whether a continuous flight recording runs (needed for flight-recording dumps; costs ~1 MB a dump). */
        private boolean flightRecorder = false;
        /** How many recent crash events the actuator endpoint lists. */
        private int recentEvents = 64;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public Path getDir() {
            return dir;
        }

        public void setDir(Path dir) {
            this.dir = dir;
        }

        public Set<DumpFile.Format> getAutomaticDumps() {
            return automaticDumps;
        }

        public void setAutomaticDumps(Set<DumpFile.Format> automaticDumps) {
            this.automaticDumps = automaticDumps;
        }

        public boolean isFlightRecorder() {
            return flightRecorder;
        }

        public void setFlightRecorder(boolean flightRecorder) {
            this.flightRecorder = flightRecorder;
        }

        public int getRecentEvents() {
            return recentEvents;
        }

        public void setRecentEvents(int recentEvents) {
            this.recentEvents = recentEvents;
        }
    }

    /** The health indicator: {@code vigil.health.*}. */
    public static class Health {
        /** How long after an overflow the health details say {@code overflowRecently: true}. */
        private Duration overflowWindow = Duration.ofMinutes(5);

        public Duration getOverflowWindow() {
            return overflowWindow;
        }

        public void setOverflowWindow(Duration overflowWindow) {
            this.overflowWindow = overflowWindow;
        }
    }
}
