package dev.vigil.watch.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.watch.WatchException;
import dev.vigil.watch.WatchLimitException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The errno translation, value by value (no native code involved). */
class ErrorsTest {
    private static final Path DIR = Path.of("/srv/data");
    private final Exception cause = new Exception("the native failure");

    @Test
    void describesKnownAndUnknownErrno() {
        assertThat(Errors.describe(13)).isEqualTo("Permission denied (EACCES 13)");
        assertThat(Errors.describe(28)).isEqualTo("No space left on device (ENOSPC 28)");
        assertThat(Errors.describe(9)).isEqualTo("Bad file descriptor (EBADF 9)");
        assertThat(Errors.describe(4242)).isEqualTo("errno 4242");
    }

    @Test
    void missingDirectoryIsNoSuchFile() {
        IOException e = Errors.addWatch(DIR, Errors.ENOENT, cause);
        assertThat(e).isExactlyInstanceOf(NoSuchFileException.class)
                .hasMessage("/srv/data: inotify_add_watch failed: No such file or directory (ENOENT 2)")
                .hasCause(cause);
        assertThat(((NoSuchFileException) e).getFile()).isEqualTo("/srv/data");
    }

    @Test
    void notADirectoryIsNoSuchFile() {
        IOException e = Errors.addWatch(DIR, Errors.ENOTDIR, cause);
        assertThat(e).isExactlyInstanceOf(NoSuchFileException.class)
                .hasMessage("/srv/data: inotify_add_watch failed: Not a directory (ENOTDIR 20)");
    }

    @Test
    void permissionDeniedNamesCallPathAndErrno() {
        IOException e = Errors.addWatch(DIR, Errors.EACCES, cause);
        assertThat(e).isExactlyInstanceOf(WatchException.class)
                .hasMessage("inotify_add_watch(/srv/data) failed: Permission denied (EACCES 13)")
                .hasCause(cause);
        WatchException w = (WatchException) e;
        assertThat(w.path()).contains(DIR);
        assertThat(w.call()).contains("inotify_add_watch");
        assertThat(w.errorCode()).isEqualTo(13);
    }

    @Test
    void noSpaceIsTheWatchLimitWithItsCurrentValue() {
        String current = Errors.currentValue(Path.of("/proc/sys/fs/inotify/max_user_watches"));
        IOException e = Errors.addWatch(DIR, Errors.ENOSPC, cause);
        assertThat(e).isExactlyInstanceOf(WatchLimitException.class);
        WatchLimitException w = (WatchLimitException) e;
        assertThat(w.limit()).isEqualTo("fs.inotify.max_user_watches");
        assertThat(w.errorCode()).isEqualTo(28);
        assertThat(w.call()).contains("inotify_add_watch");
        assertThat(w.path()).contains(DIR);
        String value = current == null
                ? "its value could not be read from /proc/sys/fs/inotify/max_user_watches"
                : "currently " + current + ", read from /proc/sys/fs/inotify/max_user_watches";
        assertThat(w).hasMessage("inotify_add_watch(/srv/data) failed: No space left on device (ENOSPC 28): "
                + "the per-user limit fs.inotify.max_user_watches (" + value + ") is reached; "
                + "raise it, e.g. sysctl fs.inotify.max_user_watches=524288");
    }

    @Test
    void tooManyInstancesIsTheInstanceLimit() {
        WatchException e = Errors.init(Errors.EMFILE, cause);
        assertThat(e).isExactlyInstanceOf(WatchLimitException.class);
        assertThat(((WatchLimitException) e).limit()).isEqualTo("fs.inotify.max_user_instances");
        assertThat(e.getMessage()).startsWith("inotify_init1 failed: Too many open files (EMFILE 24): "
                + "the per-user limit fs.inotify.max_user_instances (")
                .contains("sysctl fs.inotify.max_user_instances=1024")
                .endsWith("(or this process has no file descriptor left: see ulimit -n)");
        assertThat(e.call()).contains("inotify_init1");
        assertThat(e.path()).isEmpty();
    }

    @Test
    void otherInitFailuresAreWatchExceptions() {
        WatchException e = Errors.init(Errors.ENOMEM, cause);
        assertThat(e).isExactlyInstanceOf(WatchException.class)
                .hasMessage("inotify_init1 failed: Cannot allocate memory (ENOMEM 12)").hasCause(cause);
        assertThat(e.errorCode()).isEqualTo(12);
    }

    @Test
    void syscallFailureNamesCallAndSubject() {
        WatchException e = Errors.syscall("read", "inotify fd 7", 21, cause);
        assertThat(e).hasMessage("read(inotify fd 7) failed: Is a directory (EISDIR 21)").hasCause(cause);
        assertThat(e.call()).contains("read");
        assertThat(e.errorCode()).isEqualTo(21);
    }

    @Test
    void unreadableLimitIsNull() {
        assertThat(Errors.currentValue(Path.of("/proc/sys/fs/inotify/no_such_limit"))).isNull();
    }
}
