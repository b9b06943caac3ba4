package dev.vigil.watch.internal.macos;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * The libSystem calls of the FSEvents backend: libdispatch's serial queue for the streams, {@code pathconf} for a
 * volume's case sensitivity, {@code getattrlist} for a name as its directory stores it. Loaded on first use.
 */
interface LibSystem extends Library {

    /** {@code _PC_CASE_SENSITIVE} ({@code <sys/unistd.h>}): 1 when the volume compares names case-sensitively. */
    int PC_CASE_SENSITIVE = 11;
    /** {@code ATTR_BIT_MAP_COUNT}. */
    short ATTR_BIT_MAP_COUNT = 5;
    /** {@code ATTR_CMN_NAME}: the entry's name, an {@code attrreference_t} to UTF-8 bytes. */
    int ATTR_CMN_NAME = 0x00000001;
    /** {@code FSOPT_NOFOLLOW}. */
    int FSOPT_NOFOLLOW = 0x00000001;

    /** The library. */
    final class Holder {
        static final LibSystem INSTANCE = Native.load("System", LibSystem.class);

        private Holder() {
        }
    }

    /**
     * {@code struct attrlist}: {@code u_short bitmapcount; u_int16_t reserved; attrgroup_t commonattr, volattr,
     * dirattr, fileattr, forkattr} (attrgroup_t is {@code u_int32_t}). 24 bytes.
     */
    @Structure.FieldOrder({"bitmapcount", "reserved", "commonattr", "volattr", "dirattr", "fileattr", "forkattr"})
    final class AttrList extends Structure {
        public short bitmapcount = ATTR_BIT_MAP_COUNT;
        public short reserved;
        public int commonattr;
        public int volattr;
        public int dirattr;
        public int fileattr;
        public int forkattr;

        int offsetOf(String field) {
            return fieldOffset(field);
        }
    }

    /** {@code dispatch_queue_create(label, NULL)}: a serial queue. */
    Pointer dispatch_queue_create(String label, Pointer attr);

    void dispatch_release(Pointer object);

    /** {@code long pathconf(const char *path, int name)}: -1 with errno on failure. */
    long pathconf(String path, int name);

    /**
     * {@code getattrlist(path, &attrList, attrBuf, attrBufSize, options)}: the buffer starts with its {@code u_int32_t}
     * length, then the attributes asked for ({@code ATTR_CMN_NAME}: an {@code attrreference_t}, {@code int32_t}
     * offset from itself and {@code u_int32_t} length with the NUL).
     */
    int getattrlist(String path, AttrList attrList, byte[] attrBuf, long attrBufSize, int options);
}
