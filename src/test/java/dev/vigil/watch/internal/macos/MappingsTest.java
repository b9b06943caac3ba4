package dev.vigil.watch.internal.macos;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The JNA layouts, the constants of FSEvents.h, and what can be read of a callback without macOS. */
class MappingsTest {

    @Test
    void structuresHaveTheLayoutsOfTheHeaders() {
        CoreServices.StreamContext context = new CoreServices.StreamContext();
        assertThat(context.size()).isEqualTo(40);
        assertThat(context.offsetOf("info")).isEqualTo(8);
        assertThat(context.offsetOf("copyDescription")).isEqualTo(32);
        LibSystem.AttrList list = new LibSystem.AttrList();
        assertThat(list.size()).isEqualTo(24);
        assertThat(list.offsetOf("commonattr")).isEqualTo(4);
        assertThat(list.offsetOf("forkattr")).isEqualTo(20);
        assertThat(list.bitmapcount).isEqualTo((short) 5);
    }

    @Test
    void flagsHaveTheValuesOfTheHeader() {
        assertThat(Flags.STREAM).isEqualTo(0x10 | 0x02 | 0x04);
        assertThat(Flags.CREATE_USE_CF_TYPES | Flags.CREATE_USE_EXTENDED_DATA).isEqualTo(0x41);
        assertThat(Flags.ITEM_CREATED).isEqualTo(0x100);
        assertThat(Flags.ITEM_RENAMED).isEqualTo(0x800);
        assertThat(Flags.ITEM_IS_DIR).isEqualTo(0x20000);
        assertThat(Flags.ITEM_CLONED).isEqualTo(0x400000);
        // the flags of https://github.com/fsevents/fsevents/issues/409: 103680
        assertThat(Flags.names(103680)).isEqualTo("ItemCreated|ItemInodeMetaMod|ItemModified|ItemXattrMod|ItemIsFile");
        assertThat(Flags.parse("kFSEventStreamEventFlagItemCreated|ItemIsFile")).isEqualTo(0x10100);
        assertThat(Flags.names(0)).isEqualTo("None");
        assertThat(Flags.names(0x80000000)).isEqualTo("0x80000000");
        assertThatThrownBy(() -> Flags.parse("ItemMoved")).hasMessage("not an FSEvents event flag: ItemMoved");
    }

    @Test
    void aPlainCallbackIsReadFromItsThreeArrays() {
        byte[] a = "/private/tmp/a\0".getBytes(UTF_8);
        byte[] b = "/private/tmp/e\u0301\0".getBytes(UTF_8);
        Memory strings = new Memory(a.length + b.length);
        strings.write(0, a, 0, a.length);
        strings.write(a.length, b, 0, b.length);
        Memory paths = new Memory(2L * Native.POINTER_SIZE);
        paths.setPointer(0, strings);
        paths.setPointer(Native.POINTER_SIZE, strings.share(a.length));
        Memory flags = new Memory(8);
        flags.setInt(0, Flags.ITEM_CREATED | Flags.ITEM_IS_FILE);
        flags.setInt(4, Flags.ITEM_RENAMED | Flags.ITEM_IS_DIR);
        Memory ids = new Memory(16);
        ids.setLong(0, 41);
        ids.setLong(8, 42);
        assertThat(NativeEventStreams.plain(2, paths, flags, ids)).containsExactly(
                new EventStreams.Record("/private/tmp/a", 0x10100, 41, 0),
                new EventStreams.Record("/private/tmp/e\u0301", 0x20800, 42, 0));
    }

    @Test
    void theNameAttributeOfGetattrlistIsReadAndCheckedAgainstItsBuffer() {
        byte[] buffer = new byte[64];
        ByteBuffer b = ByteBuffer.wrap(buffer).order(ByteOrder.nativeOrder());
        byte[] name = "Foo.txt\0".getBytes(UTF_8);
        b.putInt(0, 12 + name.length).putInt(4, 8).putInt(8, name.length);
        System.arraycopy(name, 0, buffer, 12, name.length);
        assertThat(NativeEventStreams.nameAttribute(buffer)).isEqualTo("Foo.txt");
        b.putInt(8, 60); // passes the length returned
        assertThat(NativeEventStreams.nameAttribute(buffer)).isNull();
    }

    @Test
    void extendedDataIsUsedFromMacOs1013On() {
        assertThat(NativeEventStreams.atLeast("10.12.6", 10, 13)).isFalse();
        assertThat(NativeEventStreams.atLeast("10.13", 10, 13)).isTrue();
        assertThat(NativeEventStreams.atLeast("14.4.1", 10, 13)).isTrue();
        assertThat(NativeEventStreams.atLeast("x", 10, 13)).isFalse();
    }

    @Test
    void pathsAreMadeRelativeToTheRealRootInNfcAndIgnoringCaseWhereTheVolumeDoes() {
        Decoder.Root root = new Decoder.Root(null, Path.of("/var/folders/x/T"), Path.of("/private/var/folders/x/T"),
                1, true);
        assertThat(Decoder.relative(root, "/private/var/folders/x/T")).isEmpty();
        assertThat(Decoder.relative(root, "/private/var/folders/x/T/")).isEmpty();
        assertThat(Decoder.relative(root, "/private/var/folders/x/T/d/e\u0301")).isEqualTo("d/\u00e9");
        assertThat(Decoder.relative(root, "/var/folders/x/T/a")).isEqualTo("a");
        assertThat(Decoder.relative(root, "/private/var/folders/x/Tb")).isNull();
        assertThat(Decoder.relative(root, "/private/var/folders/x/t/a")).isNull();
        Decoder.Root insensitive = new Decoder.Root(null, root.given, root.real, 1, false);
        assertThat(Decoder.relative(insensitive, "/private/var/folders/X/t/a")).isEqualTo("a");
    }

    @Test
    void theProbeSaysWhyOffMacOs() {
        assertThat(FsEventsBackend.shared().unavailabilityCause()).isPresent()
                .get().extracting(Throwable::getMessage).asString().contains("FSEvents is macOS only");
    }

    @Test
    void recordsPrintTheirFlags() {
        assertThat(new EventStreams.Record("/a", 0x10100, 1, 7)).hasToString("/a ItemCreated|ItemIsFile ino=7");
    }
}
