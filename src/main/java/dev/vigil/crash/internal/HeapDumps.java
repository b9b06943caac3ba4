package dev.vigil.crash.internal;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.vigil.crash.DumpRefusedException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** Heap dumps through {@link HotSpotDiagnosticMXBean}, and the runtime switch of HotSpot's heap-dump-on-OOM flags. */
public final class HeapDumps {
    private HeapDumps() {
    }

    static HotSpotDiagnosticMXBean bean() {
        return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    }

    /** Dumps the live heap to {@code target} (which must end in {@code .hprof} and not exist). */
    public static void dump(Path target) throws IOException {
        Runtime rt = Runtime.getRuntime();
        long needed = rt.totalMemory() - rt.freeMemory();
        long usable = Files.getFileStore(target.getParent()).getUsableSpace();
        if (usable < needed + (64L << 20)) {
            throw new DumpRefusedException("not enough disk space for a heap dump in " + target.getParent() + ": "
                    + usable + " bytes usable, about " + needed + " needed plus 64 MiB to spare");
        }
        bean().dumpHeap(target.toString(), true);
    }

    /** The value of a VM option. */
    public static String option(String name) {
        return bean().getVMOption(name).getValue();
    }

    /** Switches on {@code HeapDumpOnOutOfMemoryError}; returns what restores the previous values. */
    public static AutoCloseable enableOnOutOfMemory(Path directory) {
        HotSpotDiagnosticMXBean b = bean();
        String previousOn = b.getVMOption("HeapDumpOnOutOfMemoryError").getValue();
        String previousPath = b.getVMOption("HeapDumpPath").getValue();
        boolean setPath = previousPath.isEmpty();
        if (setPath) {
            b.setVMOption("HeapDumpPath", directory.toString());
        }
        b.setVMOption("HeapDumpOnOutOfMemoryError", "true");
        return () -> {
            b.setVMOption("HeapDumpOnOutOfMemoryError", previousOn);
            if (setPath) {
                b.setVMOption("HeapDumpPath", previousPath);
            }
        };
    }

    /** Where HotSpot writes this process's out-of-memory heap dump, given {@code HeapDumpPath}. */
    public static Path outOfMemoryDump(long pid) {
        String path = option("HeapDumpPath");
        String file = "java_pid" + pid + ".hprof";
        if (path.isEmpty()) {
            return Path.of(file).toAbsolutePath();
        }
        Path p = Path.of(path.replace("%p", Long.toString(pid)));
        return Files.isDirectory(p) ? p.resolve(file) : p;
    }
}
