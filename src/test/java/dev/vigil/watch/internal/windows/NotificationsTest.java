package dev.vigil.watch.internal.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.watch.internal.windows.Notifications.Record;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The record parser on recorded and synthetic buffers: both alignments, UTF-16 names, extended records, bad chains. */
class NotificationsTest {

    /**
     * One completion as Wine 8.0 wrote it (research/windows.md, T1 layout): records packed to 2 bytes, the first
     * 22 bytes long for a 5-character name. The second record's tail was elided in the note and is completed here.
     */
    static final byte[] WINE_T1 = HexFormat.of().parseHex(
            "16000000" + "01000000" + "0a000000" + "61002e00740078007400"
            + "00000000" + "03000000" + "0a000000" + "61002e00740078007400");

    @Test
    void wineRecordsPackedToTwoBytes() throws Exception {
        assertThat(Notifications.parse(ByteBuffer.wrap(WINE_T1), WINE_T1.length, false)).containsExactly(
                new Record(Notifications.ADDED, "a.txt", -1, 0), new Record(Notifications.MODIFIED, "a.txt", -1, 0));
    }

    @Test
    void windowsRecordsAlignedToFourBytesWithSubdirectoryPathsAndAnyUnicode() throws Exception {
        byte[] b = FakeKernel.records(false, Notifications.ADDED, "sub\\c.txt", Notifications.RENAMED_OLD_NAME, "é中😀",
                Notifications.RENAMED_NEW_NAME, "x");
        assertThat(b.length % 4).isZero();
        assertThat(Notifications.parse(ByteBuffer.wrap(b), b.length, false)).extracting(Record::name)
                .containsExactly("sub/c.txt", "é中😀", "x");
    }

    @Test
    void extendedRecordsCarryAttributesAndFileIds() throws Exception {
        byte[] b = FakeKernel.extended(Notifications.ADDED, "d", Kernel.FILE_ATTRIBUTE_DIRECTORY, 0x1234_5678_9abcL,
                true, 0);
        Record r = Notifications.parse(ByteBuffer.wrap(b), b.length, true).get(0);
        assertThat(r).isEqualTo(new Record(Notifications.ADDED, "d", Kernel.FILE_ATTRIBUTE_DIRECTORY, 0x1234_5678_9abcL));
        assertThat(r.directory()).isTrue();
        assertThat(new Record(1, "f", 0x20, 1).directory()).isFalse();
        assertThat(new Record(1, "f", -1, 0).directoryKnown()).isFalse();
    }

    @Test
    void chainsLeavingTheBytesReturnedAreRefused() {
        byte[] b = FakeKernel.records(false, Notifications.ADDED, "abc", Notifications.ADDED, "d");
        assertThatThrownBy(() -> Notifications.parse(ByteBuffer.wrap(b), b.length - 3, false)) // into the last name
                .isInstanceOf(Notifications.MalformedException.class).hasMessageContaining("passes");
        byte[] odd = b.clone();
        odd[8] = 5; // an odd name length
        assertThatThrownBy(() -> Notifications.parse(ByteBuffer.wrap(odd), odd.length, false))
                .hasMessageContaining("odd");
        byte[] loop = b.clone();
        loop[0] = 0x7f; // a link past the end
        loop[3] = 0x7f;
        assertThatThrownBy(() -> Notifications.parse(ByteBuffer.wrap(loop), loop.length, false))
                .hasMessageContaining("outside");
        byte[] back = b.clone();
        back[0] = 4; // a link shorter than a header
        assertThatThrownBy(() -> Notifications.parse(ByteBuffer.wrap(back), back.length, false))
                .hasMessageContaining("outside");
        assertThatThrownBy(() -> Notifications.parse(ByteBuffer.wrap(b), 6, false)).hasMessageContaining("header");
    }
}
