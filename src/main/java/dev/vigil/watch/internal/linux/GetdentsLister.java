package dev.vigil.watch.internal.linux;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import dev.vigil.watch.internal.DirectoryLister;
import dev.vigil.watch.internal.linux.jna.Dirents;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Lists directories with {@code getdents64}, which reports each entry's type, so a scan costs one system call per
 * few hundred entries instead of a {@code stat} per entry. Entries of unknown type (some file systems) are
 * {@code lstat}ed. One buffer per thread; the pipeline calls it on the loop thread only.
 */
final class GetdentsLister implements DirectoryLister {

    private static final int BUFFER_SIZE = 32 * 1024;
    private static final NativeLong BUFFER_LENGTH = new NativeLong(BUFFER_SIZE);
    private static final int ENOENT = 2;
    private static final int EACCES = 13;
    private static final int ENOTDIR = 20;

    private final ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);

    private static final class Buffers {
        final ByteBuffer records = ByteBuffer.allocateDirect(BUFFER_SIZE).order(ByteOrder.nativeOrder());
        final Pointer address = Native.getDirectBufferPointer(records);
        final byte[] copy = new byte[BUFFER_SIZE];
    }

    /** The lister, or {@link DirectoryLister#JDK} where libc lacks {@code getdents64}. */
    static DirectoryLister create() {
        try {
            Class.forName(Dirents.class.getName(), true, Dirents.class.getClassLoader()); // binds the natives
            return new GetdentsLister();
        } catch (LinkageError | ClassNotFoundException e) {
            return DirectoryLister.JDK;
        }
    }

    @Override
    public void list(Path dir, Sink sink) throws IOException {
        int fd;
        try {
            fd = Dirents.open(Native.toByteArray(dir.toString(), UTF_8.name()), Dirents.OPEN_DIRECTORY);
        } catch (LastErrorException e) {
            throw failure("open", dir, e.getErrorCode(), e);
        }
        Buffers b = buffers.get();
        try {
            for (;;) {
                int n;
                try {
                    n = Dirents.getdents64(fd, b.address, BUFFER_LENGTH);
                } catch (LastErrorException e) {
                    throw failure("getdents64", dir, e.getErrorCode(), e);
                }
                if (n <= 0) {
                    return;
                }
                b.records.get(0, b.copy, 0, n); // one bulk copy, then plain array reads
                byte[] r = b.copy;
                for (int off = 0; off < n;) {
                    int reclen = Short.toUnsignedInt(b.records.getShort(off + Dirents.RECLEN_OFFSET)); // native order
                    int type = r[off + Dirents.TYPE_OFFSET] & 0xff;
                    int start = off + Dirents.NAME_OFFSET;
                    int end = start;
                    int limit = off + reclen;
                    while (end < limit && r[end] != 0) {
                        end++;
                    }
                    off = limit;
                    int len = end - start;
                    if (r[start] == '.' && (len == 1 || (len == 2 && r[start + 1] == '.'))) {
                        continue;
                    }
                    if (type == Dirents.DT_UNKNOWN) {
                        try {
                            Path entry = dir.resolve(new String(r, start, len, UTF_8));
                            sink.entry(r, start, len, Files.readAttributes(entry, BasicFileAttributes.class,
                                    LinkOption.NOFOLLOW_LINKS).isDirectory());
                        } catch (NoSuchFileException gone) {
                            // deleted while listing: its event follows
                        }
                    } else {
                        sink.entry(r, start, len, type == Dirents.DT_DIR);
                    }
                }
            }
        } finally {
            try {
                Dirents.close(fd);
            } catch (LastErrorException e) {
                // close(2) of a directory fd we opened read-only cannot lose data; the fd is released either way
                reactor.core.publisher.Operators.onErrorDropped(
                        Errors.syscall("close", "directory fd of " + dir, e.getErrorCode(), e),
                        reactor.util.context.Context.empty());
            }
        }
    }

    private static IOException failure(String call, Path dir, int errno, Throwable cause) {
        String reason = call + " failed: " + Errors.describe(errno);
        IOException e;
        switch (errno) {
            case ENOENT:
                e = new NoSuchFileException(dir.toString(), null, reason);
                break;
            case ENOTDIR:
                e = new NotDirectoryException(dir.toString());
                break;
            case EACCES:
                e = new AccessDeniedException(dir.toString(), null, reason);
                break;
            default:
                return Errors.syscall(call, dir.toString(), errno, cause);
        }
        e.initCause(cause);
        return e;
    }
}
