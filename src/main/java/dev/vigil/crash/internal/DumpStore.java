package dev.vigil.crash.internal;

import dev.vigil.crash.DumpFile;
import dev.vigil.crash.DumpRefusedException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
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
 * limit. A failed write or claim removes its temporary file, so that only complete dumps ever carry a dump name, and
 * a file-system failure (the directory deleted, read-only, full, not writable) is explained in one
 * {@link FileSystemException} naming the directory, the cause and what to do. Thread-safe.
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
    /** Files placed, by format's ordinal (metrics). */
    private final java.util.concurrent.atomic.AtomicLongArray placedByFormat =
            new java.util.concurrent.atomic.AtomicLongArray(DumpFile.Format.values().length);
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

    /** How many files of {@code format} were placed in the directory so far (written, or claimed from dead JVMs). */
    public long placed(DumpFile.Format format) {
        return placedByFormat.get(format.ordinal());
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
        Path target;
        try {
            writer.write(temp);
            if (!Files.isRegularFile(temp)) {
                throw new NoSuchFileException(temp.toString(), null, "the " + format + " writer produced no file");
            }
            OwnerOnly.file(temp);
            target = link(temp, format, time);
        } catch (IOException e) {
            long tried = discard(temp, e);
            throw explain("write a " + format + " dump in", tried, e);
        } catch (RuntimeException | Error e) {
            discard(temp, e);
            throw e;
        }
        Files.deleteIfExists(temp);
        return placed(target, format, time);
    }

    /**
     * Moves a file another process left (an {@code hs_err} report, a core) into the directory under Vigil's naming,
     * keeping its modification time. Not rate limited: the file exists already.
     */
    public DumpFile claim(Path source, DumpFile.Format format, Instant time) throws IOException {
        Path temp = directory.resolve(TEMP_PREFIX + UUID.randomUUID() + "." + format.extension());
        Path target;
        try {
            try {
                Files.move(source, temp, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException otherFileSystem) {
                Files.move(source, temp, StandardCopyOption.COPY_ATTRIBUTES);
            }
            OwnerOnly.file(temp);
            target = link(temp, format, time);
        } catch (IOException e) {
            long tried = giveBack(temp, source, e);
            throw explain("move " + source + " into", tried, e);
        } catch (RuntimeException | Error e) {
            giveBack(temp, source, e);
            throw e;
        }
        Files.deleteIfExists(temp);
        return placed(target, format, time);
    }

    /**
     * Removes a temporary file after a failure, and says how large it had grown (0 if it was not created); a failure
     * to remove it is added to {@code failure}.
     */
    private static long discard(Path temp, Throwable failure) {
        long size = 0;
        try {
            if (Files.isRegularFile(temp, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                size = Files.size(temp);
            }
            Files.deleteIfExists(temp);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
        return size;
    }

    /**
     * Moves a claimed file that could not be placed back where it was found (it is the only copy), and says how large
     * it is (0 if it never reached the directory). If that fails too, it stays under its temporary name, which the
     * failure added to {@code failure} names.
     */
    private static long giveBack(Path temp, Path source, Throwable failure) {
        long size = 0;
        try {
            if (Files.isRegularFile(temp, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                size = Files.size(temp);
                Files.move(temp, source);
            }
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
        return size;
    }

    /**
     * The failure of {@code action} in the directory, explained when the directory shows why: deleted, read-only,
     * full or not writable. Other failures (a refusal, a writer's own error, a cause the directory does not show) are
     * returned as they are.
     */
    private IOException explain(String action, long tried, IOException e) {
        if (e instanceof DumpRefusedException) {
            return e;
        }
        // the OS's words ("No space left on device"), or the exception when it has none (NoSuchFileException)
        String reason = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason()
                : e instanceof FileSystemException ? e.getClass().getSimpleName() + ": " + e.getMessage()
                : String.valueOf(e.getMessage());
        String diagnosis;
        boolean missing = false;
        try {
            diagnosis = diagnose(reason, tried);
            missing = !Files.isDirectory(directory);
        } catch (IOException | RuntimeException unreadable) {
            e.addSuppressed(unreadable);
            diagnosis = null;
        }
        if (diagnosis == null) {
            return e;
        }
        String message = "could not " + action + " the dump directory (" + reason + "): " + diagnosis;
        FileSystemException explained = missing ? new NoSuchFileException(directory.toString(), null, message)
                : new FileSystemException(directory.toString(), null, message);
        explained.initCause(e);
        return explained;
    }

    /** What is wrong with the directory, and what to do about it; null when nothing is. */
    private String diagnose(String reason, long tried) throws IOException {
        if (!Files.isDirectory(directory)) {
            return "it no longer exists (was it deleted while the reporter ran?); create it again, or close every "
                    + "CrashReporter handle and install again, which creates it";
        }
        FileStore store = Files.getFileStore(directory);
        if (store.isReadOnly()) {
            return "the file system holding it (" + store + ") is mounted read-only; remount it read-write, or "
                    + "choose a writable directory with CrashReporterOptions.withDumpDirectory";
        }
        long usable = store.getUsableSpace();
        if (usable < Math.max(tried, 1L << 20) || reason.contains("No space left") || reason.contains("quota")) {
            return "the file system holding it (" + store + ") is full (" + usable + " bytes usable); free space "
                    + "there, keep fewer dumps with CrashReporterOptions.withRetention, or choose a larger file system "
                    + "with CrashReporterOptions.withDumpDirectory";
        }
        if (!Files.isWritable(directory)) {
            return "this process may not write in it; give its user write permission, or choose another directory "
                    + "with CrashReporterOptions.withDumpDirectory";
        }
        return null;
    }

    /** Gives the complete temporary file its dump name (a second link to it); returns that name. */
    private Path link(Path temp, DumpFile.Format format, Instant time) throws IOException {
        String base = name + "_" + STAMP.format(time);
        Path target;
        synchronized (placing) {
            // Within one second, indexes only grow: a name freed by retention is not given to a newer file.
            String key = base + "." + format.extension();
            int n = key.equals(lastBase) ? lastIndex + 1 : 0;
            for (; ; n++) {
                target = directory.resolve(base + (n == 0 ? "" : "-" + n) + "." + format.extension());
                if (linkUnlessTaken(temp, target)) {
                    break;
                }
            }
            lastBase = key;
            lastIndex = n;
        }
        return target;
    }

    /** Describes a placed dump, then applies retention (never to it). */
    private DumpFile placed(Path target, DumpFile.Format format, Instant time) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(target, BasicFileAttributes.class);
        DumpFile placed = new DumpFile(target, format, attrs.size(), time);
        placedByFormat.incrementAndGet(format.ordinal());
        applyRetention(target);
        return placed;
    }

    /** Links {@code temp} to {@code target} unless {@code target} exists; false if it does. */
    private static boolean linkUnlessTaken(Path temp, Path target) throws IOException {
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
