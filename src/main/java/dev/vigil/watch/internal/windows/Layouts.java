package dev.vigil.watch.internal.windows;

/**
 * Byte offsets of the Win32 structures the backend reads and writes itself (x64 layouts from the Windows SDK),
 * checked against JNA's structure layout by {@code LayoutsTest}. Records are read at these offsets from
 * little-endian buffers, never through JNA structures: Wine packs notification records to 2 bytes, and JNA's
 * {@code wchar_t} string accessors misread UTF-16 off Windows.
 */
final class Layouts {

    /** {@code OVERLAPPED}: Internal, InternalHigh, Offset, OffsetHigh, hEvent. */
    static final int OVERLAPPED_SIZE = 32;

    /** {@code OVERLAPPED_ENTRY}: lpCompletionKey, lpOverlapped, Internal (the NTSTATUS), dwNumberOfBytesTransferred. */
    static final int ENTRY_KEY = 0;
    static final int ENTRY_OVERLAPPED = 8;
    static final int ENTRY_STATUS = 16;
    static final int ENTRY_BYTES = 24;
    static final int ENTRY_SIZE = 32;

    /** {@code FILE_NOTIFY_INFORMATION}: NextEntryOffset, Action, FileNameLength (bytes), FileName (UTF-16LE). */
    static final int NOTIFY_NEXT = 0;
    static final int NOTIFY_ACTION = 4;
    static final int NOTIFY_NAME_LENGTH = 8;
    static final int NOTIFY_NAME = 12;

    /** {@code FILE_NOTIFY_EXTENDED_INFORMATION}: the same, with times, sizes, attributes and file ids first. */
    static final int EXTENDED_NEXT = 0;
    static final int EXTENDED_ACTION = 4;
    static final int EXTENDED_ATTRIBUTES = 56;
    static final int EXTENDED_FILE_ID = 64;
    static final int EXTENDED_PARENT_FILE_ID = 72;
    static final int EXTENDED_NAME_LENGTH = 80;
    static final int EXTENDED_NAME = 84;

    private Layouts() {
    }
}
