package dev.vigil.crash.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.crash.CrashEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class HsErrParserTest {

    private static final String LINUX = """
            #
            # A fatal error has been detected by the Java Runtime Environment:
            #
            #  SIGSEGV (0xb) at pc=0x00007f3a5c6b1234, pid=4242, tid=4243
            #
            # JRE version: OpenJDK Runtime Environment (17.0.15+6) (build 17.0.15+6-Debian-1deb12u1)
            # Java VM: OpenJDK 64-Bit Server VM (17.0.15+6-Debian-1deb12u1, mixed mode, sharing, linux-amd64)
            # Problematic frame:
            # C  [jna1234.tmp+0x1f2e]  Java_com_sun_jna_Native_getInt+0x1e
            #
            # Core dump will be written. Default location: /tmp/core
            #

            ---------------  S U M M A R Y ------------

            END.
            """;

    private static final String WINDOWS_TRUNCATED = """
            #
            # A fatal error has been detected by the Java Runtime Environment:
            #
            #  EXCEPTION_ACCESS_VIOLATION (0xc0000005) at pc=0x00007ffb1c2d1234, pid=7, tid=8
            #
            # JRE version: OpenJDK Runtime Environment Temurin-25.0.3+9 (25.0.3+9) (build 25.0.3+9-LTS)
            # Java VM: OpenJDK 64-Bit Server VM Temurin-25.0.3+9 (25.0.3+9-LTS, mixed mode, windows-amd64)
            # Problematic frame:
            # V  [jvm.dll+0x3f1234]
            """;

    private static final String INTERNAL = """
            #
            # A fatal error has been detected by the Java Runtime Environment:
            #
            #  Internal Error (debug.cpp:362), pid=99, tid=100
            #  fatal error: OutOfMemory encountered: Java heap space
            #
            """;

    @Test
    void linuxSignalHeader() {
        CrashEvent.NativeCrash r = HsErrParser.parse(LINUX.lines().toList());
        assertThat(r).isEqualTo(new CrashEvent.NativeCrash("SIGSEGV", "0xb",
                "C  [jna1234.tmp+0x1f2e]  Java_com_sun_jna_Native_getInt+0x1e",
                "OpenJDK Runtime Environment (17.0.15+6) (build 17.0.15+6-Debian-1deb12u1)",
                "OpenJDK 64-Bit Server VM (17.0.15+6-Debian-1deb12u1, mixed mode, sharing, linux-amd64)", true));
        assertThat(HsErrParser.pid(LINUX.lines().toList())).isEqualTo(4242);
    }

    @Test
    void windowsExceptionHeaderCutOffBeforeTheEnd() {
        CrashEvent.NativeCrash r = HsErrParser.parse(WINDOWS_TRUNCATED.lines().toList());
        assertThat(r.error()).isEqualTo("EXCEPTION_ACCESS_VIOLATION");
        assertThat(r.code()).isEqualTo("0xc0000005");
        assertThat(r.problematicFrame()).isEqualTo("V  [jvm.dll+0x3f1234]");
        assertThat(r.jreVersion()).contains("25.0.3+9");
        assertThat(r.complete()).isFalse();
    }

    @Test
    void internalErrorAndEmptyFile() {
        assertThat(HsErrParser.parse(INTERNAL.lines().toList()).error()).isEqualTo("Internal Error");
        assertThat(HsErrParser.parse(List.of())).isEqualTo(new CrashEvent.NativeCrash("", "", "", "", "", false));
    }
}
