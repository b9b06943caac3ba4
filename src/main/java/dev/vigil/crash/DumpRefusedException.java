package dev.vigil.crash;

import java.io.IOException;

/**
 * A dump that could have been written but was refused by policy: heap dumps not enabled, the dump rate limit
 * reached, not enough free disk space, or the reporter already closed. The message names the policy and the option
 * that controls it. Delivered as the error of {@link CrashEvent#dump()}; never thrown to the crashing thread.
 */
public final class DumpRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    /** A refusal explained by {@code message}. */
    public DumpRefusedException(String message) {
        super(message);
    }
}
