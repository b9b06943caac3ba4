package dev.vigil.watch;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The mechanism a {@link FileWatcher} uses to learn about changes, chosen with
 * {@link FileWatcher.Builder#backend(Backend)} or, for every watcher of the JVM, with the system property
 * {@value #PROPERTY}.
 *
 * <h2>Choice</h2>
 * <ul>
 *   <li>The system property {@value #PROPERTY}, when set, wins over every builder: it is the operator's switch.
 *       Its values are the {@linkplain #propertyValue() property values} of the constants ({@code auto},
 *       {@code inotify}, {@code windows}, {@code fsevents}, {@code watchservice}, {@code polling}); {@code auto}
 *       forces the automatic choice even where a builder named a backend. It is read each time a session starts
 *       (and checked by {@link FileWatcher.Builder#build()}); an unknown value fails with an
 *       {@link IllegalArgumentException} listing the valid ones.</li>
 *   <li>Otherwise the builder's choice, {@link #AUTO} by default.</li>
 *   <li>{@link #AUTO} takes, for each root, the available backend of highest priority: the native one of the OS
 *       ({@link #INOTIFY}, {@link #WINDOWS}), else {@link #WATCH_SERVICE}, else {@link #POLLING}; but a root whose
 *       file system does not report its changes to that backend gets {@link #POLLING}, while the other roots of
 *       the same watcher keep the native one. On Linux that is a root on NFS, SMB/CIFS, 9p (WSL's {@code /mnt/c},
 *       VM shares), FUSE (sshfs, bindfs, virtiofs), Ceph, AFS, Coda, GFS2, OCFS2 or Lustre, told by the
 *       {@code statfs(2)} type of its file system (overlayfs, tmpfs and local disks keep inotify; where the JDK's
 *       {@code WatchService} is the choice, by the type of its {@link java.nio.file.FileStore}); on Windows a
 *       root on a network drive ({@code GetDriveTypeW} says {@code DRIVE_REMOTE}: mapped drives, UNC shares). The
 *       choice is made for the root itself: a mount point below it does not change it. When a native
 *       backend exists for the OS but cannot be used (JNA cannot load its native library, for example from a
 *       {@code noexec} temporary directory; the kernel refuses an inotify instance), the reason is logged once at
 *       {@code INFO} through {@link System.Logger} ({@code dev.vigil.watch}) and kept in the messages.</li>
 *   <li>A backend named explicitly (builder or property) is used for every root, whatever its file system (for
 *       example {@link #WINDOWS} for an SMB share whose server does send change notifications). One that is not
 *       available here makes the session fail with a {@link WatchException} saying why (for example "inotify:
 *       Linux only").</li>
 * </ul>
 * {@link FileWatcher#backends()} tells which backend each root gets; each session also logs it, and why, at
 * {@code DEBUG}.
 */
public enum Backend {
    /** The best available backend (see the class documentation). */
    AUTO("auto"),
    /**
     * Linux inotify through JNA: one watch per directory, renames paired by the kernel's cookie, kernel queue
     * overflows reported. Linux only.
     */
    INOTIFY("inotify"),
    /**
     * Windows {@code ReadDirectoryChangesExW}/{@code ReadDirectoryChangesW} on an I/O completion port through JNA:
     * one handle per root for its whole subtree. Windows only.
     */
    WINDOWS("windows"),
    /**
     * macOS FSEvents through JNA: one stream per root for its whole subtree, renames paired by inode (macOS 10.13+),
     * coalesced flags resolved against the disk, {@code MustScanSubDirs} and dropped events reported as
     * {@code OVERFLOW} and rescanned. macOS only. <strong>Not yet run on macOS</strong> (tested with recorded
     * callback sequences on Linux), so {@link #AUTO} does not choose it: name it to use it.
     */
    FSEVENTS("fsevents"),
    /**
     * The JDK's {@link java.nio.file.WatchService}, one registration per directory: portable, needs no native code,
     * but renames are reported as {@code DELETED} plus {@code CREATED}, and how fast and how completely it reports
     * depends on the JDK's implementation for the OS (inotify on Linux; a polling implementation on macOS).
     */
    WATCH_SERVICE("watchservice"),
    /**
     * Pure Java polling: every watched directory is listed and its entries' attributes read every
     * {@linkplain FileWatcher.Builder#pollInterval(java.time.Duration) poll interval}, and the difference with the
     * previous listing is reported. Works on every file system the JDK can list (network and FUSE mounts, WSL's
     * {@code /mnt/c}) at a CPU cost proportional to the number of entries watched, and with a latency of up to one
     * interval. Changes that come and go between two polls are not seen.
     */
    POLLING("polling");

    /** The system property that forces a backend for every watcher of the JVM. */
    public static final String PROPERTY = "vigil.watch.backend";

    private final String propertyValue;

    Backend(String propertyValue) {
        this.propertyValue = propertyValue;
    }

    /** The value naming this backend in {@value #PROPERTY} (lower case, e.g. {@code watchservice}). */
    public String propertyValue() {
        return propertyValue;
    }

    /**
     * The backend named by {@code value}, as in {@value #PROPERTY} (surrounding blanks and case ignored).
     *
     * @throws IllegalArgumentException for any other value, listing the valid ones
     */
    public static Backend fromPropertyValue(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (Backend b : values()) {
            if (b.propertyValue.equals(v)) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown file-watching backend '" + value + "'; valid values: "
                + Arrays.stream(values()).map(Backend::propertyValue).collect(Collectors.joining(", ")));
    }
}
