package dev.vigil.crash.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a supervised child: its {@code java} launcher, the crash flags right after it, then the rest of
 * the application's command. On POSIX without core dumps, the whole is run by {@code /bin/sh} under
 * {@code ulimit -c 0} (the JVM is {@code exec}ed, so the pid stays the JVM's) when that shell exists (a distroless
 * image has none). On Windows the launcher is always started directly: there are no cores to limit, HotSpot writes
 * its own minidump only when {@code -XX:+CreateCoredumpOnCrash} asks for one.
 */
public final class SupervisedCommand {
    private static final Path SHELL = Path.of("/bin/sh");

    private SupervisedCommand() {
    }

    /** The full command for {@code os}; {@code command} starts with the launcher. */
    public static List<String> of(HostOs os, List<String> command, List<String> flags, boolean coreDumps) {
        List<String> full = new ArrayList<>();
        if (os == HostOs.POSIX && !coreDumps && Files.isExecutable(SHELL)) {
            full.addAll(List.of(SHELL.toString(), "-c", "ulimit -c 0 && exec \"$@\"", "vigil-supervised"));
        }
        full.add(command.get(0));
        full.addAll(flags);
        full.addAll(command.subList(1, command.size()));
        return full;
    }
}
