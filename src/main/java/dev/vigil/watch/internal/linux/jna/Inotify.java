package dev.vigil.watch.internal.linux.jna;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * Direct-mapped libc calls of the inotify backend (non-API), with the constants of {@code <sys/inotify.h>},
 * {@code <sys/eventfd.h>} and {@code <poll.h>}.
 *
 * <p>Loading this class registers the natives; it fails with a {@link LinkageError} where libc or a symbol is
 * missing (not Linux, no JNA dispatch library), which {@code InotifyBackend}'s probe catches. Calls declared
 * {@code throws LastErrorException} report a failure's {@code errno} through it; JNA clears {@code errno}
 * before such a call and reads it right after, on the calling thread. Flag values are those of the generic
 * Linux ABI (x86, arm, aarch64, riscv, ppc, s390x, loongarch); MIPS differs only in {@code O_NONBLOCK}.
 */
public final class Inotify {

    static {
        Native.register(Inotify.class, Platform.C_LIBRARY_NAME);
    }

    // inotify_init1(2) and eventfd(2) flags: O_NONBLOCK and O_CLOEXEC.
    private static final int O_NONBLOCK = Platform.isMIPS() ? 0x80 : 0x800;
    private static final int O_CLOEXEC = 0x80000;
    /** inotify_init1 flag: non-blocking reads. */
    public static final int IN_NONBLOCK = O_NONBLOCK;
    /** inotify_init1 flag: close on exec. */
    public static final int IN_CLOEXEC = O_CLOEXEC;
    /** eventfd flag: non-blocking reads and writes. */
    public static final int EFD_NONBLOCK = O_NONBLOCK;
    /** eventfd flag: close on exec. */
    public static final int EFD_CLOEXEC = O_CLOEXEC;

    /** A file was modified (write, truncate). */
    public static final int IN_MODIFY = 0x2;
    /** Metadata changed (permissions, timestamps, extended attributes, link count, owner). */
    public static final int IN_ATTRIB = 0x4;
    /** A file opened for writing was closed (not watched: {@link #IN_MODIFY} covers writes). */
    public static final int IN_CLOSE_WRITE = 0x8;
    /** An entry was renamed out of the watched directory; {@code cookie} pairs it. */
    public static final int IN_MOVED_FROM = 0x40;
    /** An entry was renamed into the watched directory; {@code cookie} pairs it. */
    public static final int IN_MOVED_TO = 0x80;
    /** An entry was created. */
    public static final int IN_CREATE = 0x100;
    /** An entry was deleted. */
    public static final int IN_DELETE = 0x200;
    /** The watched directory itself was deleted (an {@link #IN_IGNORED} follows). */
    public static final int IN_DELETE_SELF = 0x400;
    /** The watched directory itself was moved. */
    public static final int IN_MOVE_SELF = 0x800;
    /** (out) The file system holding the watched directory was unmounted. */
    public static final int IN_UNMOUNT = 0x2000;
    /** (out) The kernel queue overflowed; {@code wd} is -1. */
    public static final int IN_Q_OVERFLOW = 0x4000;
    /** (out) The watch was removed, explicitly or because the directory is gone; the wd is dead. */
    public static final int IN_IGNORED = 0x8000;
    /** (in) Fail with {@code ENOTDIR} unless the path is a directory. */
    public static final int IN_ONLYDIR = 0x01000000;
    /** (in) Do not follow a symbolic link in the last path component. */
    public static final int IN_DONT_FOLLOW = 0x02000000;
    /** (in) No events for children after they are unlinked. */
    public static final int IN_EXCL_UNLINK = 0x04000000;
    /** (out) The subject of the event is a directory. */
    public static final int IN_ISDIR = 0x40000000;

    /** Size of {@code struct inotify_event} without its name: wd, mask, cookie, len (4 bytes each). */
    public static final int EVENT_HEADER_SIZE = 16;
    /** Size of the longest event: the header plus NAME_MAX (255) plus the terminating NUL. */
    public static final int EVENT_MAX_SIZE = EVENT_HEADER_SIZE + 256;

    /** poll(2): there is data to read. */
    public static final short POLLIN = 0x1;
    /** Size of {@code struct pollfd}: int fd, short events, short revents. */
    public static final int POLLFD_SIZE = 8;

    private Inotify() {
    }

    /** {@code int inotify_init1(int flags)}: a new inotify instance's fd. */
    public static native int inotify_init1(int flags) throws LastErrorException;

    /**
     * {@code int inotify_add_watch(int fd, const char *pathname, uint32_t mask)}: the watch descriptor, the same
     * one for the same inode.
     *
     * @param pathname the path's bytes, NUL-terminated
     */
    public static native int inotify_add_watch(int fd, byte[] pathname, int mask) throws LastErrorException;

    /** {@code int inotify_rm_watch(int fd, int wd)}: removes a watch; the kernel then queues IN_IGNORED. */
    public static native int inotify_rm_watch(int fd, int wd) throws LastErrorException;

    /** {@code int eventfd(unsigned int initval, int flags)}: a counter fd used as a wake-up signal. */
    public static native int eventfd(int initval, int flags) throws LastErrorException;

    /**
     * {@code int poll(struct pollfd *fds, nfds_t nfds, int timeout)}.
     *
     * @param fds {@code nfds} packed {@code struct pollfd} ({@link #POLLFD_SIZE} bytes each, native order)
     * @param timeout milliseconds, -1 for none
     */
    public static native int poll(Pointer fds, NativeLong nfds, int timeout) throws LastErrorException;

    /** {@code ssize_t read(int fd, void *buf, size_t count)}: bytes read. */
    // read/write return ssize_t; declared int because our counts are tiny (at most 64 KiB) and the value comes back in
    // a register whose low half is exact on every Linux ABI: a NativeLong return costs a reflective construction per
    // call, which showed up in profiles of every event batch.
    public static native int read(int fd, Pointer buf, NativeLong count) throws LastErrorException;

    /** {@code ssize_t write(int fd, const void *buf, size_t count)}: bytes written. */
    public static native int write(int fd, Pointer buf, NativeLong count) throws LastErrorException;

    /** {@code int close(int fd)}. On Linux the fd is released even when this fails (never retry). */
    public static native int close(int fd) throws LastErrorException;

    /**
     * {@code statfs(2)}: fills {@code buf} (a {@code struct statfs}, at most {@link #STATFS_SIZE} bytes) for the file
     * system holding {@code path} (NUL-terminated, UTF-8). Its first field, {@code f_type}, is a native {@code long}
     * ({@code unsigned int} on s390x).
     */
    public static native int statfs(byte[] path, byte[] buf) throws LastErrorException;

    /** Bytes enough for {@code struct statfs} on every Linux ABI (120 on 64-bit ones). */
    public static final int STATFS_SIZE = 256;
}
