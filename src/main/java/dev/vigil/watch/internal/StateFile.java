package dev.vigil.watch.internal;

import dev.vigil.watch.WatchStateException;
import dev.vigil.watch.WatchStateException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The format of a watcher's state file, and its atomic writing. Layout (big-endian):
 * <pre>
 * magic "VIGILWS1" | int version | long savedAt (epoch ms) | str view | int roots
 *   per root: str path | int entries
 *     per entry: str relative path ('/'-separated) | byte flags (1 directory, 2 attributes, 4 key) | long millis
 *                [long size | long mtime ns [str key]]
 * int CRC32C of every byte before it
 * </pre>
 * {@code str} is an int length and UTF-8 bytes. {@code millis} is what {@link Snapshot.Stamp#millis()} holds in a
 * baseline: when the subscriber's knowledge of the entry dates from, {@link Long#MIN_VALUE} for "assume it changed".
 * Writing goes to {@code <name>.tmp} in the same directory, which is forced to disk and then moved over the file
 * with {@code ATOMIC_MOVE}: a reader sees the previous file or the new one, whole.
 */
final class StateFile {

    static final int VERSION = 1;
    private static final byte[] MAGIC = "VIGILWS1".getBytes(StandardCharsets.US_ASCII);
    private static final int DIR = 1;
    private static final int ATTRIBUTES = 2;
    private static final int KEY = 4;

    /** The saved view: the options that shape it, the roots, and per root what the subscriber knew of its tree. */
    record State(String view, List<Path> roots, List<Snapshot> trees) {
    }

    /** A step of {@link #write} that may fail (a test seam between writing the temporary file and moving it). */
    interface Step {
        void run() throws IOException;
    }

    private StateFile() {
    }

    /** The temporary file a write goes through. */
    static Path temporary(Path file) {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }

    /** Writes {@code state} to {@code file} atomically (see the class comment). */
    static void write(Path file, State state) throws IOException {
        write(file, state, () -> {
        });
    }

    /**
     * Like {@link #write(Path, State)}, running {@code beforeMove} once the temporary file is on disk; when anything
     * fails, the temporary file is removed and {@code file} is as it was.
     */
    static void write(Path file, State state, Step beforeMove) throws IOException {
        byte[] data = encode(state);
        Path tmp = temporary(file);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            beforeMove.run();
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof AtomicMoveNotSupportedException) {
                throw new IOException("the file system of " + file + " cannot replace a file atomically; put the state "
                        + "file on a local file system", e);
            }
            throw e;
        }
        forceDirectory(file.toAbsolutePath().getParent());
    }

    /**
     * Makes the move itself durable where the OS allows a directory to be opened (Linux, macOS); on Windows, which
     * does not, {@code MoveFileEx} with replacement is what the JDK's atomic move already uses.
     */
    private static void forceDirectory(Path dir) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (IOException | UnsupportedOperationException e) {
            return; // a directory cannot be opened here (Windows)
        }
        try (ch) {
            ch.force(true);
        }
    }

    static byte[] encode(State state) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(MAGIC);
        out.writeInt(VERSION);
        out.writeLong(System.currentTimeMillis());
        writeString(out, state.view());
        out.writeInt(state.roots().size());
        for (int i = 0; i < state.roots().size(); i++) {
            Path root = state.roots().get(i);
            Snapshot tree = state.trees().get(i);
            writeString(out, root.toString());
            out.writeInt(tree.size());
            IOException[] failed = new IOException[1];
            tree.forEach((p, st) -> {
                if (failed[0] != null) {
                    return;
                }
                try {
                    writeString(out, Node.rel(root, p));
                    Snapshot.Attributes a = st.attributes();
                    out.writeByte((st.directory() ? DIR : 0) | (a != null ? ATTRIBUTES : 0)
                            | (a != null && a.key() != null ? KEY : 0));
                    out.writeLong(st.millis());
                    if (a != null) {
                        out.writeLong(a.size());
                        out.writeLong(a.mtimeNanos());
                        if (a.key() != null) {
                            writeString(out, a.key());
                        }
                    }
                } catch (IOException e) {
                    failed[0] = e;
                }
            });
            if (failed[0] != null) {
                throw failed[0];
            }
        }
        out.flush();
        CRC32C crc = new CRC32C();
        crc.update(bytes.toByteArray());
        out.writeInt((int) crc.getValue());
        return bytes.toByteArray();
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    /**
     * Reads a state file.
     *
     * @throws NoSuchFileException when there is none
     * @throws WatchStateException {@link Reason#CORRUPT}, {@link Reason#UNSUPPORTED_VERSION} or, when it cannot be
     *     read, {@link Reason#IO_ERROR}
     */
    static State read(Path file) throws IOException {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            throw new WatchStateException(file, Reason.IO_ERROR, "cannot read the watch state file " + file + ": " + e
                    + "; grant this process read access to it, or remove it to start afresh", e);
        }
        if (data.length < MAGIC.length + 4 + 4 || !Arrays.equals(data, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw corrupt(file, "it is not a Vigil watch state file (no VIGILWS1 header)", null);
        }
        ByteBuffer in = ByteBuffer.wrap(data);
        in.position(MAGIC.length);
        int version = in.getInt();
        if (version != VERSION) {
            throw new WatchStateException(file, Reason.UNSUPPORTED_VERSION, "cannot use the watch state file " + file
                    + ": it has format version " + version + " and this version of Vigil reads version " + VERSION
                    + "; use the Vigil version that wrote it, or remove the file to start afresh (everything is then "
                    + "reported as created)", null);
        }
        CRC32C crc = new CRC32C();
        crc.update(data, 0, data.length - 4);
        int stored = ByteBuffer.wrap(data, data.length - 4, 4).getInt();
        if (stored != (int) crc.getValue()) {
            throw corrupt(file, "its checksum does not match its content (damaged or truncated)", null);
        }
        in.limit(data.length - 4);
        try {
            in.getLong(); // savedAt: for people reading the file
            String view = readString(in);
            int n = count(in);
            List<Path> roots = new ArrayList<>(n);
            List<Snapshot> trees = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Path root = Path.of(readString(in));
                Snapshot tree = new Snapshot();
                int entries = count(in);
                for (int j = 0; j < entries; j++) {
                    Path p = root.resolve(readString(in));
                    int flags = in.get();
                    long millis = in.getLong();
                    Snapshot.Attributes a = null;
                    if ((flags & ATTRIBUTES) != 0) {
                        long size = in.getLong();
                        long mtime = in.getLong();
                        a = new Snapshot.Attributes((flags & KEY) != 0 ? readString(in) : null, size, mtime);
                    }
                    tree.put(p, new Snapshot.Stamp((flags & DIR) != 0, millis, a));
                }
                roots.add(root);
                trees.add(tree);
            }
            if (in.hasRemaining()) {
                throw corrupt(file, "it has " + in.remaining() + " bytes after its last entry", null);
            }
            return new State(view, roots, trees);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw corrupt(file, "its content is malformed (" + e + ")", e);
        }
    }

    private static int count(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new IllegalArgumentException("count " + n + " at byte " + (in.position() - 4));
        }
        return n;
    }

    private static String readString(ByteBuffer in) {
        int n = count(in);
        String s = new String(in.array(), in.position(), n, StandardCharsets.UTF_8);
        in.position(in.position() + n);
        return s;
    }

    private static WatchStateException corrupt(Path file, String what, Throwable cause) {
        return new WatchStateException(file, Reason.CORRUPT, "cannot use the watch state file " + file + ": " + what
                + "; restore it from a backup, remove it to start afresh (everything is then reported as created), or "
                + "build the watcher with StateRecovery.REPORT_ALL to do that automatically", cause);
    }
}
