package dev.vigil.crash.internal;

import dev.vigil.crash.DumpFile;
import dev.vigil.crash.DumpRefusedException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * The dump directory: names files {@code <name>_<yyyyMMdd-HHmmss>[-n].<ext>}, writes them under a temporary name,
 * links them into place without ever overwriting, restricts them to the owner, applies retention and the dump rate
 * limit. Thread-safe.
 */
public final class DumpStore {

    /** Writes the content of a dump to a path that does not exist yet. */
    @FunctionalInterface
    public interface Writer {
        /** Writes the dump to {@code target}. */
        void write(Path target) throws IOException;
    }

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneId.systemDefault());
    private static final String TEMP_PREFIX = ".vigil-tmp-";

    private final Path directory;
    private final String name;
    private final int maxFiles;
    private final long maxBytes;
    private final RateWindow rate;
    private final Object placing = new Object();
    private String lastBase = "";
    private int lastIndex;

    /** A store over {@code directory} (created owner-only when missing). */
    public DumpStore(Path directory, String name, int maxFiles, long maxBytes, RateWindow rate) throws IOException {
        this.directory = OwnerOnly.createDirectories(directory);
        this.name = name;
        this.maxFiles = maxFiles;
        this.maxBytes = maxBytes;
        this.rate = rate;
    }

    /** The absolute dump directory. */
    public Path directory() {
        return directory;
    }

    /** The file name prefix. */
    public String name() {
        return name;
    }

    /** How many dumps the rate limit refused so far. */
    public long refusedDumps() {
        return rate.refusedTotal();
    }

    /**
     * Writes a new dump: takes a rate permit, lets {@code writer} fill a temporary file (whose name ends with the
     * format's extension, as {@code dumpHeap} requires), then places it.
     *
     * @throws DumpRefusedException when the dump rate limit is reached
     */
    public DumpFile write(DumpFile.Format format, Instant time, Writer writer) throws IOException {
        if (!rate.tryAcquire()) {
            throw new DumpRefusedException("dump rate limit of " + rate.describe() + " reached ("
                    + rate.refusedTotal() + " refused so far); raise it with CrashReporterOptions.withDumpRateLimit");
        }
        Path temp = directory.resolve(TEMP_PREFIX + UUID.randomUUID() + "." + format.extension());
        try {
            writer.write(temp);
            if (!Files.isRegularFile(temp)) {
                throw new NoSuchFileException(temp.toString(), null, "the " + format + " writer produced no file");
            }
            OwnerOnly.file(temp);
            return place(temp, format, time);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Moves a file another process left (an {@code hs_err} report, a core) into the directory under Vigil's naming,
     * keeping its modification time. Not rate limited: the file exists already.
     */
    public DumpFile claim(Path source, DumpFile.Format format, Instant time) throws IOException {
        Path temp = directory.resolve(TEMP_PREFIX + UUID.randomUUID() + "." + format.extension());
        try {
            try {
                Files.move(source, temp, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException otherFileSystem) {
                Files.move(source, temp, StandardCopyOption.COPY_ATTRIBUTES);
            }
            OwnerOnly.file(temp);
            return place(temp, format, time);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private DumpFile place(Path temp, DumpFile.Format format, Instant time) throws IOException {
        String base = name + "_" + STAMP.format(time);
        Path target;
        synchronized (placing) {
            // Within one second, indexes only grow: a name freed by retention is not given to a newer file.
            String key = base + "." + format.extension();
            int n = key.equals(lastBase) ? lastIndex + 1 : 0;
            for (; ; n++) {
                target = directory.resolve(base + (n == 0 ? "" : "-" + n) + "." + format.extension());
                if (link(temp, target)) {
                    break;
                }
            }
            lastBase = key;
            lastIndex = n;
        }
        BasicFileAttributes attrs = Files.readAttributes(target, BasicFileAttributes.class);
        DumpFile placed = new DumpFile(target, format, attrs.size(), time);
        applyRetention(target);
        return placed;
    }

    /** Links {@code temp} to {@code target} unless {@code target} exists; false if it does. */
    private static boolean link(Path temp, Path target) throws IOException {
        try {
            Files.createLink(target, temp);
            return true;
        } catch (FileAlreadyExistsException taken) {
            return false;
        } catch (UnsupportedOperationException | java.nio.file.FileSystemException noHardLinks) {
            // No hard links here (FAT, some network shares): an exists-check then a plain move. Only processes
            // other than this one, writing the same name in the same second, can race with it.
            if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            Files.move(temp, target);
            return true;
        }
    }

    private void applyRetention(Path keep) throws IOException {
        List<Artifacts.Listed> files = Artifacts.regularFiles(directory, name + "_*");
        files.sort(Comparator.comparing((Artifacts.Listed l) -> l.attributes().lastModifiedTime())
                .thenComparing(l -> l.path().toString()));
        long total = files.stream().mapToLong(l -> l.attributes().size()).sum();
        int count = files.size();
        for (Artifacts.Listed l : files) {
            if (count <= maxFiles && total <= maxBytes) {
                break;
            }
            if (l.path().equals(keep)) {
                continue;
            }
            Files.deleteIfExists(l.path());
            count--;
            total -= l.attributes().size();
        }
    }
}
