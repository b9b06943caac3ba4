package dev.vigil.watch.internal.windows;

import static java.nio.charset.StandardCharsets.UTF_16LE;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses what one directory read returned: a chain of {@code FILE_NOTIFY_INFORMATION} records (or
 * {@code FILE_NOTIFY_EXTENDED_INFORMATION} ones) linked by {@code NextEntryOffset}. Reads little-endian values at
 * the {@link Layouts} offsets with no alignment assumption (Windows aligns records to 4 bytes, Wine packs them to
 * 2) and decodes names as UTF-16LE. A chain that leaves the bytes returned is refused as a whole.
 */
final class Notifications {

    static final int ADDED = 1;
    static final int REMOVED = 2;
    static final int MODIFIED = 3;
    static final int RENAMED_OLD_NAME = 4;
    static final int RENAMED_NEW_NAME = 5;

    /**
     * One record.
     *
     * @param action one of the {@code FILE_ACTION_*} values
     * @param name the path relative to the watched directory, segments separated by {@code /}
     * @param attributes the entry's file attributes, or -1 when the read was not extended
     * @param fileId the entry's file id, or 0 when the read was not extended
     */
    record Record(int action, String name, int attributes, long fileId) {
        boolean directoryKnown() {
            return attributes != -1;
        }

        boolean directory() {
            return attributes != -1 && (attributes & Kernel.FILE_ATTRIBUTE_DIRECTORY) != 0;
        }
    }

    /** A chain that cannot be what the OS wrote; the records it held are lost. */
    static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedException(String message) {
            super(message);
        }
    }

    private Notifications() {
    }

    /** The records in the first {@code n} bytes of {@code buffer}, in order. */
    static List<Record> parse(ByteBuffer buffer, int n, boolean extended) throws MalformedException {
        ByteBuffer b = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int header = extended ? Layouts.EXTENDED_NAME : Layouts.NOTIFY_NAME;
        int lengthAt = extended ? Layouts.EXTENDED_NAME_LENGTH : Layouts.NOTIFY_NAME_LENGTH;
        List<Record> out = new ArrayList<>();
        int pos = 0;
        while (true) {
            if (pos < 0 || n - pos < header) {
                throw new MalformedException("a record header at offset " + pos + " passes the " + n
                        + " bytes returned");
            }
            int next = b.getInt(pos + Layouts.NOTIFY_NEXT);
            int action = b.getInt(pos + Layouts.NOTIFY_ACTION);
            int length = b.getInt(pos + lengthAt);
            if (length < 0 || (length & 1) != 0 || length > n - pos - header) {
                throw new MalformedException("the record at offset " + pos + " has a name of " + length
                        + " bytes, which is odd or passes the " + n + " bytes returned");
            }
            byte[] name = new byte[length];
            b.get(pos + header, name);
            int attributes = extended ? b.getInt(pos + Layouts.EXTENDED_ATTRIBUTES) : -1;
            long fileId = extended ? b.getLong(pos + Layouts.EXTENDED_FILE_ID) : 0;
            out.add(new Record(action, new String(name, UTF_16LE).replace('\\', '/'), attributes, fileId));
            if (next == 0) {
                return out;
            }
            if (next < header || next > n - pos) {
                throw new MalformedException("the record at offset " + pos + " links to " + next
                        + " bytes further, outside the " + n + " bytes returned");
            }
            pos += next;
        }
    }
}
