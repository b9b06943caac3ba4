package dev.vigil.watch.internal.linux.jna;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * libc's {@code open}, {@code getdents64} and {@code close}, direct-mapped (non-API). Loading this class fails
 * with a {@link LinkageError} where libc lacks {@code getdents64} (glibc before 2.30): callers fall back then.
 */
public final class Dirents {
    static {
        Native.register(Dirents.class, Platform.C_LIBRARY_NAME);
    }

    /** {@code O_RDONLY | O_DIRECTORY | O_CLOEXEC} (O_DIRECTORY is 0x4000 on ARM and PowerPC, 0x10000 elsewhere). */
    public static final int OPEN_DIRECTORY = directoryFlag() | 0x80000;

    /** {@code d_type} values. */
    public static final int DT_UNKNOWN = 0;
    /** A directory. */
    public static final int DT_DIR = 4;

    /** Offsets in {@code struct linux_dirent64}: ino (8), off (8), reclen (2), type (1), name. */
    public static final int RECLEN_OFFSET = 16;
    /** Offset of {@code d_type}. */
    public static final int TYPE_OFFSET = 18;
    /** Offset of {@code d_name}. */
    public static final int NAME_OFFSET = 19;

    private Dirents() {
    }

    private static int directoryFlag() {
        return Platform.isARM() || Platform.isPPC() ? 0x4000 : 0x10000;
    }

    /** {@code open(2)}; {@code pathname} is NUL-terminated. */
    public static native int open(byte[] pathname, int flags) throws LastErrorException;

    /** {@code getdents64(2)}: fills {@code dirp} with records; 0 at the end of the directory. */
    public static native NativeLong getdents64(int fd, Pointer dirp, NativeLong count) throws LastErrorException;

    /** {@code close(2)}. */
    public static native int close(int fd) throws LastErrorException;
}
