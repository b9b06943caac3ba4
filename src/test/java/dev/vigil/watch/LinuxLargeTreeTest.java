package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.watch.internal.linux.Faults;
import dev.vigil.watch.internal.linux.InotifyBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tree of 241 directories on inotify, checked against the kernel's own list of watches (/proc/self/fdinfo,
 * restricted to this test's directories): every directory is watched and reports changes, a scan that the watch
 * limit ends leaves no watch behind, and past the limit the refused subtree is polled while the rest keeps inotify.
 */
@EnabledOnOs(OS.LINUX)
class LinuxLargeTreeTest {
    private static final Duration BOUND = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    void everyDirectoryOfALargeTreeIsWatchedAndReportsChanges() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        List<Path> dirs = tree(root, 4, 60);
        FileWatcher w = FileWatcher.builder().root(root).build();
        Recorder r = Recorder.watch(w);
        try {
            assertThat(watched(dirs)).isEqualTo(inodes(dirs));
            List<String> expected = new ArrayList<>();
            for (Path d : dirs) {
                Files.writeString(d.resolve("new.txt"), "x");
                expected.add("CREATED " + (d.equals(root) ? "" : root.relativize(d) + "/") + "new.txt");
            }
            List<FileEvent> seen = new ArrayList<>();
            await().atMost(BOUND).untilAsserted(() -> {
                seen.addAll(r.sync(w));
                assertThat(Recorder.merged(root, seen)).containsExactlyInAnyOrderElementsOf(expected);
            });
        } finally {
            r.dispose();
        }
        await().atMost(BOUND).untilAsserted(() -> assertThat(watched(dirs)).isEmpty());
    }

    @RepeatedTest(5)
    void aScanEndedByTheWatchLimitLeavesNoWatchBehind() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        List<Path> dirs = tree(root, 4, 60);
        Faults faults = new Faults();
        InotifyBackend backend = faults.backend();
        Path refused = root.resolve("d001/s030");
        faults.failAddWatch(refused, Faults.ENOSPC);
        try {
            Recorder r = Recorder.unawaited(FileWatcher.builder().root(root).backend(backend).build());
            await().pollInSameThread().atMost(BOUND).until(() -> r.error != null);
            assertThat(r.error).isInstanceOf(WatchLimitException.class)
                    .hasMessageStartingWith("inotify_add_watch(" + refused + ") failed: No space left on device");
            await().atMost(BOUND).untilAsserted(() -> assertThat(watched(dirs)).isEmpty());
        } finally {
            backend.close();
        }
    }

    @Test
    void aSubtreeTheLimitRefusesIsPolledAndTheRestKeepsInotify() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        List<Path> dirs = tree(root, 4, 60);
        Faults faults = new Faults();
        InotifyBackend backend = faults.backend();
        Path refused = root.resolve("d001");
        faults.failAddWatch(refused, Faults.ENOSPC); // d001 and its 60 subdirectories
        try {
            FileWatcher w = FileWatcher.builder().root(root).backend(backend).pollBeyondWatchLimit(true)
                    .pollInterval(Duration.ofMillis(20)).build();
            Recorder r = Recorder.watch(w);
            try {
                List<Path> inotified = new ArrayList<>(dirs);
                inotified.removeIf(d -> d.startsWith(refused));
                assertThat(watched(dirs)).isEqualTo(inodes(inotified));
                Files.writeString(root.resolve("d001/s030/polled.txt"), "x");
                Files.writeString(root.resolve("d002/s030/native.txt"), "x");
                List<FileEvent> seen = new ArrayList<>();
                await().atMost(BOUND).untilAsserted(() -> {
                    for (FileEvent e; (e = r.events.poll()) != null;) {
                        seen.add(e);
                    }
                    assertThat(Recorder.merged(root, seen)).containsExactlyInAnyOrder(
                            "CREATED d001/s030/polled.txt", "CREATED d002/s030/native.txt");
                });
                assertThat(r.error).isNull();
            } finally {
                r.dispose();
            }
        } finally {
            backend.close();
        }
    }

    /** {@code top} directories of {@code each} subdirectories, with a file in each leaf; all directories, root first. */
    private static List<Path> tree(Path root, int top, int each) throws IOException {
        List<Path> dirs = new ArrayList<>(List.of(root));
        for (int t = 0; t < top; t++) {
            Path d = Files.createDirectory(root.resolve(String.format("d%03d", t)));
            dirs.add(d);
            for (int s = 0; s < each; s++) {
                Path leaf = Files.createDirectory(d.resolve(String.format("s%03d", s)));
                Files.writeString(leaf.resolve("f"), "x");
                dirs.add(leaf);
            }
        }
        return dirs;
    }

    private static Set<Long> inodes(List<Path> dirs) throws IOException {
        Set<Long> out = new TreeSet<>();
        for (Path d : dirs) {
            out.add(InotifyProbe.inode(d));
        }
        return out;
    }

    /** The inodes of {@code dirs} that some inotify fd of this process watches. */
    private static Set<Long> watched(List<Path> dirs) throws IOException {
        Set<Long> mine = inodes(dirs);
        Set<Long> out = new TreeSet<>();
        for (long ino : new HashSet<>(InotifyProbe.watchedInodes())) {
            if (mine.contains(ino)) {
                out.add(ino);
            }
        }
        return out;
    }
}
