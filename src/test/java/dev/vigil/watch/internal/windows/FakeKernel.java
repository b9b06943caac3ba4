package dev.vigil.watch.internal.windows;

import static java.nio.charset.StandardCharsets.UTF_16LE;

import com.sun.jna.Pointer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A strict completion port and file system in Java, for driving {@link IocpLoop} on any OS. Reads complete only when
 * the test says so, with bytes it writes into the buffer the loop handed over (native memory, as the OS would).
 * It fails the test's expectations (by throwing) when the loop breaks the Win32 rules: a second read on a handle with
 * one pending, a read on a closed handle, a buffer released while its read is pending.
 */
final class FakeKernel implements Kernel {

    /** The ports created and not closed (the backend's probe creates and closes one first). */
    final java.util.Set<Long> ports = ConcurrentHashMap.newKeySet();

    /** Directories and files by path: their attributes. */
    final Map<String, Integer> files = new ConcurrentHashMap<>();
    /** Short path to long path, for GetLongPathNameW. */
    final Map<String, String> longNames = new ConcurrentHashMap<>();
    /** Drive types by root path, for GetDriveTypeW (a fixed drive, 3, when absent). */
    final Map<String, Integer> driveTypes = new ConcurrentHashMap<>();
    /** Codes that CreateFileW fails with, by path. */
    final Map<String, Integer> openFailures = new ConcurrentHashMap<>();
    final Map<Long, Dir> handles = new ConcurrentHashMap<>();
    final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
    final BlockingQueue<long[]> port = new LinkedBlockingQueue<>();
    volatile boolean extended;
    volatile boolean refuseExtended;
    /** When set, CancelIoEx does not complete the read until {@link #completeCancels()}. */
    volatile boolean holdCancels;
    private final List<long[]> heldCancels = new ArrayList<>();
    private final AtomicLong nextHandle = new AtomicLong(10);

    /** One open directory handle. */
    static final class Dir {
        final String path;
        final long handle;
        long key;
        volatile boolean pending;
        Pointer buffer;
        int length;
        Pointer overlapped;
        boolean extended;
        int filter;
        boolean subtree;

        Dir(String path, long handle) {
            this.path = path;
            this.handle = handle;
        }
    }

    FakeKernel dir(String path) {
        files.put(path, FILE_ATTRIBUTE_DIRECTORY);
        return this;
    }

    @Override
    public long createPort() {
        long p = nextHandle.incrementAndGet();
        ports.add(p);
        return p;
    }

    @Override
    public long openDirectory(String path) throws Win32Exception {
        Integer fail = openFailures.get(path);
        if (fail != null) {
            throw new Win32Exception("CreateFileW", fail);
        }
        if (!files.containsKey(path)) {
            throw new Win32Exception("CreateFileW", WinErrors.ERROR_FILE_NOT_FOUND);
        }
        long h = nextHandle.incrementAndGet();
        handles.put(h, new Dir(path, h));
        log.add("open " + path);
        return h;
    }

    @Override
    public void associate(long port, long handle, long key) throws Win32Exception {
        Dir d = handles.get(handle);
        if (d == null || !ports.contains(port)) {
            throw new Win32Exception("CreateIoCompletionPort", WinErrors.ERROR_INVALID_HANDLE);
        }
        d.key = key;
    }

    @Override
    public void readChanges(long dir, Pointer buffer, int length, boolean subtree, int filter, Pointer overlapped,
            boolean ext) throws Win32Exception {
        Dir d = handles.get(dir);
        if (d == null) {
            throw new Win32Exception("ReadDirectoryChangesW", WinErrors.ERROR_INVALID_HANDLE);
        }
        if (ext && refuseExtended) {
            throw new Win32Exception("ReadDirectoryChangesExW", WinErrors.ERROR_INVALID_PARAMETER);
        }
        if (d.pending) {
            throw new AssertionError("a second read on " + d.path + " while one is pending");
        }
        if (!files.containsKey(d.path)) {
            throw new Win32Exception(ext ? "ReadDirectoryChangesExW" : "ReadDirectoryChangesW",
                    WinErrors.ERROR_ACCESS_DENIED);
        }
        d.pending = true;
        d.buffer = buffer;
        d.length = length;
        d.overlapped = overlapped;
        d.extended = ext;
        d.filter = filter;
        d.subtree = subtree;
    }

    @Override
    public int dequeue(long p, Pointer entries, int max, int millis) throws Win32Exception {
        if (!ports.contains(p)) {
            throw new Win32Exception("GetQueuedCompletionStatusEx", WinErrors.ERROR_INVALID_HANDLE);
        }
        long[] first;
        try {
            first = millis < 0 ? port.take() : port.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        if (first == null) {
            return 0;
        }
        List<long[]> all = new ArrayList<>();
        all.add(first);
        port.drainTo(all, max - 1);
        for (int i = 0; i < all.size(); i++) {
            long[] e = all.get(i);
            long at = (long) i * Layouts.ENTRY_SIZE;
            entries.setLong(at + Layouts.ENTRY_KEY, e[0]);
            entries.setLong(at + Layouts.ENTRY_OVERLAPPED, e[1]);
            entries.setLong(at + Layouts.ENTRY_STATUS, e[2]);
            entries.setInt(at + Layouts.ENTRY_BYTES, (int) e[3]);
            if (e[0] != 0) {
                log.add("dequeued " + e[0] + " status " + Integer.toHexString((int) e[2]));
            }
        }
        return all.size();
    }

    @Override
    public void post(long p, long key) throws Win32Exception {
        if (!ports.contains(p)) {
            throw new Win32Exception("PostQueuedCompletionStatus", WinErrors.ERROR_INVALID_HANDLE);
        }
        port.add(new long[] {key, 0, 0, 0});
    }

    @Override
    public void cancel(long handle, Pointer overlapped) throws Win32Exception {
        Dir d = handles.get(handle);
        if (d == null) {
            throw new Win32Exception("CancelIoEx", WinErrors.ERROR_INVALID_HANDLE);
        }
        if (!d.pending) {
            throw new Win32Exception("CancelIoEx", WinErrors.ERROR_NOT_FOUND);
        }
        log.add("cancel " + d.path);
        d.pending = false;
        long[] packet = {d.key, Pointer.nativeValue(overlapped), WinErrors.STATUS_CANCELLED, 0};
        synchronized (heldCancels) {
            if (holdCancels) {
                heldCancels.add(packet);
                d.pending = true; // the OS still owns the buffer until the packet is queued
                return;
            }
        }
        port.add(packet);
    }

    /** Queues the held cancellations' packets. */
    void completeCancels() {
        synchronized (heldCancels) {
            for (long[] p : heldCancels) {
                handles.values().stream().filter(d -> d.key == p[0]).forEach(d -> d.pending = false);
                port.add(p);
            }
            heldCancels.clear();
            holdCancels = false;
        }
    }

    @Override
    public void close(long handle) throws Win32Exception {
        if (ports.remove(handle)) {
            log.add("close port");
            return;
        }
        Dir d = handles.remove(handle);
        if (d == null) {
            throw new Win32Exception("CloseHandle", WinErrors.ERROR_INVALID_HANDLE);
        }
        log.add("close " + d.path + (d.pending ? " while its read is pending" : ""));
    }

    @Override
    public int attributes(String path) throws Win32Exception {
        Integer a = files.get(path);
        if (a == null) {
            throw new Win32Exception("GetFileAttributesW", WinErrors.ERROR_FILE_NOT_FOUND);
        }
        return a;
    }

    @Override
    public int driveType(String rootPath) {
        return driveTypes.getOrDefault(rootPath, 3);
    }

    @Override
    public String longPathName(String path) throws Win32Exception {
        String l = longNames.get(path);
        if (l == null) {
            throw new Win32Exception("GetLongPathNameW", WinErrors.ERROR_FILE_NOT_FOUND);
        }
        return l;
    }

    @Override
    public boolean extendedAvailable() {
        return extended;
    }

    @Override
    public int errorOf(int status) {
        switch (status) {
            case WinErrors.STATUS_ACCESS_DENIED:
            case WinErrors.STATUS_DELETE_PENDING:
                return WinErrors.ERROR_ACCESS_DENIED;
            case WinErrors.STATUS_CANCELLED:
                return WinErrors.ERROR_OPERATION_ABORTED;
            default:
                return 317; // ERROR_MR_MID_NOT_FOUND, as ntdll answers for an unknown status
        }
    }

    @Override
    public String message(int error) {
        return error == WinErrors.ERROR_ACCESS_DENIED ? "Access is denied." : null;
    }

    /** The open handle of {@code path} with a read pending (the root, or a parent when {@code parent}). */
    Dir pending(String path) {
        return handles.values().stream().filter(d -> d.path.equals(path) && d.pending).findFirst()
                .orElseThrow(() -> new AssertionError("no read pending on " + path + "; open: " + log));
    }

    /** Completes the pending read of {@code path} with {@code bytes}, written into its buffer. */
    void complete(String path, byte[] bytes) {
        Dir d = pending(path);
        if (bytes.length > d.length) {
            throw new AssertionError("more bytes than the buffer holds");
        }
        d.buffer.write(0, bytes, 0, bytes.length);
        d.pending = false;
        port.add(new long[] {d.key, Pointer.nativeValue(d.overlapped), WinErrors.STATUS_SUCCESS, bytes.length});
    }

    /** Completes the pending read of {@code path} with a status and no bytes. */
    void complete(String path, int status) {
        Dir d = pending(path);
        d.pending = false;
        port.add(new long[] {d.key, Pointer.nativeValue(d.overlapped), status, 0});
    }

    /** Builds a record chain; {@code packed} lays it out as Wine does (2-byte), otherwise as Windows (4-byte). */
    static byte[] records(boolean packed, Object... actionsAndNames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < actionsAndNames.length; i += 2) {
            byte[] name = ((String) actionsAndNames[i + 1]).getBytes(UTF_16LE);
            int size = Layouts.NOTIFY_NAME + name.length;
            int padded = packed ? size : (size + 3) & ~3;
            boolean last = i + 2 >= actionsAndNames.length;
            ByteBuffer b = ByteBuffer.allocate(padded).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(last ? 0 : padded).putInt((Integer) actionsAndNames[i]).putInt(name.length).put(name);
            out.writeBytes(b.array());
        }
        return out.toByteArray();
    }

    /** One extended record: attributes and file id as ReadDirectoryChangesExW gives them. */
    static byte[] extended(int action, String name, int attributes, long fileId, boolean last, int padTo) {
        byte[] n = name.getBytes(UTF_16LE);
        int size = Math.max(padTo, (Layouts.EXTENDED_NAME + n.length + 7) & ~7);
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(Layouts.EXTENDED_NEXT, last ? 0 : size).putInt(Layouts.EXTENDED_ACTION, action)
                .putInt(Layouts.EXTENDED_ATTRIBUTES, attributes).putLong(Layouts.EXTENDED_FILE_ID, fileId)
                .putLong(Layouts.EXTENDED_PARENT_FILE_ID, 5).putInt(Layouts.EXTENDED_NAME_LENGTH, n.length);
        b.position(Layouts.EXTENDED_NAME);
        b.put(n);
        return b.array();
    }
}
