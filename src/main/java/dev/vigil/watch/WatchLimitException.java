package dev.vigil.watch;

import java.nio.file.Path;

/**
 * An operating-system limit on watches was reached. The message names the limit, its current value when it can
 * be read, and how to raise it. The subscription fails with this error: a watch that silently covers only part
 * of the tree would be worse.
 *
 * <h2>Platform differences</h2>
 * On Linux the limits are {@code fs.inotify.max_user_watches} (one watch per directory) and
 * {@code fs.inotify.max_user_instances}. On Windows there is no count of watches: what runs out is handles or the
 * non-paged pool that pending reads use ({@code ERROR_NO_SYSTEM_RESOURCES}, {@code ERROR_NOT_ENOUGH_QUOTA},
 * {@code ERROR_TOO_MANY_OPEN_FILES}).
 */
public final class WatchLimitException extends WatchException {
    private static final long serialVersionUID = 1L;

    private final String limit;

    /**
     * @param message the full message
     * @param path the directory whose watch failed
     * @param call the native call
     * @param errorCode the OS error code
     * @param limit the name of the limit, e.g. {@code fs.inotify.max_user_watches}
     */
    public WatchLimitException(String message, Path path, String call, int errorCode, String limit) {
        super(message, path, call, errorCode, null);
        this.limit = limit;
    }

    /** The name of the limit, e.g. {@code fs.inotify.max_user_watches}. */
    public String limit() {
        return limit;
    }
}
