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

    private static final PostMortem.Claimed NOTHING = new PostMortem.Claimed(List.of(), Map.of(), null);

    private static PostMortem.Claimed with(DumpFile.Format format) {
        return new PostMortem.Claimed(List.of(new DumpFile(Path.of("/x"), format, 1, Instant.EPOCH)), Map.of(), null);
    }

    @Test
    void exitStatusesMeasuredOnHotSpot() {
        assertThat(ExitClassifier.classify(0, NOTHING)).isNull();
        assertThat(ExitClassifier.classify(1, with(DumpFile.Format.HS_ERR)).kind())
                .as("crash with -XX:-CreateCoredumpOnCrash").isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
        assertThat(ExitClassifier.classify(134, with(DumpFile.Format.HS_ERR)).kind())
                .isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
        assertThat(ExitClassifier.classify(134, NOTHING).kind()).isEqualTo(CrashEvent.Kind.NATIVE_ABORT);
        assertThat(ExitClassifier.classify(137, NOTHING).kind()).isEqualTo(CrashEvent.Kind.KILLED);
        assertThat(ExitClassifier.classify(143, NOTHING).cause()).contains("SIGTERM");
        assertThat(ExitClassifier.classify(139, NOTHING).kind()).isEqualTo(CrashEvent.Kind.NATIVE_CRASH);
        assertThat(ExitClassifier.classify(1, NOTHING).kind()).isEqualTo(CrashEvent.Kind.ABNORMAL_EXIT);
        assertThat(ExitClassifier.classify(3, NOTHING).kind()).isEqualTo(CrashEvent.Kind.ABNORMAL_EXIT);
        assertThat(ExitClassifier.classify(1, with(DumpFile.Format.HEAP_DUMP)).kind())
                .isEqualTo(CrashEvent.Kind.OUT_OF_MEMORY);
        assertThat(ExitClassifier.classify(0xC0000005, NOTHING).cause()).contains("0xc0000005");
    }
}
