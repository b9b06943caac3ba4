package dev.vigil.watch.internal.windows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.watch.WatchException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Win32 codes become messages with the call, the path, the code's name and number, and the OS text. */
class WinErrorsTest {

    final WinErrors errors = new WinErrors(code -> code == 5 ? "Access is denied.\r\n" : null);

    @Test
    void describeNamesTheCodeAndQuotesTheOs() {
        assertThat(errors.describe(5)).isEqualTo("Access is denied. (ERROR_ACCESS_DENIED 5)");
        assertThat(errors.describe(1022)).isEqualTo("ERROR_NOTIFY_ENUM_DIR 1022");
        assertThat(errors.describe(4242)).isEqualTo("Win32 error 4242");
    }

    @Test
    void aCallFailureCarriesEverything() {
        WatchException e = errors.call("ReadDirectoryChangesW", Path.of("C:\\w"), 5);
        assertThat(e.getMessage()).isEqualTo("ReadDirectoryChangesW(C:\\w) failed: Access is denied. (ERROR_ACCESS_DENIED 5)");
        assertThat(e.call()).contains("ReadDirectoryChangesW");
        assertThat(e.errorCode()).isEqualTo(5);
        assertThat(e.path()).contains(Path.of("C:\\w"));
    }

    @Test
    void goneCodes() {
        assertThat(WinErrors.gone(WinErrors.ERROR_FILE_NOT_FOUND)).isTrue();
        assertThat(WinErrors.gone(WinErrors.ERROR_ACCESS_DENIED)).isTrue(); // what a directory pending deletion gives
        assertThat(WinErrors.gone(WinErrors.ERROR_INVALID_FUNCTION)).isFalse();
    }
}
