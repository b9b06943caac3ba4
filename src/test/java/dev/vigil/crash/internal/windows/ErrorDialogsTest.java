package dev.vigil.crash.internal.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** SetErrorMode around an action, read back with GetErrorMode in a Windows JVM. */
@EnabledOnOs(OS.WINDOWS)
class ErrorDialogsTest {

    // not SEM_NOALIGNMENTFAULTEXCEPT: once set, Windows never clears it
    private static final int OTHER = ErrorMode.SEM_FAILCRITICALERRORS;
    private int previous;

    @BeforeEach
    void setKnownMode() {
        previous = ErrorMode.INSTANCE.SetErrorMode(OTHER);
    }

    @AfterEach
    void restore() {
        ErrorMode.INSTANCE.SetErrorMode(previous);
    }

    @Test
    void theModeIsAddedDuringTheActionKeptWhileOverlappingAndRestoredByTheLast() throws IOException {
        assertThat(ErrorMode.INSTANCE.GetErrorMode()).isEqualTo(OTHER);
        int[] seen = new int[3];
        ErrorDialogs.suppressedWhile(() -> {
            seen[0] = ErrorMode.INSTANCE.GetErrorMode();
            ErrorDialogs.suppressedWhile(() -> seen[1] = ErrorMode.INSTANCE.GetErrorMode());
            seen[2] = ErrorMode.INSTANCE.GetErrorMode();
            return null;
        });
        assertThat(seen).containsExactly(OTHER | ErrorMode.UNATTENDED, OTHER | ErrorMode.UNATTENDED,
                OTHER | ErrorMode.UNATTENDED);
        assertThat(ErrorMode.INSTANCE.GetErrorMode()).isEqualTo(OTHER);
    }

    @Test
    void theModeIsRestoredWhenTheActionFails() {
        assertThatThrownBy(() -> ErrorDialogs.suppressedWhile(() -> {
            throw new IOException("boom");
        })).hasMessage("boom");
        assertThat(ErrorMode.INSTANCE.GetErrorMode()).isEqualTo(OTHER);
    }
}
