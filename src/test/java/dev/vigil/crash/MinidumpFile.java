package dev.vigil.crash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The parts of a minidump file the tests check, read as {@code minidumpapiset.h} lays them out (little-endian,
 * packed on 4 bytes): the {@code MINIDUMP_HEADER}, the stream directory, the processor architecture of the
 * {@code SystemInfo} stream, and the thread and module lists. Read with positional reads, never mapped: Windows
 * cannot delete a mapped file.
 */
record MinidumpFile(int signature, int version, int streamCount, int timeDateStamp, long flags,
                    Map<Integer, Location> streams, int processorArchitecture, List<Integer> threadIds,
                    List<String> modules) {

    /** {@code MINIDUMP_SIGNATURE}, "MDMP" read as a little-endian int. */
    static final int MDMP = 0x504d444d;
    /** {@code MINIDUMP_VERSION}, the low word of the header's version. */
    static final int MINIDUMP_VERSION = 0xA793;
    static final int THREAD_LIST = 3;
    static final int MODULE_LIST = 4;
    static final int SYSTEM_INFO = 7;
    static final int PROCESSOR_ARCHITECTURE_AMD64 = 9;

    /** Where a stream is: {@code MINIDUMP_LOCATION_DESCRIPTOR}. */
    record Location(int size, int rva) {
    }

    static MinidumpFile read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer h = at(ch, 0, 32);
            int count = h.getInt(8);
            Map<Integer, Location> streams = new LinkedHashMap<>();
            ByteBuffer dir = at(ch, h.getInt(12) & 0xffffffffL, 12 * count);
            for (int i = 0; i < count; i++) {
                streams.putIfAbsent(dir.getInt(12 * i), new Location(dir.getInt(12 * i + 4), dir.getInt(12 * i + 8)));
            }
            int arch = -1;
            Location s = streams.get(SYSTEM_INFO);
            if (s != null) {
                arch = at(ch, s.rva(), 2).getShort(0) & 0xffff;
            }
            List<Integer> threads = new ArrayList<>();
            Location t = streams.get(THREAD_LIST);
            if (t != null) {
                ByteBuffer list = at(ch, t.rva(), t.size());
                for (int i = 0; i < list.getInt(0); i++) {
                    threads.add(list.getInt(4 + 48 * i)); // MINIDUMP_THREAD: 48 bytes, ThreadId first
                }
            }
            List<String> modules = new ArrayList<>();
            Location m = streams.get(MODULE_LIST);
            if (m != null) {
                ByteBuffer list = at(ch, m.rva(), m.size());
                for (int i = 0; i < list.getInt(0); i++) {
                    long nameRva = list.getInt(4 + 108 * i + 20) & 0xffffffffL; // MINIDUMP_MODULE: 108 bytes
                    int length = at(ch, nameRva, 4).getInt(0);                 // MINIDUMP_STRING: bytes, UTF-16LE
                    modules.add(new String(at(ch, nameRva + 4, length).array(), StandardCharsets.UTF_16LE));
                }
            }
            return new MinidumpFile(h.getInt(0), h.getInt(4), count, h.getInt(20), h.getLong(24), streams, arch,
                    threads, modules);
        }
    }

    private static ByteBuffer at(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) {
                throw new IOException("the minidump ends at " + (position + b.position()) + ", inside a structure");
            }
        }
        return b.flip();
    }

    /** The file names of the modules, lower case. */
    List<String> moduleFileNames() {
        return modules.stream().map(p -> p.substring(p.lastIndexOf('\\') + 1).toLowerCase(Locale.ROOT)).toList();
    }
}
