package dev.vigil.crash.internal.windows;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Native;
import dev.vigil.crash.CrashReporterOptions;
import dev.vigil.crash.MinidumpFlag;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** Layouts and flag values checked on every OS: the structures are built, never passed to Windows here. */
class WindowsLayoutTest {

    @Test
    void minidumpExceptionInformationIsPackedOnFourBytes() {
        MinidumpExceptionInformation info = new MinidumpExceptionInformation();
        assertThat(info.offsetOf("ThreadId")).isZero();
        assertThat(info.offsetOf("ExceptionPointers")).isEqualTo(4);
        assertThat(info.offsetOf("ClientPointers")).isEqualTo(4 + Native.POINTER_SIZE);
        assertThat(info.size()).isEqualTo(8 + Native.POINTER_SIZE);
    }

    @Test
    void minidumpTypePresetsHaveTheDocumentedValues() {
        assertThat(MinidumpFlag.toType(MinidumpFlag.SMALL)).isEqualTo(0x1000 | 0x20 | 0x100 | 0x4);
        assertThat(MinidumpFlag.toType(MinidumpFlag.WITH_REFERENCED_MEMORY)).isEqualTo(0x1124 | 0x40 | 0x10);
        assertThat(MinidumpFlag.toType(MinidumpFlag.FULL)).as("HotSpot's own set").isEqualTo(0x1826);
        assertThat(MinidumpFlag.toType(EnumSet.noneOf(MinidumpFlag.class))).as("MiniDumpNormal").isZero();
        assertThat(MinidumpFlag.fromType(0x1826)).isEqualTo(MinidumpFlag.FULL);
        int all = 0;
        for (MinidumpFlag f : MinidumpFlag.values()) {
            assertThat(Integer.bitCount(f.bit())).isEqualTo(1);
            all |= f.bit();
        }
        assertThat(all).as("MiniDumpValidTypeFlags").isEqualTo(0x01ffffff);
        assertThat(CrashReporterOptions.defaults().minidumpType()).isEqualTo(MinidumpFlag.toType(MinidumpFlag.SMALL));
        assertThat(CrashReporterOptions.defaults().withMinidumpType(0x4000_0000).minidumpType())
                .as("raw flags pass through").isEqualTo(0x4000_0000);
    }

    @Test
    void errorModeFlags() {
        assertThat(ErrorMode.UNATTENDED).isEqualTo(0x8003);
    }

    @Test
    void minidumpsAreUnavailableOffWindowsWithAReason() {
        if (!com.sun.jna.Platform.isWindows()) {
            assertThat(WindowsMinidumps.isAvailable()).isFalse();
            assertThat(WindowsMinidumps.unavailabilityCause()).startsWith("MiniDumpWriteDump is Windows-only");
        }
    }
}
