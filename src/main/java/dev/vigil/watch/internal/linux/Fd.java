package dev.vigil.watch.internal.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import dev.vigil.watch.WatchException;
import dev.vigil.watch.internal.linux.jna.Inotify;

/**
 * Owns one file descriptor: {@link #close()} is idempotent and checked, and {@link #write} never reaches a
 * closed (and maybe already reused) fd number.
 *
 * <p>Writes and close synchronize on this object, so a write from any thread either happens before the close
 * or not at all. Reads and the other calls are made by the fd's single owner thread, which also closes it.
 */
final class Fd {
    private final int fd;
    private final String what;
    private boolean closed;

    Fd(int fd, String what) {
        this.fd = fd;
        this.what = what;
    }

    /** The fd number; only for its owner thread, which never uses it after {@link #close()}. */
    int get() {
        return fd;
    }

    /**
     * Writes {@code count} bytes from {@code buf} unless the fd is closed.
     *
     * @return whether the fd was open
     * @throws LastErrorException when write(2) fails
     */
    synchronized boolean write(Pointer buf, int count) {
        if (closed) {
            return false;
        }
        Inotify.write(fd, buf, new NativeLong(count));
        return true;
    }

    /** Closes the fd once; later calls do nothing. */
    synchronized void close() throws WatchException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Inotify.close(fd);
        } catch (LastErrorException e) {
            // Linux releases the fd even when close fails: never retry.
            throw Errors.syscall("close", what + " " + fd, e.getErrorCode(), e);
        }
    }

    @Override
    public String toString() {
        return what + " " + fd;
    }
}
