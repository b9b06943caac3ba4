package dev.vigil.watch.internal.macos;

import dev.vigil.watch.internal.RawEvent;
import dev.vigil.watch.internal.RawEvent.EntryType;
import dev.vigil.watch.internal.RawEvent.RawKind;
import dev.vigil.watch.internal.macos.EventStreams.Entry;
import dev.vigil.watch.internal.macos.EventStreams.Record;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Turns the records of one FSEvents callback for one root into raw events. FSEvents reports, per path, flags that
 * may sum up several things that happened there (created, modified and removed in one record; flags of earlier
 * changes kept on later records), and both halves of a rename with the same flag and no cookie. What happened is
 * decided here from the flags and what is on disk now (through {@link EventStreams#entry}), and from the inode where
 * the stream gives one:
 * <ul>
 *   <li>the item of a record is <em>here</em> when its path holds it now (same inode, where known): its creation,
 *       content and metadata changes are reported ({@code CREATED} of a known entry is ignored by the pipeline);
 *       an item that is not here was removed, and whatever holds its path now was created;</li>
 *   <li>a renamed item that is here is the arrival half, one that is not is the departure half; both carry the
 *       inode as cookie, so the pipeline pairs them (and a lone half becomes a move in or out). Without inodes, a
 *       departure is paired with the arrival next to it, and a lone departure is reported removed;</li>
 *   <li>paths are made relative to the root as FSEvents reports it (its real path: {@code /private/var/..} for
 *       {@code /var/..}), NFC-normalised as the JDK gives names on macOS, and on a case-insensitive volume put in
 *       the case the directory stores;</li>
 *   <li>{@code MustScanSubDirs} and {@code Mount}/{@code Unmount} are losses scoped to their path, the dropped flags
 *       losses of the whole root; {@code RootChanged} and a removal or rename of the root end the root when its
 *       path no longer holds the directory that was watched.</li>
 * </ul>
 * Used on the loop thread only.
 */
final class Decoder {

    /**
     * A watched root, and the arrivals of renames already reported in it (FSEvents keeps the {@code ItemRenamed}
     * flag on later records of the same path: a modification of a file that arrived by a rename is no second
     * arrival). Bounded: a forgotten arrival reported again costs a {@code DELETED} + {@code CREATED} of the entry,
     * which the pipeline merges into {@code MODIFIED}.
     */
    static final class Root {
        private static final int ARRIVALS = 1024;
        final Object key;
        final Path given;
        final Path real;
        final long inode;
        final boolean caseSensitive;
        private final Map<String, Long> arrivals = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > ARRIVALS;
            }
        };

        /**
         * @param key the key of its events
         * @param given the root as the session named it
         * @param real its real path, as FSEvents reports it
         * @param inode the root directory's inode when the watch began
         * @param caseSensitive whether its volume compares names case-sensitively
         */
        Root(Object key, Path given, Path real, long inode, boolean caseSensitive) {
            this.key = key;
            this.given = given;
            this.real = real;
            this.inode = inode;
            this.caseSensitive = caseSensitive;
        }
    }

    private final EventStreams os;

    Decoder(EventStreams os) {
        this.os = os;
    }

    /** The raw events of {@code records}, in their order. */
    List<RawEvent> decode(Root root, List<Record> records) {
        List<RawEvent> out = new ArrayList<>();
        Set<Integer> consumed = new HashSet<>();
        Set<Long> departed = new HashSet<>();
        for (int i = 0; i < records.size(); i++) {
            if (!consumed.contains(i)) {
                decode(root, records, i, consumed, departed, out);
            }
        }
        return out;
    }

    private void decode(Root root, List<Record> records, int i, Set<Integer> consumed, Set<Long> departed,
            List<RawEvent> out) {
        Record r = records.get(i);
        int f = r.flags();
        Object key = root.key;
        if ((f & Flags.DROPPED) != 0) {
            out.add(RawEvent.overflow(key, ""));
            return;
        }
        if ((f & Flags.ROOT_CHANGED) != 0) {
            rootChanged(root, out);
            return;
        }
        String rel = relative(root, r.path());
        if (rel == null) {
            return; // outside the root (an ancestor's own record)
        }
        if ((f & (Flags.MUST_SCAN_SUB_DIRS | Flags.MOUNT | Flags.UNMOUNT)) != 0) {
            out.add(RawEvent.overflow(key, rel));
            return;
        }
        int item = Flags.ITEM_CREATED | Flags.ITEM_REMOVED | Flags.ITEM_RENAMED | Flags.ITEM_MODIFIED
                | Flags.ATTRIBUTE_CHANGES | Flags.ITEM_CLONED;
        if ((f & item) == 0) {
            if ((f & (Flags.HISTORY_DONE | Flags.EVENT_IDS_WRAPPED)) == 0) {
                out.add(RawEvent.overflow(key, rel)); // a directory-level record: something changed inside it
            }
            return;
        }
        if (rel.isEmpty()) {
            if ((f & (Flags.ITEM_REMOVED | Flags.ITEM_RENAMED)) != 0) {
                rootChanged(root, out);
            }
            return; // the root's own metadata is not reported
        }
        Resolved now = resolve(root, rel, r);
        EntryType type = typeOf(f);
        if ((f & Flags.ITEM_RENAMED) != 0) {
            if (now.here) {
                long cookie = r.inode() != 0 ? r.inode() : now.entry.inode();
                int j = departure(root, records, i, consumed);
                if (j >= 0) {
                    consumed.add(j);
                    Record d = records.get(j);
                    depart(root, d, relative(root, d.path()), resolve(root, relative(root, d.path()), d), cookie,
                            departed, out);
                }
                boolean again = j < 0 && !departed.contains(cookie)
                        && Long.valueOf(cookie).equals(root.arrivals.get(now.rel));
                if (!again) {
                    out.add(new RawEvent(key, RawKind.MOVED_TO, now.rel, now.type(), cookie));
                    root.arrivals.put(now.rel, cookie);
                }
                changedHere(key, now, f & ~(Flags.ITEM_CREATED | Flags.ITEM_REMOVED), out);
            } else if ((f & Flags.ITEM_REMOVED) != 0 && r.inode() != 0 && departed.contains(r.inode())) {
                // the arrival of a rename read in this callback, removed since
                out.add(new RawEvent(key, RawKind.MOVED_TO, now.rel, type, r.inode()));
                out.add(new RawEvent(key, RawKind.DELETED, now.rel, type, 0));
            } else {
                long cookie = r.inode();
                if (cookie == 0 && i + 1 < records.size() && !consumed.contains(i + 1)) {
                    Record next = records.get(i + 1);
                    String nextRel = relative(root, next.path());
                    if ((next.flags() & Flags.ITEM_RENAMED) != 0 && nextRel != null && !nextRel.isEmpty()) {
                        Resolved arrival = resolve(root, nextRel, next);
                        if (arrival.here) {
                            cookie = arrival.entry.inode();
                        }
                    }
                }
                depart(root, r, rel, now, cookie, departed, out);
            }
            return;
        }
        if (!now.here) {
            root.arrivals.remove(now.rel);
            out.add(new RawEvent(key, RawKind.DELETED, now.rel, type, 0));
            if (now.entry != null) {
                out.add(new RawEvent(key, RawKind.CREATED, now.rel, now.type(), 0));
            }
            return;
        }
        if ((f & Flags.ITEM_REMOVED) != 0 && r.inode() == 0) {
            // removed and created again (without an inode the record cannot say which item it is about)
            out.add(new RawEvent(key, RawKind.DELETED, now.rel, type, 0));
            out.add(new RawEvent(key, RawKind.CREATED, now.rel, now.type(), 0));
            f &= ~Flags.ITEM_CREATED;
        }
        changedHere(key, now, f, out);
    }

    /** The departure half of a rename at {@code rel}: its item is not there any more. */
    private static void depart(Root root, Record r, String rel, Resolved now, long cookie, Set<Long> departed,
            List<RawEvent> out) {
        EntryType type = typeOf(r.flags());
        root.arrivals.remove(now.rel);
        if (cookie == 0) {
            out.add(new RawEvent(root.key, RawKind.DELETED, now.rel, type, 0)); // nothing to pair it with
        } else {
            if ((r.flags() & Flags.ITEM_CREATED) != 0 && type == EntryType.FILE) {
                out.add(new RawEvent(root.key, RawKind.CREATED, now.rel, type, 0)); // created, then renamed
            }
            out.add(new RawEvent(root.key, RawKind.MOVED_FROM, now.rel, type, cookie));
            departed.add(cookie);
        }
        if (now.entry != null && !now.sameItemOtherName && (r.flags() & Flags.ITEM_CREATED) != 0) {
            out.add(new RawEvent(root.key, RawKind.CREATED, now.rel, now.type(), 0)); // a new item took the name
        }
    }

    /**
     * The index of the departure half that belongs to the arrival at {@code i}, when it comes later in the callback
     * (FSEvents does not promise the order): a renamed record whose item is gone, with the arrival's inode, or,
     * without inodes, right after it. -1 when none.
     */
    private int departure(Root root, List<Record> records, int i, Set<Integer> consumed) {
        Record arrival = records.get(i);
        for (int j = i + 1; j < records.size(); j++) {
            Record d = records.get(j);
            if (consumed.contains(j) || (d.flags() & Flags.ITEM_RENAMED) == 0) {
                continue;
            }
            if (arrival.inode() != 0 ? d.inode() != arrival.inode() : j != i + 1) {
                continue;
            }
            String rel = relative(root, d.path());
            if (rel != null && !rel.isEmpty() && !resolve(root, rel, d).here) {
                return j;
            }
            return -1;
        }
        return -1;
    }

    /** Creation, content and metadata changes of an item that is at its path now. */
    private static void changedHere(Object key, Resolved now, int f, List<RawEvent> out) {
        if ((f & (Flags.ITEM_CREATED | Flags.ITEM_CLONED)) != 0) {
            out.add(new RawEvent(key, RawKind.CREATED, now.rel, now.type(), 0));
        }
        if ((f & Flags.ITEM_MODIFIED) != 0 && !now.entry.directory()) {
            out.add(new RawEvent(key, RawKind.MODIFIED, now.rel, now.type(), 0));
        }
        boolean content = (f & Flags.ITEM_MODIFIED) != 0 && !now.entry.directory();
        if ((f & Flags.ATTRIBUTE_CHANGES) != 0 && !content) { // a write changes the times too: one change
            out.add(new RawEvent(key, RawKind.ATTRIBUTES, now.rel, now.type(), 0));
        }
    }

    /** The root's path changed (it, or an ancestor, was removed or renamed): the root ends unless it is still there. */
    private void rootChanged(Root root, List<RawEvent> out) {
        Entry e = os.entry(root.real, false);
        if (e == null) {
            out.add(new RawEvent(root.key, RawKind.SELF_DELETED, "", EntryType.DIRECTORY, 0));
        } else if (!e.directory() || e.inode() != root.inode) {
            out.add(new RawEvent(root.key, RawKind.SELF_MOVED, "", EntryType.DIRECTORY, 0));
        }
    }

    /**
     * What is at {@code rel} now. On a case-insensitive volume, a path that finds an entry whose stored name differs
     * is reported under the stored name, and is not "here" for a rename (the case-only rename {@code Foo} to
     * {@code foo} reports both names, and both find the item).
     */
    private Resolved resolve(Root root, String rel, Record r) {
        Entry e = os.entry(root.real.resolve(rel), !root.caseSensitive);
        String name = rel.substring(rel.lastIndexOf('/') + 1);
        boolean otherName = e != null && !e.name().equals(name);
        String stored = otherName ? rel.substring(0, rel.length() - name.length()) + e.name() : rel;
        boolean sameItem = e != null && (r.inode() == 0 || e.inode() == r.inode());
        boolean renamed = (r.flags() & Flags.ITEM_RENAMED) != 0;
        if (otherName && renamed) {
            return new Resolved(rel, e, false, true);
        }
        return new Resolved(stored, e, sameItem, false);
    }

    /**
     * {@code path} (absolute, as FSEvents reports it) relative to {@code root}, '/'-separated and NFC; "" for the
     * root itself; null when outside it.
     */
    static String relative(Root root, String path) {
        String p = Normalizer.normalize(path, Normalizer.Form.NFC);
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        for (Path base : new Path[] {root.real, root.given}) {
            String b = Normalizer.normalize(base.toString(), Normalizer.Form.NFC);
            if (p.length() == b.length() && p.regionMatches(!root.caseSensitive, 0, b, 0, b.length())) {
                return "";
            }
            if (p.length() > b.length() && p.charAt(b.length()) == '/'
                    && p.regionMatches(!root.caseSensitive, 0, b, 0, b.length())) {
                return p.substring(b.length() + 1);
            }
        }
        return null;
    }

    private static EntryType typeOf(int flags) {
        if ((flags & Flags.ITEM_IS_DIR) != 0) {
            return EntryType.DIRECTORY;
        }
        return (flags & (Flags.ITEM_IS_FILE | Flags.ITEM_IS_SYMLINK | Flags.ITEM_IS_HARDLINK)) != 0
                ? EntryType.FILE : EntryType.UNKNOWN;
    }

    /**
     * A record's path resolved against the disk.
     *
     * @param rel the path to report (the stored name where the volume ignores case)
     * @param entry what is at the path now, or null
     * @param here whether that is the record's item
     * @param sameItemOtherName whether the path found the item under another stored name (case-only rename)
     */
    private record Resolved(String rel, Entry entry, boolean here, boolean sameItemOtherName) {
        EntryType type() {
            return entry.directory() ? EntryType.DIRECTORY : EntryType.FILE;
        }
    }
}
