package dev.vigil.watch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads this process's inotify watches from /proc/self/fdinfo (Linux), to check what is really watched. */
final class InotifyProbe {
    private InotifyProbe() {
    }

    /** Inode numbers of every directory watched by any inotify fd of this process. */
    static List<Long> watchedInodes() throws IOException {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fdinfo"))) {
            for (Path info : fds.toList()) {
                List<String> lines;
                try {
                    lines = Files.readAllLines(info);
                } catch (IOException gone) {
                    continue; // closed meanwhile
                }
                for (String l : lines) {
                    if (l.startsWith("inotify wd:")) {
                        int i = l.indexOf(" ino:");
                        String hex = l.substring(i + 5, l.indexOf(' ', i + 5));
                        out.add(Long.parseLong(hex, 16));
                    }
                }
            }
        }
        return out;
    }

    static long inode(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
    }

    static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
