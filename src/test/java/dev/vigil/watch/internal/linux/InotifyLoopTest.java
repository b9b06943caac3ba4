package dev.vigil.watch.internal.linux;

import static dev.vigil.watch.internal.linux.jna.Inotify.IN_ATTRIB;
import static dev.vigil.watch.internal.linux.jna.Inotify.IN_CLOSE_WRITE;
import static dev.vigil.watch.internal.linux.jna.Inotify.IN_CREATE;
import static dev.vigil.watch.internal.linux.jna.Inotify.IN_DELETE;
import static dev.vigil.watch.internal.linux.jna.Inotify.IN_DELETE_SELF;
import static dev.vigil.watch.internal.linux.jna.Inotify.IN_IGNORED;
import static dev.vigil.watch.internal.linux.jna.Inotify.IN_ISDIR;
import static dev.vigil.watch.internal.linux.jna.Inotify.IN_MODIFY;
import static dev.vigil.watch.internal.linux.jna.Inotify.IN_MOVED_FROM;
import static dev.vigil.watch.internal.linux.jna.Inotify.IN_MOVED_TO;
import static dev.vigil.watch.internal.linux.jna.Inotify.IN_MOVE_SELF;
import static dev.vigil.watch.internal.linux.jna.Inotify.IN_UNMOUNT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.watch.internal.RawEvent.RawKind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The mask and name decoding of the loop, on hand-made bytes. */
@EnabledOnOs(OS.LINUX)
class InotifyLoopTest {

    @Test
    void mapsEachMaskToItsKind() {
        assertThat(InotifyLoop.kind(IN_CREATE)).isEqualTo(RawKind.CREATED);
        assertThat(InotifyLoop.kind(IN_CREATE | IN_ISDIR)).isEqualTo(RawKind.CREATED);
        assertThat(InotifyLoop.kind(IN_MODIFY)).isEqualTo(RawKind.MODIFIED);
        assertThat(InotifyLoop.kind(IN_ATTRIB | IN_ISDIR)).isEqualTo(RawKind.ATTRIBUTES);
        assertThat(InotifyLoop.kind(IN_DELETE)).isEqualTo(RawKind.DELETED);
        assertThat(InotifyLoop.kind(IN_MOVED_FROM)).isEqualTo(RawKind.MOVED_FROM);
        assertThat(InotifyLoop.kind(IN_MOVED_TO | IN_ISDIR)).isEqualTo(RawKind.MOVED_TO);
        assertThat(InotifyLoop.kind(IN_DELETE_SELF)).isEqualTo(RawKind.SELF_DELETED);
        assertThat(InotifyLoop.kind(IN_MOVE_SELF)).isEqualTo(RawKind.SELF_MOVED);
        assertThat(InotifyLoop.kind(IN_IGNORED)).isEqualTo(RawKind.UNWATCHED);
        assertThat(InotifyLoop.kind(IN_UNMOUNT)).isEqualTo(RawKind.UNWATCHED);
        assertThat(InotifyLoop.kind(IN_CLOSE_WRITE)).isNull();
    }

    @Test
    void readsEnoughPerTurnToDrainAFullKernelQueue() {
        // 16385 events of up to 272 bytes need 69 reads of more than 65264 bytes; one more for safety.
        assertThat(InotifyLoop.maxReadsPerTurn("16384")).isEqualTo(70);
        assertThat(InotifyLoop.maxReadsPerTurn("0")).isEqualTo(2);
        assertThat(InotifyLoop.maxReadsPerTurn(null)).isEqualTo(Integer.MAX_VALUE);
        assertThat(InotifyLoop.maxReadsPerTurn("2147483647")).isEqualTo(8_950_044);
        assertThat(InotifyLoop.maxReadsPerTurn("999999999999999")).isEqualTo(Integer.MAX_VALUE);
        assertThat(InotifyLoop.maxReadsPerTurn("garbage")).isEqualTo(Integer.MAX_VALUE);
        assertThat(InotifyLoop.maxReadsPerTurn("-1")).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void decodesNulPaddedUtf8Names() {
        byte[] name = "é中😀.txt".getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(64);
        buf.position(8);
        buf.put(name); // then NUL padding, as the kernel pads to the event alignment
        assertThat(InotifyLoop.name(buf, 8, 32)).isEqualTo("é中😀.txt");
        assertThat(InotifyLoop.name(buf, 8, 0)).isEmpty();
    }

    @Test
    void invalidUtf8BecomesReplacementCharacters() {
        ByteBuffer buf = ByteBuffer.wrap(new byte[] {'a', (byte) 0xff, 'b', 0, 0, 0, 0, 0});
        assertThat(InotifyLoop.name(buf, 0, 8)).isEqualTo("a\ufffdb");
    }
}
