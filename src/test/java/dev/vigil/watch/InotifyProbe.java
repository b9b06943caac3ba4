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

    /**
     * What this process's descriptors point to, sorted, without the class path's jars (the JVM opens a jar the first
     * time it loads a class from it, and keeps it open).
     */
    static List<String> fdTargets() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : s.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (!target.endsWith(".jar")) {
                        out.add(target);
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // the listing's own descriptor, closed by now
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** The descriptors in {@code now} beyond those in {@code before} (as multisets of targets): what was opened since. */
    static List<String> opened(List<String> before, List<String> now) {
        List<String> extra = new ArrayList<>(now);
        for (String b : before) {
            extra.remove(b);
        }
        return extra;
    }
}
