package dev.vigil.watch.internal.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fault injection for the inotify backend (tests only): a private backend whose loops call libc through this
 * object, which fails the calls a test chooses, and otherwise makes the real ones.
 */
public final class Faults {
    public static final int EBADF = Errors.EBADF;
    public static final int EINVAL = Errors.EINVAL;
    public static final int ENOMEM = Errors.ENOMEM;
    public static final int ENOSPC = Errors.ENOSPC;

    private volatile String addWatchPrefix;
    private volatile int addWatchErrno;
    private final AtomicReference<Throwable> nextRead = new AtomicReference<>();
    private final AtomicInteger injected = new AtomicInteger();

    private final InotifyLoop.Libc libc = new InotifyLoop.Libc() {
        @Override
        public int inotifyAddWatch(int fd, byte[] path, int mask) {
            String prefix = addWatchPrefix;
            if (prefix != null && new String(path, 0, path.length - 1, StandardCharsets.UTF_8).startsWith(prefix)) {
                injected.incrementAndGet();
                throw new LastErrorException(addWatchErrno);
            }
            return InotifyLoop.LIBC.inotifyAddWatch(fd, path, mask);
        }

        @Override
        public int read(int fd, Pointer buf, NativeLong count) {
            Throwable t = nextRead.getAndSet(null);
            if (t != null) {
                injected.incrementAndGet();
                if (t instanceof Error) {
                    throw (Error) t;
                }
                throw (RuntimeException) t;
            }
            return InotifyLoop.LIBC.read(fd, buf, count);
        }
    };

    /** A new private backend whose loops go through this object; the caller closes it. */
    public InotifyBackend backend() {
        return new InotifyBackend(libc);
    }

    /** From now on, {@code inotify_add_watch} of {@code dir} or any path below it fails with {@code errno}. */
    public void failAddWatch(Path dir, int errno) {
        addWatchErrno = errno;
        addWatchPrefix = dir.toAbsolutePath().toString();
    }

    /** The next {@code read} of the loop (the inotify fd or the eventfd) throws {@code t} (unchecked). */
    public void failNextRead(Throwable t) {
        if (!(t instanceof Error) && !(t instanceof RuntimeException)) {
            throw new IllegalArgumentException("unchecked only: " + t);
        }
        nextRead.set(t);
    }

    /** No more faults. */
    public void clear() {
        addWatchPrefix = null;
        nextRead.set(null);
    }

    /** How many calls were made to fail so far. */
    public int injected() {
        return injected.get();
    }

    /** The inotify fd of the backend's running loop, or -1. */
    public static int inotifyFd(InotifyBackend backend) {
        return backend.inotifyFd();
    }
}
