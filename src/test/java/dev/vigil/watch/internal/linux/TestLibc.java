package dev.vigil.watch.internal.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/** libc calls that only tests need, to break the loop on purpose. */
final class TestLibc {
    static {
        Native.register(TestLibc.class, Platform.C_LIBRARY_NAME);
    }

    private TestLibc() {
    }

    /** {@code int open(const char *path, int flags)}; flags 0 is O_RDONLY. */
    static native int open(byte[] path, int flags) throws LastErrorException;

    static native int dup2(int oldfd, int newfd) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;
}
