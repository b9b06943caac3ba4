package dev.vigil.watch.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The names of a directory's entries with a few flag bits each, stored as UTF-8 in one byte array with an
 * open-addressing index: about a dozen bytes per entry instead of a String, a map node and a value object. A scan
 * inserts the bytes a lister read without creating Strings. Not thread-safe.
 */
final class NameSet implements DirectoryLister.Sink {

    /** Visits one entry. */
    interface Visitor {
        void visit(String name, int flags);
    }

    /** Records in {@link #arena}: one flags byte, two length bytes, the name's bytes. */
    private static final int HEADER = 3;
    private static final int TOMBSTONE = -1;

    private static final byte[] NO_BYTES = new byte[0];
    private static final int[] NO_SLOTS = new int[0];

    /** Allocated on the first put: a new directory's set is often replaced by its listing before it holds anything. */
    private byte[] arena = NO_BYTES;
    private int used;
    private int garbage;
    /** Record offset + 1; 0 = empty slot, {@link #TOMBSTONE} = removed. Length is 0 or a power of two. */
    private int[] index = NO_SLOTS;
    private int size;
    private int tombstones;

    int size() {
        return size;
    }

    /** The flags of {@code name}, or -1 when absent. */
    int get(String name) {
        byte[] b = name.getBytes(UTF_8);
        return get(b, 0, b.length);
    }

    /** The flags of the name in {@code b[off, off+len)}, or -1 when absent. */
    int get(byte[] b, int off, int len) {
        int slot = find(b, off, len, hash(b, off, len));
        return slot < 0 ? -1 : arena[index[slot] - 1];
    }

    /** Adds {@code name} or replaces its flags. */
    void put(String name, int flags) {
        byte[] b = name.getBytes(UTF_8);
        put(b, 0, b.length, flags);
    }

    /** Adds the name in {@code b[off, off+len)} or replaces its flags. */
    void put(byte[] b, int off, int len, int flags) {
        int h = hash(b, off, len);
        int slot = find(b, off, len, h);
        if (slot >= 0) {
            arena[index[slot] - 1] = (byte) flags;
            return;
        }
        if (index.length == 0) {
            index = new int[8];
        } else if ((size + tombstones + 1) * 4 > index.length * 3) {
            rehash(size + 1 > index.length / 2 ? index.length * 2 : index.length);
        }
        if (used + HEADER + len > arena.length) {
            arena = Arrays.copyOf(arena, Math.max(Math.max(32, arena.length * 2), used + HEADER + len));
        }
        int rec = used;
        arena[rec] = (byte) flags;
        arena[rec + 1] = (byte) (len >>> 8);
        arena[rec + 2] = (byte) len;
        System.arraycopy(b, off, arena, rec + HEADER, len);
        used += HEADER + len;
        int mask = index.length - 1;
        for (int i = h & mask;; i = (i + 1) & mask) {
            if (index[i] == 0 || index[i] == TOMBSTONE) {
                if (index[i] == TOMBSTONE) {
                    tombstones--;
                }
                index[i] = rec + 1;
                break;
            }
        }
        size++;
    }

    /** A listed entry: added with the flags {@link Node#DIR} or 0. */
    @Override
    public void entry(byte[] name, int off, int len, boolean directory) {
        put(name, off, len, directory ? Node.DIR : 0);
    }

    /** Removes {@code name}; returns its flags, or -1 when absent. */
    int remove(String name) {
        byte[] b = name.getBytes(UTF_8);
        int slot = find(b, 0, b.length, hash(b, 0, b.length));
        if (slot < 0) {
            return -1;
        }
        int rec = index[slot] - 1;
        int flags = arena[rec];
        index[slot] = TOMBSTONE;
        tombstones++;
        size--;
        garbage += HEADER + length(rec);
        if (size == 0) {
            clear();
        }
        return flags;
    }

    void clear() {
        arena = NO_BYTES;
        index = NO_SLOTS;
        used = 0;
        garbage = 0;
        size = 0;
        tombstones = 0;
    }

    /** Visits every entry (in no particular order). The visitor must not modify this set. */
    void forEach(Visitor v) {
        forEach(-1, v);
    }

    /** Visits the entries whose flags are {@code flags} ({@code -1}: all); only those names become Strings. */
    void forEach(int flags, Visitor v) {
        for (int slot : index) {
            if (slot > 0) {
                int rec = slot - 1;
                if (flags < 0 || arena[rec] == flags) {
                    v.visit(new String(arena, rec + HEADER, length(rec), UTF_8), arena[rec]);
                }
            }
        }
    }

    /** Removes every entry whose name starts with {@code prefix} (UTF-8) and returns those names. */
    List<String> removeStartingWith(byte[] prefix) {
        List<String> removed = new ArrayList<>(0);
        for (int slot : index) {
            if (slot > 0) {
                int rec = slot - 1;
                int len = length(rec);
                if (len >= prefix.length
                        && Arrays.equals(arena, rec + HEADER, rec + HEADER + prefix.length, prefix, 0, prefix.length)) {
                    removed.add(new String(arena, rec + HEADER, len, UTF_8));
                }
            }
        }
        for (String name : removed) {
            remove(name);
        }
        return removed;
    }

    private int length(int rec) {
        return ((arena[rec + 1] & 0xff) << 8) | (arena[rec + 2] & 0xff);
    }

    private int find(byte[] b, int off, int len, int h) {
        if (index.length == 0) {
            return -1;
        }
        int mask = index.length - 1;
        for (int i = h & mask;; i = (i + 1) & mask) {
            int slot = index[i];
            if (slot == 0) {
                return -1;
            }
            if (slot != TOMBSTONE && equal(slot - 1, b, off, len)) {
                return i;
            }
        }
    }

    private boolean equal(int rec, byte[] b, int off, int len) {
        return length(rec) == len && Arrays.equals(arena, rec + HEADER, rec + HEADER + len, b, off, off + len);
    }

    private static int hash(byte[] b, int off, int len) {
        int h = 0x811c9dc5;
        for (int i = off; i < off + len; i++) {
            h = (h ^ b[i]) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    /** Rebuilds the index with {@code capacity} slots, compacting the arena when half of it is garbage. */
    private void rehash(int capacity) {
        int[] old = index;
        index = new int[capacity];
        tombstones = 0;
        byte[] from = arena;
        boolean compact = garbage * 2 > used;
        if (compact) {
            arena = new byte[Math.max(32, used - garbage + 32)];
            used = 0;
            garbage = 0;
        }
        int mask = capacity - 1;
        for (int slot : old) {
            if (slot <= 0) {
                continue;
            }
            int rec = slot - 1;
            int len = ((from[rec + 1] & 0xff) << 8) | (from[rec + 2] & 0xff);
            if (compact) {
                System.arraycopy(from, rec, arena, used, HEADER + len);
                rec = used;
                used += HEADER + len;
            }
            int h = hash(arena, rec + HEADER, len);
            for (int i = h & mask;; i = (i + 1) & mask) {
                if (index[i] == 0) {
                    index[i] = rec + 1;
                    break;
                }
            }
        }
    }
}
