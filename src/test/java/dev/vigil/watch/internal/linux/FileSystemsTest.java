package dev.vigil.watch.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.LastErrorException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the inotify backend tells a file system whose changes it would miss: the real {@code statfs(2)} of this
 * machine's own mounts ({@code /proc}, {@code /sys}, the temporary directory), and injected {@code f_type} values for
 * the network, cluster and FUSE file systems this machine may not have. A real FUSE mount (bindfs) is tested in
 * {@code LinuxPerRootBackendTest}.
 */
@EnabledOnOs(OS.LINUX)
class FileSystemsTest {
    private static final long PROC_SUPER_MAGIC = 0x9fa0L;
    private static final long SYSFS_MAGIC = 0x62656572L;
    private static final long OVERLAYFS_SUPER_MAGIC = 0x794c7630L;
    private static final long TMPFS_MAGIC = 0x01021994L;
    private static final long EXT4_SUPER_MAGIC = 0xEF53L;

    @TempDir
    Path dir;

    @Test
    void statfsReadsTheTypeOfThisMachinesOwnMounts() {
        assertThat(FileSystems.type(Path.of("/proc"))).isEqualTo(PROC_SUPER_MAGIC);
        assertThat(FileSystems.type(Path.of("/sys"))).isEqualTo(SYSFS_MAGIC);
        assertThat(FileSystems.type(dir)).isNotZero().isNotEqualTo(PROC_SUPER_MAGIC);
        // the build's temporary directory is on a local file system, which inotify watches
        assertThat(FileSystems.whyUnwatchable(dir, FileSystems.type(dir))).isEmpty();
        assertThat(InotifyBackend.shared().cannotWatch(dir)).isEmpty();
    }

    @Test
    void aPathStatfsCannotReachIsNoReasonToPoll() {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> FileSystems.type(missing)).isInstanceOf(LastErrorException.class)
                .satisfies(e -> assertThat(((LastErrorException) e).getErrorCode()).isEqualTo(Errors.ENOENT));
        assertThat(InotifyBackend.shared().cannotWatch(missing)).isEmpty(); // the watch reports the real error
    }

    @Test
    void networkClusterAndFuseTypesAreUnwatchableAndSaySo() {
        Path root = Path.of("/mnt/share");
        assertThat(FileSystems.whyUnwatchable(root, FileSystems.NFS)).hasValue("/mnt/share is on a NFS file system "
                + "(statfs f_type 0x6969), where inotify does not see changes made by other machines or beneath the "
                + "file system");
        for (long type : List.of(FileSystems.SMB, FileSystems.SMB2, FileSystems.CIFS, FileSystems.V9FS,
                FileSystems.FUSE, FileSystems.CEPH, FileSystems.KAFS, FileSystems.OPENAFS, FileSystems.CODA,
                FileSystems.GFS2, FileSystems.OCFS2, FileSystems.LUSTRE)) {
            assertThat(FileSystems.whyUnwatchable(root, type)).as("0x%x", type).get().asString()
                    .contains("f_type 0x" + Long.toHexString(type));
        }
        assertThat(FileSystems.whyUnwatchable(root, FileSystems.FUSE).orElseThrow()).contains("a FUSE file system");
        assertThat(FileSystems.whyUnwatchable(root, FileSystems.CIFS).orElseThrow()).contains("a CIFS file system");
    }

    @Test
    void localAndOverlayTypesKeepInotify() {
        Path root = Path.of("/data");
        for (long type : List.of(EXT4_SUPER_MAGIC, TMPFS_MAGIC, OVERLAYFS_SUPER_MAGIC, PROC_SUPER_MAGIC, 0L)) {
            assertThat(FileSystems.whyUnwatchable(root, type)).as("0x%x", type).isEmpty();
        }
    }
}
