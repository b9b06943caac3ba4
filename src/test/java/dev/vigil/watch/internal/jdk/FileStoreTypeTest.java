package dev.vigil.watch.internal.jdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the JDK {@code WatchService} backend (the automatic choice where no native backend can run) tells a root whose
 * changes it would miss: the type the JDK gives its file store, injected here; the real type of the temporary
 * directory, and of a real FUSE mount in {@code LinuxPerRootBackendTest}.
 */
class FileStoreTypeTest {

    @TempDir
    Path dir;

    @Test
    void remoteAndFuseStoresAreUnwatchableAndSaySo() {
        Path root = Path.of("share");
        assertThat(JdkWatchServiceBackend.whyUnwatchable(root, "nfs4")).hasValue("share is on a file system of type "
                + "nfs4, whose changes made by other machines or beneath it the JDK's WatchService does not see");
        for (String type : List.of("nfs", "cifs", "smb3", "smbfs", "9p", "ceph", "afs", "virtiofs", "fuse",
                "fuse.sshfs", "fuseblk", "macfuse", "FUSE.rclone")) {
            assertThat(JdkWatchServiceBackend.whyUnwatchable(root, type)).as(type).isPresent();
        }
    }

    @Test
    void localStoresKeepTheWatchService() {
        for (String type : List.of("ext4", "xfs", "btrfs", "tmpfs", "overlay", "apfs", "NTFS", "zfs", "")) {
            assertThat(JdkWatchServiceBackend.whyUnwatchable(Path.of("data"), type)).as(type).isEmpty();
        }
        assertThat(JdkWatchServiceBackend.shared().cannotWatch(dir)).isEmpty();
        assertThat(JdkWatchServiceBackend.shared().cannotWatch(dir.resolve("missing"))).isEmpty();
    }
}
