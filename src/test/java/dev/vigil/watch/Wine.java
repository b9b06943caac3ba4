package dev.vigil.watch;

import java.io.IOException;
import java.nio.file.Path;

/** What tests running in a Windows JVM under Wine need to know about it. */
final class Wine {

    /** Whether this Windows JVM runs under Wine (which exports its prefix to Windows processes). */
    static final boolean RUNNING = System.getProperty("os.name").startsWith("Windows")
            && System.getenv("WINEPREFIX") != null;

    private Wine() {
    }

    /** The Linux path of a path on drive {@code C:} (the prefix's {@code drive_c}) or {@code Z:} (the Linux root). */
    static String unixPath(Path p) {
        String s = p.toAbsolutePath().toString();
        String rest = s.substring(3).replace('\\', '/');
        switch (Character.toUpperCase(s.charAt(0))) {
            case 'C':
                return System.getenv("WINEPREFIX") + "/drive_c/" + rest;
            case 'Z':
                return "/" + rest;
            default:
                throw new IllegalArgumentException("no Linux path known for " + s);
        }
    }

    /**
     * Starts a Linux command (Wine runs ELF binaries too). Its exit cannot be awaited from here (Wine refuses the
     * wait on a Unix process's handle): callers wait for its effect.
     */
    static void linux(String... command) throws IOException {
        new ProcessBuilder(command).inheritIO().start();
    }
}
