package dev.vigil.watch.internal.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import dev.vigil.watch.internal.linux.jna.Inotify;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The file systems whose changes inotify does not see, told by the {@code f_type} magic of {@code statfs(2)}
 * ({@code <linux/magic.h>}). Inotify reports what this kernel's own system calls change: on a network file system
 * (NFS, SMB/CIFS, Ceph, AFS, Coda), a cluster one (GFS2, OCFS2, Lustre), 9p (WSL's {@code /mnt/c}, VM shares) or a
 * FUSE one (sshfs, bindfs, virtiofs, rclone), changes made by other machines, the host, or beneath the FUSE server
 * never reach it. Overlayfs, tmpfs and the local disk file systems deliver events and are not listed.
 */
final class FileSystems {

    static final long NFS = 0x6969L;
    static final long SMB = 0x517BL;
    static final long SMB2 = 0xFE534D42L;
    static final long CIFS = 0xFF534D42L;
    static final long V9FS = 0x01021997L;
    static final long FUSE = 0x65735546L;
    static final long CEPH = 0x00C36400L;
    static final long KAFS = 0x6B414653L;
    static final long OPENAFS = 0x5346414FL;
    static final long CODA = 0x73757245L;
    static final long GFS2 = 0x01161970L;
    static final long OCFS2 = 0x7461636FL;
    static final long LUSTRE = 0x0BD00BD0L;

    private static final Map<Long, String> UNWATCHABLE = Map.ofEntries(
            Map.entry(NFS, "NFS"), Map.entry(SMB, "SMB"), Map.entry(SMB2, "SMB2"), Map.entry(CIFS, "CIFS"),
            Map.entry(V9FS, "9p"), Map.entry(FUSE, "FUSE"), Map.entry(CEPH, "Ceph"), Map.entry(KAFS, "AFS"),
            Map.entry(OPENAFS, "OpenAFS"), Map.entry(CODA, "Coda"), Map.entry(GFS2, "GFS2"),
            Map.entry(OCFS2, "OCFS2"), Map.entry(LUSTRE, "Lustre"));

    private FileSystems() {
    }

    /**
     * The {@code f_type} of the file system holding {@code path}.
     *
     * @throws LastErrorException when {@code statfs} fails (its errno)
     */
    static long type(Path path) {
        byte[] buf = new byte[Inotify.STATFS_SIZE];
        Inotify.statfs((path.toAbsolutePath() + "\0").getBytes(StandardCharsets.UTF_8), buf);
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
        long type = Native.LONG_SIZE == 8 && !"s390x".equals(Platform.ARCH) ? b.getLong(0) : b.getInt(0);
        return type & 0xFFFF_FFFFL; // magic numbers are 32-bit; some are stored sign-extended
    }

    /**
     * Why inotify misses changes under {@code root} when its file system has the type {@code fType}, or empty when
     * it does not.
     */
    static Optional<String> whyUnwatchable(Path root, long fType) {
        String name = UNWATCHABLE.get(fType);
        if (name == null) {
            return Optional.empty();
        }
        return Optional.of(root + " is on a " + name + " file system (statfs f_type 0x" + Long.toHexString(fType)
                + "), where inotify does not see changes made by other machines or beneath the file system");
    }
}
