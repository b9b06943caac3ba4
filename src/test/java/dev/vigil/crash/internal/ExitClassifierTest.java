package dev.vigil.crash.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.crash.CrashEvent;
import dev.vigil.crash.DumpFile;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExitClassifierTest {

    static final PostMortem.Claimed NOTHING = new PostMortem.Claimed(List.of(), Map.of(), null);

    static PostMortem.Claimed with(DumpFile.Format format) {
        return new PostMortem.Claimed(List.of(new DumpFile(Path.of("x"), format, 1, Instant.EPOCH)), Map.of(), null);
    }

    private static CrashEvent.Kind posix(int exit) {
        return ExitClassifier.classify(HostOs.POSIX, exit, NOTHING).kind();
    }

    private static ExitClassifier.Verdict windows(int exit) {
        return ExitClassifier.classify(HostOs.WINDOWS, exit, NOTHING);
    }

    @Test
    void exitStatusesMeasuredOnHotSpotOnLinux() {
        assertThat(ExitClassifier.classify(HostOs.POSIX, 0, NOTHING)).isNull();
        assertThat(ExitClassifier.classify(HostOs.POSIX, 1, with(DumpFile.Format.HS_ERR)).kind())
                .as("crash with -XX:-CreateCoredumpOnCrash").isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
        assertThat(ExitClassifier.classify(HostOs.POSIX, 134, with(DumpFile.Format.HS_ERR)).kind())
                .isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
        assertThat(posix(134)).isEqualTo(CrashEvent.Kind.NATIVE_ABORT);
        assertThat(posix(137)).isEqualTo(CrashEvent.Kind.KILLED);
        assertThat(ExitClassifier.classify(HostOs.POSIX, 143, NOTHING).cause()).contains("SIGTERM");
        assertThat(posix(139)).isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
        assertThat(posix(1)).isEqualTo(CrashEvent.Kind.ABNORMAL_EXIT);
        assertThat(posix(3)).isEqualTo(CrashEvent.Kind.ABNORMAL_EXIT);
        assertThat(ExitClassifier.classify(HostOs.POSIX, 1, with(DumpFile.Format.HEAP_DUMP)).kind())
                .isEqualTo(CrashEvent.Kind.OUT_OF_MEMORY);
    }

    @Test
    void windowsExitCodesAreNtStatusValuesAndNeverSignals() {
        assertThat(ExitClassifier.classify(HostOs.WINDOWS, 0, NOTHING)).isNull();
        assertThat(ExitClassifier.classify(HostOs.WINDOWS, 1, with(DumpFile.Format.HS_ERR)).kind())
                .as("HotSpot exits with 1 after its report on Windows").isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
        assertThat(windows(0xC0000005).kind()).isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
        assertThat(windows(0xC0000005).cause()).contains("STATUS_ACCESS_VIOLATION").contains("0xC0000005")
                .contains("without an hs_err report");
        assertThat(windows(0xC00000FD).kind()).isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
        assertThat(windows(0xC00000FD).cause()).contains("STATUS_STACK_OVERFLOW");
        assertThat(windows(0xC0000374).cause()).contains("STATUS_HEAP_CORRUPTION");
        assertThat(windows(0xC0000409).kind()).isEqualTo(CrashEvent.Kind.NATIVE_ABORT);
        assertThat(windows(0xC0000409).cause()).contains("STATUS_STACK_BUFFER_OVERRUN").contains("abort()");
        assertThat(windows(0xC0000602).kind()).isEqualTo(CrashEvent.Kind.NATIVE_ABORT);
        assertThat(windows(0xC000013A).kind()).isEqualTo(CrashEvent.Kind.KILLED);
        assertThat(windows(0xC000013A).cause()).contains("STATUS_CONTROL_C_EXIT").contains("Ctrl-C");
        assertThat(windows(0xC0000135).kind()).as("a DLL missing at start").isEqualTo(CrashEvent.Kind.ABNORMAL_EXIT);
        assertThat(windows(0xC0001234).kind()).as("an unnamed NTSTATUS error").isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
        assertThat(windows(0xC0001234).cause()).contains("0xC0001234");
        assertThat(windows(134).kind()).as("no SIGABRT on Windows").isEqualTo(CrashEvent.Kind.ABNORMAL_EXIT);
        assertThat(windows(137).kind()).as("no SIGKILL on Windows").isEqualTo(CrashEvent.Kind.ABNORMAL_EXIT);
        assertThat(windows(1).cause()).contains("TerminateProcess");
        assertThat(windows(3).cause()).contains("abort()");
        assertThat(ExitClassifier.describeStatus(HostOs.WINDOWS, 0xC0000005)).isEqualTo("0xC0000005");
        assertThat(ExitClassifier.describeStatus(HostOs.WINDOWS, 2)).isEqualTo("2");
        assertThat(ExitClassifier.describeStatus(HostOs.POSIX, 134)).isEqualTo("134");
    }

    @Test
    void theRunningOsConventionIsChosenByTheOsName() {
        boolean windows = System.getProperty("os.name").startsWith("Windows");
        assertThat(HostOs.current()).isEqualTo(windows ? HostOs.WINDOWS : HostOs.POSIX);
        assertThat(ExitClassifier.classify(134, NOTHING).kind())
                .isEqualTo(windows ? CrashEvent.Kind.ABNORMAL_EXIT : CrashEvent.Kind.NATIVE_ABORT);
    }
}
