package dev.vigil.watch.internal.macos;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code FSEventStreamCreateFlags} and {@code FSEventStreamEventFlags} of {@code <CoreServices/FSEvents.h>}
 * (FSEvents.framework), with the values Apple's header gives them, and their names for messages and fixtures.
 */
final class Flags {

    // FSEventStreamCreateFlags
    static final int CREATE_USE_CF_TYPES = 0x00000001;
    static final int CREATE_NO_DEFER = 0x00000002;
    static final int CREATE_WATCH_ROOT = 0x00000004;
    static final int CREATE_IGNORE_SELF = 0x00000008;
    static final int CREATE_FILE_EVENTS = 0x00000010;
    static final int CREATE_MARK_SELF = 0x00000020;
    /** macOS 10.13+: each path is a {@code CFDictionary} with {@code "path"} and {@code "fileID"} (the inode). */
    static final int CREATE_USE_EXTENDED_DATA = 0x00000040;
    static final int CREATE_FULL_HISTORY = 0x00000080;

    /** {@code kFSEventStreamEventIdSinceNow}: only events from the stream's start on. */
    static final long SINCE_NOW = 0xFFFFFFFFFFFFFFFFL;

    // FSEventStreamEventFlags
    static final int MUST_SCAN_SUB_DIRS = 0x00000001;
    static final int USER_DROPPED = 0x00000002;
    static final int KERNEL_DROPPED = 0x00000004;
    static final int EVENT_IDS_WRAPPED = 0x00000008;
    static final int HISTORY_DONE = 0x00000010;
    static final int ROOT_CHANGED = 0x00000020;
    static final int MOUNT = 0x00000040;
    static final int UNMOUNT = 0x00000080;
    static final int ITEM_CREATED = 0x00000100;
    static final int ITEM_REMOVED = 0x00000200;
    static final int ITEM_INODE_META_MOD = 0x00000400;
    static final int ITEM_RENAMED = 0x00000800;
    static final int ITEM_MODIFIED = 0x00001000;
    static final int ITEM_FINDER_INFO_MOD = 0x00002000;
    static final int ITEM_CHANGE_OWNER = 0x00004000;
    static final int ITEM_XATTR_MOD = 0x00008000;
    static final int ITEM_IS_FILE = 0x00010000;
    static final int ITEM_IS_DIR = 0x00020000;
    static final int ITEM_IS_SYMLINK = 0x00040000;
    static final int OWN_EVENT = 0x00080000;
    static final int ITEM_IS_HARDLINK = 0x00100000;
    static final int ITEM_IS_LAST_HARDLINK = 0x00200000;
    static final int ITEM_CLONED = 0x00400000;

    /** Metadata changes: reported as attribute changes. */
    static final int ATTRIBUTE_CHANGES = ITEM_INODE_META_MOD | ITEM_FINDER_INFO_MOD | ITEM_CHANGE_OWNER | ITEM_XATTR_MOD;
    /** Lost events: the scope must be rescanned. */
    static final int DROPPED = USER_DROPPED | KERNEL_DROPPED;

    /** What every stream of the backend asks for. */
    static final int STREAM = CREATE_FILE_EVENTS | CREATE_NO_DEFER | CREATE_WATCH_ROOT;

    private static final String[] NAMES = {
        "MustScanSubDirs", "UserDropped", "KernelDropped", "EventIdsWrapped", "HistoryDone", "RootChanged", "Mount",
        "Unmount", "ItemCreated", "ItemRemoved", "ItemInodeMetaMod", "ItemRenamed", "ItemModified",
        "ItemFinderInfoMod", "ItemChangeOwner", "ItemXattrMod", "ItemIsFile", "ItemIsDir", "ItemIsSymlink",
        "OwnEvent", "ItemIsHardlink", "ItemIsLastHardlink", "ItemCloned"};

    private Flags() {
    }

    /** The names of the event flags set in {@code flags} (without the {@code kFSEventStreamEventFlag} prefix), '|'-joined. */
    static String names(int flags) {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < NAMES.length; bit++) {
            if ((flags & (1 << bit)) != 0) {
                out.add(NAMES[bit]);
            }
        }
        int unknown = flags & ~((1 << NAMES.length) - 1);
        if (unknown != 0) {
            out.add("0x" + Integer.toHexString(unknown));
        }
        return out.isEmpty() ? "None" : String.join("|", out);
    }

    /**
     * The event flags named in {@code spec} ('|'- or ','-separated names as {@link #names} gives them, with or without
     * the {@code kFSEventStreamEventFlag} prefix).
     *
     * @throws IllegalArgumentException for a name that is not a flag
     */
    static int parse(String spec) {
        int flags = 0;
        for (String part : spec.split("[|,]")) {
            String name = part.strip().replace("kFSEventStreamEventFlag", "");
            if (name.isEmpty() || name.equals("None")) {
                continue;
            }
            int bit = List.of(NAMES).indexOf(name);
            if (bit < 0) {
                throw new IllegalArgumentException("not an FSEvents event flag: " + part.strip());
            }
            flags |= 1 << bit;
        }
        return flags;
    }
}
