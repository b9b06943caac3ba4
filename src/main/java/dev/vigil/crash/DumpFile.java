package dev.vigil.crash;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * A dump or crash artifact on disk, as delivered by {@link CrashEvent#dump()}.
 *
 * <p>Immutable value. The file was complete when this value was created: Vigil writes every dump under a
 * temporary name and links it into place only once it is fully written, and it claims files written by the JVM
 * (such as {@code hs_err_pid*.log}) only once they stopped growing. Files Vigil names follow
 * {@code <name>_<yyyyMMdd-HHmmss>[-n].<ext>} (see {@link CrashReporterOptions#withName(String)}); the extension is
 * {@link Format#extension()}. Retention ({@link CrashReporterOptions#withRetention(int, long)}) may delete the
 * file later; this value does not follow it.
 *
 * @param path    the absolute path of the file
 * @param format  what the file contains
 * @param size    its size in bytes when it was placed
 * @param created when it was placed (for claimed artifacts: when the crashed process last wrote it)
 */
public record DumpFile(Path path, Format format, long size, Instant created) {

    /** What a {@link DumpFile} contains, with the extension Vigil gives it. */
    public enum Format {
        /**
         * A thread dump of every platform thread in {@code jstack -l} text format: stacks, locked monitors and
         * ownable synchronizers, and the "Found one Java-level deadlock" section when there is one.
         */
        THREAD_DUMP("tdump"),
        /**
         * A JDK Flight Recorder file: a snapshot of the continuous recording started at install (the last
         * {@link CrashReporterOptions#withFlightRecorder(java.time.Duration, long) minutes} before the event), or
         * the emergency recording HotSpot wrote next to an {@code hs_err} file.
         */
        FLIGHT_RECORDING("jfr"),
        /** A heap dump in HPROF format. Holds every secret in the heap: opt-in only. */
        HEAP_DUMP("hprof"),
        /** A Windows minidump ({@code MiniDumpWriteDump}, or the one HotSpot writes on Windows). Windows only. */
        WINDOWS_MINIDUMP("mdmp"),
        /** HotSpot's fatal error report ({@code hs_err_pid<pid>.log}), claimed after a native crash. */
        HS_ERR("log"),
        /** An operating-system core file left by a crashed process. */
        CORE("core");

        private final String extension;

        Format(String extension) {
            this.extension = extension;
        }

        /** The file name extension Vigil uses for this format, without the dot. */
        public String extension() {
            return extension;
        }
    }

    /** Checks that no component is null and that {@code size} is not negative. */
    public DumpFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(created, "created");
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative, was " + size);
        }
    }
}
