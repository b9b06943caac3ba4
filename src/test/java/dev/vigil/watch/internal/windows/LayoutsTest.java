package dev.vigil.watch.internal.windows;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.platform.win32.WinBase;
import org.junit.jupiter.api.Test;

/**
 * The offsets in {@link Layouts} against JNA's layout of the Windows SDK definitions (x64 alignment rules, which
 * JNA applies the same way on every 64-bit OS; WCHAR is declared as a 2-byte short here because JNA's wchar_t is 4
 * bytes off Windows). Runs on Linux and in the Windows JVM.
 */
class LayoutsTest {

    /** A structure whose field offsets the test may read. */
    public abstract static class Laid extends Structure {
        int at(String field) {
            return fieldOffset(field);
        }
    }

    @Structure.FieldOrder({"lpCompletionKey", "lpOverlapped", "Internal", "dwNumberOfBytesTransferred"})
    public static class OverlappedEntry extends Laid {
        public Pointer lpCompletionKey;
        public Pointer lpOverlapped;
        public Pointer Internal;
        public int dwNumberOfBytesTransferred;
    }

    @Structure.FieldOrder({"NextEntryOffset", "Action", "FileNameLength", "FileName"})
    public static class FileNotifyInformation extends Laid {
        public int NextEntryOffset;
        public int Action;
        public int FileNameLength;
        public short[] FileName = new short[1];
    }

    @Structure.FieldOrder({"NextEntryOffset", "Action", "CreationTime", "LastModificationTime", "LastChangeTime",
        "LastAccessTime", "AllocatedLength", "FileSize", "FileAttributes", "ReparsePointTag", "FileId",
        "ParentFileId", "FileNameLength", "FileName"})
    public static class FileNotifyExtendedInformation extends Laid {
        public int NextEntryOffset;
        public int Action;
        public long CreationTime;
        public long LastModificationTime;
        public long LastChangeTime;
        public long LastAccessTime;
        public long AllocatedLength;
        public long FileSize;
        public int FileAttributes;
        public int ReparsePointTag;
        public long FileId;
        public long ParentFileId;
        public int FileNameLength;
        public short[] FileName = new short[1];
    }

    @Test
    void overlappedEntry() {
        OverlappedEntry e = new OverlappedEntry();
        assertThat(e.at("lpCompletionKey")).isEqualTo(Layouts.ENTRY_KEY);
        assertThat(e.at("lpOverlapped")).isEqualTo(Layouts.ENTRY_OVERLAPPED);
        assertThat(e.at("Internal")).isEqualTo(Layouts.ENTRY_STATUS);
        assertThat(e.at("dwNumberOfBytesTransferred")).isEqualTo(Layouts.ENTRY_BYTES);
        assertThat(e.size()).isEqualTo(Layouts.ENTRY_SIZE);
    }

    @Test
    void overlapped() {
        assertThat(new WinBase.OVERLAPPED().size()).isEqualTo(Layouts.OVERLAPPED_SIZE);
    }

    @Test
    void fileNotifyInformation() {
        FileNotifyInformation f = new FileNotifyInformation();
        assertThat(f.at("NextEntryOffset")).isEqualTo(Layouts.NOTIFY_NEXT);
        assertThat(f.at("Action")).isEqualTo(Layouts.NOTIFY_ACTION);
        assertThat(f.at("FileNameLength")).isEqualTo(Layouts.NOTIFY_NAME_LENGTH);
        assertThat(f.at("FileName")).isEqualTo(Layouts.NOTIFY_NAME);
    }

    @Test
    void fileNotifyExtendedInformation() {
        FileNotifyExtendedInformation f = new FileNotifyExtendedInformation();
        assertThat(f.at("NextEntryOffset")).isEqualTo(Layouts.EXTENDED_NEXT);
        assertThat(f.at("Action")).isEqualTo(Layouts.EXTENDED_ACTION);
        assertThat(f.at("FileAttributes")).isEqualTo(Layouts.EXTENDED_ATTRIBUTES);
        assertThat(f.at("FileId")).isEqualTo(Layouts.EXTENDED_FILE_ID);
        assertThat(f.at("ParentFileId")).isEqualTo(Layouts.EXTENDED_PARENT_FILE_ID);
        assertThat(f.at("FileNameLength")).isEqualTo(Layouts.EXTENDED_NAME_LENGTH);
        assertThat(f.at("FileName")).isEqualTo(Layouts.EXTENDED_NAME);
    }
}
