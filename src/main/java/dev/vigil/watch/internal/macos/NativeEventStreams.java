package dev.vigil.watch.internal.macos;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import dev.vigil.watch.WatchException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import reactor.core.Exceptions;

/**
 * The real {@link EventStreams}: FSEvents streams on one serial dispatch queue ({@code vigil.fsevents}) per
 * instance, all calling back through one JNA callback that routes by the context's {@code info} (a number, never a
 * pointer to Java memory). The callback, the queue and the routes live as long as the instance (the shared one: the
 * JVM), so a callback that races a stream's release finds no route and does nothing.
 */
final class NativeEventStreams implements EventStreams {

    /** The shared instance; creating it loads CoreServices, CoreFoundation and libSystem (a LinkageError off macOS). */
    static final class Holder {
        static final NativeEventStreams INSTANCE = new NativeEventStreams();

        private Holder() {
        }
    }

    private final CoreServices fs = CoreServices.Holder.INSTANCE;
    private final CoreFoundation cf = CoreFoundation.Holder.INSTANCE;
    private final LibSystem sys = LibSystem.Holder.INSTANCE;
    private final boolean extended = atLeast(System.getProperty("os.version", "0"), 10, 13);
    private final Pointer pathKey = string("path"); // kFSEventStreamEventExtendedDataPathKey
    private final Pointer fileIdKey = string("fileID"); // kFSEventStreamEventExtendedFileIDKey
    private final Map<Long, Consumer<List<Record>>> routes = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final CoreServices.StreamCallback callback = this::called;
    private Pointer queue; // guarded by this

    private NativeEventStreams() {
    }

    /** The probe: loads the libraries and asks FSEvents for its current event id. */
    long currentEventId() {
        return fs.FSEventsGetCurrentEventId();
    }

    @Override
    public boolean inodes() {
        return extended;
    }

    @Override
    public Stream open(String realPath, long sinceWhen, double latency, Consumer<List<Record>> sink)
            throws IOException {
        long id = ids.incrementAndGet();
        int flags = Flags.STREAM | (extended ? Flags.CREATE_USE_CF_TYPES | Flags.CREATE_USE_EXTENDED_DATA : 0);
        Pointer path = string(realPath);
        Pointer paths = cf.CFArrayCreate(null, new Pointer[] {path}, 1, CoreFoundation.Holder.TYPE_ARRAY_CALLBACKS);
        cf.CFRelease(path);
        if (paths == null) {
            throw new WatchException("CFArrayCreate failed for " + realPath, Path.of(realPath), "CFArrayCreate", 0,
                    null);
        }
        CoreServices.StreamContext context = new CoreServices.StreamContext();
        context.info = new Pointer(id);
        Pointer stream;
        try {
            stream = fs.FSEventStreamCreate(null, callback, context, paths, sinceWhen, latency, flags);
        } finally {
            cf.CFRelease(paths);
        }
        if (stream == null) {
            throw new WatchException("FSEventStreamCreate(..) failed for " + realPath + " (flags "
                    + Integer.toHexString(flags) + ")", Path.of(realPath), "FSEventStreamCreate", 0, null);
        }
        routes.put(id, sink);
        fs.FSEventStreamSetDispatchQueue(stream, queue());
        if (fs.FSEventStreamStart(stream) == 0) {
            routes.remove(id);
            fs.FSEventStreamInvalidate(stream);
            fs.FSEventStreamRelease(stream);
            throw new WatchException("FSEventStreamStart(..) failed for " + realPath
                    + ": FSEvents refused the path (is the volume one that FSEvents watches, not a network one?);"
                    + " watch it with Backend.POLLING", Path.of(realPath), "FSEventStreamStart", 0, null);
        }
        AtomicBoolean closed = new AtomicBoolean();
        return new Stream() {
            @Override
            public void flush() {
                if (!closed.get()) {
                    fs.FSEventStreamFlushSync(stream);
                }
            }

            @Override
            public void close() {
                if (closed.compareAndSet(false, true)) {
                    routes.remove(id);
                    fs.FSEventStreamStop(stream);
                    fs.FSEventStreamInvalidate(stream);
                    fs.FSEventStreamRelease(stream);
                }
            }
        };
    }

    private synchronized Pointer queue() {
        if (queue == null) {
            queue = sys.dispatch_queue_create("vigil.fsevents", null);
        }
        return queue;
    }

    /** The stream callback, on the dispatch queue's thread: reads the records and hands them to the route. */
    private void called(Pointer streamRef, Pointer info, long n, Pointer paths, Pointer flags, Pointer eventIds) {
        Consumer<List<Record>> sink = routes.get(Pointer.nativeValue(info));
        if (sink == null) {
            return;
        }
        List<Record> records;
        try {
            records = extended ? extended(n, paths, flags, eventIds) : plain(n, paths, flags, eventIds);
        } catch (Throwable t) {
            Exceptions.throwIfJvmFatal(t);
            records = List.of(new Record("/", Flags.USER_DROPPED | Flags.MUST_SCAN_SUB_DIRS, 0, 0)); // resync
        }
        sink.accept(records);
    }

    /** The records of a callback without {@code UseCFTypes}: {@code eventPaths} is a {@code char **}. */
    static List<Record> plain(long n, Pointer paths, Pointer flags, Pointer eventIds) {
        List<Record> out = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) {
            String path = paths.getPointer(i * Native.POINTER_SIZE).getString(0, UTF_8.name());
            out.add(new Record(path, flags.getInt(i * 4), eventIds.getLong(i * 8), 0));
        }
        return out;
    }

    /** The records of a {@code UseCFTypes|UseExtendedData} callback: a {@code CFArray} of {@code CFDictionary}. */
    private List<Record> extended(long n, Pointer paths, Pointer flags, Pointer eventIds) {
        List<Record> out = new ArrayList<>((int) n);
        long dictionary = cf.CFDictionaryGetTypeID();
        for (long i = 0; i < n; i++) {
            Pointer item = cf.CFArrayGetValueAtIndex(paths, i);
            String path;
            long inode = 0;
            if (cf.CFGetTypeID(item) == dictionary) {
                path = javaString(cf.CFDictionaryGetValue(item, pathKey));
                Pointer number = cf.CFDictionaryGetValue(item, fileIdKey);
                if (number != null) {
                    LongByReference v = new LongByReference();
                    if (cf.CFNumberGetValue(number, CoreFoundation.NUMBER_SINT64, v) != 0) {
                        inode = v.getValue();
                    }
                }
            } else {
                path = javaString(item);
            }
            out.add(new Record(path, flags.getInt(i * 4), eventIds.getLong(i * 8), inode));
        }
        return out;
    }

    private Pointer string(String s) {
        byte[] bytes = s.getBytes(UTF_8);
        return cf.CFStringCreateWithBytes(null, bytes, bytes.length, CoreFoundation.STRING_ENCODING_UTF8, (byte) 0);
    }

    private String javaString(Pointer string) {
        if (string == null) {
            return "";
        }
        long max = cf.CFStringGetMaximumSizeForEncoding(cf.CFStringGetLength(string),
                CoreFoundation.STRING_ENCODING_UTF8) + 1;
        byte[] buffer = new byte[(int) max];
        if (cf.CFStringGetCString(string, buffer, max, CoreFoundation.STRING_ENCODING_UTF8) == 0) {
            return "";
        }
        return Native.toString(buffer, UTF_8.name());
    }

    @Override
    public Entry entry(Path path, boolean storedName) {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(path, "unix:ino,isDirectory", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
        Path name = path.getFileName();
        String stored = name == null ? "" : name.toString();
        if (storedName) {
            String found = storedName(path.toString());
            if (found != null) {
                stored = found;
            }
        }
        return new Entry(Normalizer.normalize(stored, Normalizer.Form.NFC), (Long) a.get("ino"),
                (Boolean) a.get("isDirectory"));
    }

    /** {@code getattrlist(ATTR_CMN_NAME)}: the name as the directory stores it, or null. */
    private String storedName(String path) {
        LibSystem.AttrList list = new LibSystem.AttrList();
        list.commonattr = LibSystem.ATTR_CMN_NAME;
        byte[] buffer = new byte[4 + 8 + 1024 * 3 + 1];
        if (sys.getattrlist(path, list, buffer, buffer.length, LibSystem.FSOPT_NOFOLLOW) != 0) {
            return null;
        }
        return nameAttribute(buffer);
    }

    /** The {@code ATTR_CMN_NAME} of a {@code getattrlist} buffer holding only it; null when malformed. */
    static String nameAttribute(byte[] buffer) {
        ByteBuffer b = ByteBuffer.wrap(buffer).order(ByteOrder.nativeOrder());
        int length = b.getInt(0);
        int offset = b.getInt(4);
        int size = b.getInt(8);
        int start = 4 + offset;
        if (length > buffer.length || offset < 8 || size < 1 || start + size > Math.min(length, buffer.length)) {
            return null;
        }
        return new String(buffer, start, size - 1, UTF_8); // without its NUL
    }

    @Override
    public boolean caseSensitive(Path dir) {
        return sys.pathconf(dir.toString(), LibSystem.PC_CASE_SENSITIVE) == 1; // 0, or -1 (unknown): insensitive
    }

    /** Whether {@code version} ("10.12.6", "14.4") is at least {@code major.minor}. */
    static boolean atLeast(String version, int major, int minor) {
        String[] parts = version.split("\\.");
        try {
            int ma = Integer.parseInt(parts[0].strip());
            int mi = parts.length > 1 ? Integer.parseInt(parts[1].strip()) : 0;
            return ma > major || (ma == major && mi >= minor);
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
