package dev.vigil.crash.internal;

import com.sun.jna.Platform;

/**
 * The process conventions a supervised child follows: how it is launched and what its exit status means. Decided
 * once from the running OS, never from the presence of a file (under Wine, {@code /bin/sh} is a Linux file seen
 * through drive {@code Z:} that a Windows process cannot run).
 */
public enum HostOs {
    /** Linux, macOS and the BSDs: exit statuses 0 to 255, {@code 128 + n} for signal {@code n}, {@code sh} for ulimit. */
    POSIX,
    /** Windows: 32-bit exit codes, {@code NTSTATUS} values for exceptions, no signals, no shell. */
    WINDOWS;

    private static final HostOs CURRENT = Platform.isWindows() ? WINDOWS : POSIX;

    /** The OS this JVM runs on. */
    public static HostOs current() {
        return CURRENT;
    }
}
