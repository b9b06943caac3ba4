package dev.vigil.watch.internal.linux;

import dev.vigil.watch.WatchException;
import dev.vigil.watch.WatchLimitException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Turns an {@code errno} from a failed libc call into the exception the backend throws: the single place
 * where native failures are translated. Touches no native code, so it also serves the probe.
 */
final class Errors {

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int ENOTDIR = 20;
    static final int EINVAL = 22;
    static final int EMFILE = 24;
    static final int ENOSPC = 28;
    static final int ENAMETOOLONG = 36;
    static final int ELOOP = 40;

    static final String MAX_USER_WATCHES = "fs.inotify.max_user_watches";
    static final String MAX_USER_INSTANCES = "fs.inotify.max_user_instances";

    /** Name and glibc text of the errno values these calls can return (asm-generic numbering). */
    private static final Map<Integer, String[]> ERRNOS = Map.ofEntries(
            Map.entry(EPERM, new String[] {"EPERM", "Operation not permitted"}),
            Map.entry(ENOENT, new String[] {"ENOENT", "No such file or directory"}),
            Map.entry(EINTR, new String[] {"EINTR", "Interrupted system call"}),
            Map.entry(5, new String[] {"EIO", "Input/output error"}),
            Map.entry(EBADF, new String[] {"EBADF", "Bad file descriptor"}),
            Map.entry(EAGAIN, new String[] {"EAGAIN", "Resource temporarily unavailable"}),
            Map.entry(ENOMEM, new String[] {"ENOMEM", "Cannot allocate memory"}),
            Map.entry(EACCES, new String[] {"EACCES", "Permission denied"}),
            Map.entry(14, new String[] {"EFAULT", "Bad address"}),
            Map.entry(19, new String[] {"ENODEV", "No such device"}),
            Map.entry(ENOTDIR, new String[] {"ENOTDIR", "Not a directory"}),
            Map.entry(21, new String[] {"EISDIR", "Is a directory"}),
            Map.entry(EINVAL, new String[] {"EINVAL", "Invalid argument"}),
            Map.entry(23, new String[] {"ENFILE", "Too many open files in system"}),
            Map.entry(EMFILE, new String[] {"EMFILE", "Too many open files"}),
            Map.entry(ENOSPC, new String[] {"ENOSPC", "No space left on device"}),
            Map.entry(ENAMETOOLONG, new String[] {"ENAMETOOLONG", "File name too long"}),
            Map.entry(38, new String[] {"ENOSYS", "Function not implemented"}),
            Map.entry(ELOOP, new String[] {"ELOOP", "Too many levels of symbolic links"}));

    private Errors() {
    }

    /** E.g. {@code "Permission denied (EACCES 13)"}, or {@code "errno 77"} for a value not in the table. */
    static String describe(int errno) {
        String[] known = ERRNOS.get(errno);
        return known == null ? "errno " + errno : known[1] + " (" + known[0] + " " + errno + ")";
    }

    /** A failed call with nothing more specific to say, e.g. {@code read(inotify fd 7) failed: ...}. */
    static WatchException syscall(String call, String subject, int errno, Throwable cause) {
        return new WatchException(call + "(" + subject + ") failed: " + describe(errno), null, call, errno, cause);
    }

    /**
     * Whether {@code inotify_add_watch} failing with {@code errno} concerns only the directory (it vanished, is a
     * file or a link, cannot be read, or its path is too long), so that the rest of the tree can still be watched.
     * Any other failure ({@code ENOSPC}, {@code ENOMEM}, {@code EBADF}, ...) leaves the tree partly unwatched.
     */
    static boolean isTheDirectorys(int errno) {
        return errno == ENOENT || errno == ENOTDIR || errno == EACCES || errno == EPERM || errno == ENAMETOOLONG
                || errno == ELOOP;
    }

    /**
     * Whether {@code inotify_add_watch} failing with {@code errno} leaves the channel unable to keep its tree
     * watched, so that it fails: any failure but the directory's own ({@link #isTheDirectorys}) and the watch limit
     * ({@code ENOSPC}), after which the channel keeps its watches and the caller decides (end the session, or poll
     * the directories beyond the limit).
     */
    static boolean failsTheChannel(int errno) {
        return !isTheDirectorys(errno) && errno != ENOSPC;
    }

    /** What {@code inotify_add_watch(dir)} failing with {@code errno} means to the caller. */
    static IOException addWatch(Path dir, int errno, Throwable cause) {
        String failed = "inotify_add_watch(" + dir + ") failed: " + describe(errno);
        switch (errno) {
            case ENOENT:
            case ENOTDIR: // IN_ONLYDIR: it is a file, or a symbolic link (IN_DONT_FOLLOW)
                NoSuchFileException gone = new NoSuchFileException(dir.toString(), null,
                        "inotify_add_watch failed: " + describe(errno));
                gone.initCause(cause);
                return gone;
            case ENOSPC:
                return new WatchLimitException(failed + ": " + limitReached(MAX_USER_WATCHES, "524288"), dir,
                        "inotify_add_watch", errno, MAX_USER_WATCHES);
            default:
                return new WatchException(failed, dir, "inotify_add_watch", errno, cause);
        }
    }

    /** What {@code inotify_init1} failing with {@code errno} means to the caller. */
    static WatchException init(int errno, Throwable cause) {
        String failed = "inotify_init1 failed: " + describe(errno);
        if (errno == EMFILE) {
            return new WatchLimitException(failed + ": " + limitReached(MAX_USER_INSTANCES, "1024")
                    + " (or this process has no file descriptor left: see ulimit -n)", null, "inotify_init1",
                    errno, MAX_USER_INSTANCES);
        }
        return new WatchException(failed, null, "inotify_init1", errno, cause);
    }

    private static String limitReached(String sysctl, String suggestion) {
        Path file = Path.of("/proc/sys", sysctl.replace('.', '/'));
        String current = currentValue(file);
        return "the per-user limit " + sysctl + " ("
                + (current == null ? "its value could not be read from " + file
                        : "currently " + current + ", read from " + file)
                + ") is reached; raise it, e.g. sysctl " + sysctl + "=" + suggestion;
    }

    /** The first line of a procfs file, or {@code null}. (Files.readString misreads procfs on some kernels.) */
    static String currentValue(Path procFile) {
        try {
            List<String> lines = Files.readAllLines(procFile);
            return lines.isEmpty() ? null : lines.get(0).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
