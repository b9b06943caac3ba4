package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.watch.internal.Backends;
import dev.vigil.watch.internal.jdk.JdkWatchServiceBackend;
import dev.vigil.watch.internal.linux.Faults;
import dev.vigil.watch.internal.linux.InotifyBackend;
import dev.vigil.watch.internal.polling.PollingBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each root gets its own backend, in one session: a root on a FUSE file system is polled while the others keep
 * inotify (a real {@code bindfs} mount: changes made beneath it, in the directory it mirrors, never reach inotify),
 * two backends mixed in one session, and the directories beyond the watch limit polled on request. The limit is
 * reached by an injected {@code ENOSPC} ({@link Faults}): lowering {@code fs.inotify.max_user_watches} would change it
 * for every process of the machine, and tests run in parallel.
 */
@EnabledOnOs(OS.LINUX)
class LinuxPerRootBackendTest {
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(20);

    @TempDir
    Path tmp;

    // ------------------------------------------------------------------------------------------ a real FUSE mount

    @Test
    void aRootOnFuseIsPolledAndTheOtherRootKeepsInotify() throws Exception {
        Path local = Files.createDirectory(tmp.resolve("local"));
        Path beneath = Files.createDirectory(tmp.resolve("beneath"));
        try (Mount m = Mount.bindfs(beneath, Files.createDirectory(tmp.resolve("mount")))) {
            Path mount = m.path;
            FileWatcher w = FileWatcher.builder().root(local).root(mount).pollInterval(POLL).build();
            assertThat(w.backends()).containsExactly(Map.entry(local, Backend.INOTIFY), Map.entry(mount, Backend.POLLING));
            // the JDK's WatchService, the choice where JNA cannot run, would miss it too and says so
            assertThat(JdkWatchServiceBackend.shared().cannotWatch(mount)).get().asString().contains("type fuse");
            assertThat(JdkWatchServiceBackend.shared().cannotWatch(local)).isEmpty();
            Recorder r = Recorder.watch(w);
            try {
                Files.writeString(beneath.resolve("a.txt"), "x"); // beneath the mount: only a poll of it sees this
                Files.writeString(local.resolve("b.txt"), "x");
                List<FileEvent> seen = r.sync(w);
                assertThat(Recorder.merged(mount, seen.stream().filter(e -> e.root().equals(mount)).toList()))
                        .containsExactly("CREATED a.txt");
                assertThat(Recorder.merged(local, seen.stream().filter(e -> e.root().equals(local)).toList()))
                        .containsExactly("CREATED b.txt");
            } finally {
                r.dispose();
            }
        }
    }

    @Test
    void inotifyNamedExplicitlyWatchesAFuseRootAndMissesWhatChangesBeneathIt() throws Exception {
        Path beneath = Files.createDirectory(tmp.resolve("beneath"));
        try (Mount m = Mount.bindfs(beneath, Files.createDirectory(tmp.resolve("mount")))) {
            Path mount = m.path;
            FileWatcher w = FileWatcher.builder().root(mount).backend(Backend.INOTIFY).build();
            assertThat(w.backends()).containsExactly(Map.entry(mount, Backend.INOTIFY));
            Recorder r = Recorder.watch(w);
            try {
                Files.writeString(beneath.resolve("unseen.txt"), "x");
                Files.writeString(mount.resolve("seen.txt"), "x"); // through the mount: inotify sees this one
                // the barrier's cookie file is written through the mount and seen: inotify works, but is blind below
                assertThat(Recorder.merged(mount, r.sync(w))).containsExactly("CREATED seen.txt");
            } finally {
                r.dispose();
            }
        }
    }

    // ------------------------------------------------------------------------------------------ two backends, one session

    @Test
    void oneSessionWatchesOneRootWithInotifyAndAnotherByPolling() throws Exception {
        Path a = Files.createDirectory(tmp.resolve("a"));
        Path b = Files.createDirectory(tmp.resolve("b"));
        Files.createDirectory(b.resolve("sub"));
        int pollingChannels = PollingBackend.shared().openChannels();
        FileWatcher w = FileWatcher.builder().root(a).root(b).pollInterval(POLL)
                .backends(root -> root.equals(b)
                        ? new Backends.Selection(PollingBackend.shared(), Backend.POLLING, "test: polled")
                        : new Backends.Selection(InotifyBackend.shared(), Backend.INOTIFY, "test: native"))
                .build();
        assertThat(w.backends()).containsExactly(Map.entry(a, Backend.INOTIFY), Map.entry(b, Backend.POLLING));
        Recorder r = Recorder.watch(w);
        assertThat(PollingBackend.shared().openChannels()).isEqualTo(pollingChannels + 1);
        Files.writeString(a.resolve("f"), "x");
        Files.writeString(b.resolve("sub/g"), "x");
        List<FileEvent> first = r.sync(w);
        assertThat(Recorder.merged(tmp, first)).containsExactlyInAnyOrder("CREATED a/f", "CREATED b/sub/g");

        // a rename from one backend's root to the other's cannot be paired: it leaves one, enters the other
        Files.move(a.resolve("f"), b.resolve("f"));
        Files.move(b.resolve("sub/g"), a.resolve("g"));
        assertThat(Recorder.merged(tmp, r.sync(w))).containsExactlyInAnyOrder("DELETED a/f", "CREATED b/f",
                "DELETED b/sub/g", "CREATED a/g");
        // within each root, renames are still paired, whichever backend watches it
        Files.move(a.resolve("g"), a.resolve("g2"));
        Files.move(b.resolve("f"), b.resolve("f2"));
        assertThat(Recorder.merged(tmp, r.sync(w))).containsExactlyInAnyOrder("RENAMED a/g2 <- a/g",
                "RENAMED b/f2 <- b/f");

        r.dispose(); // both channels go
        await().atMost(BOUND).untilAsserted(() ->
                assertThat(PollingBackend.shared().openChannels()).isEqualTo(pollingChannels));
    }

    // ------------------------------------------------------------------------------------------ beyond the watch limit

    @Test
    void withPollBeyondWatchLimitTheDirectoriesTheLimitRefusesArePolled() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Path full = Files.createDirectory(root.resolve("full"));
        Faults faults = new Faults();
        InotifyBackend backend = faults.backend();
        faults.failAddWatch(full, Faults.ENOSPC); // "full" and every directory below it
        try {
            FileWatcher w = FileWatcher.builder().root(root).backend(backend).pollBeyondWatchLimit(true)
                    .pollInterval(POLL).build();
            Recorder r = Recorder.watch(w);
            try {
                Files.writeString(root.resolve("native.txt"), "x");
                assertThat(Recorder.merged(root, r.sync(w))).containsExactly("CREATED native.txt");

                Files.writeString(full.resolve("polled.txt"), "x");
                Files.createDirectory(full.resolve("deeper")); // refused too: polled
                awaitLines(r, root, "CREATED full/deeper", "CREATED full/polled.txt");
                Files.writeString(full.resolve("deeper/inside.txt"), "x");
                awaitLines(r, root, "CREATED full/deeper/inside.txt");
                assertThat(r.error).isNull();
                assertThat(faults.injected()).isEqualTo(2);
            } finally {
                r.dispose();
            }
        } finally {
            backend.close();
        }
    }

    @Test
    void withoutPollBeyondWatchLimitTheLimitEndsTheSessionAndSparesTheOthers() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Path other = Files.createDirectory(tmp.resolve("other"));
        Faults faults = new Faults();
        InotifyBackend backend = faults.backend();
        try {
            FileWatcher elsewhere = FileWatcher.builder().root(other).backend(backend).build();
            Recorder spared = Recorder.watch(elsewhere);
            Recorder failing = Recorder.watch(FileWatcher.builder().root(root).backend(backend).build());
            Path full = root.resolve("full");
            faults.failAddWatch(full, Faults.ENOSPC);
            Files.createDirectory(full);
            await().pollInSameThread().atMost(BOUND).until(() -> failing.error != null);
            assertThat(failing.error).isInstanceOf(WatchLimitException.class)
                    .hasMessageStartingWith("inotify_add_watch(" + full + ") failed: No space left on device");
            // the limit is not the channel's failure: the inotify instance and its other sessions go on
            Files.writeString(other.resolve("a"), "x");
            assertThat(Recorder.merged(other, spared.sync(elsewhere))).containsExactly("CREATED a");
            spared.dispose();
        } finally {
            backend.close();
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static void awaitLines(Recorder r, Path root, String... expected) {
        List<FileEvent> seen = new ArrayList<>();
        await().atMost(BOUND).untilAsserted(() -> {
            for (FileEvent e; (e = r.events.poll()) != null;) {
                seen.add(e);
            }
            assertThat(Recorder.merged(root, seen)).containsExactlyInAnyOrder(expected);
        });
    }

    /** A bindfs mount of a directory, unmounted on close; the test is skipped when it cannot be made here. */
    private static final class Mount implements AutoCloseable {
        final Path path;

        private Mount(Path path) {
            this.path = path;
        }

        static Mount bindfs(Path source, Path mount) throws IOException {
            assumeTrue(onPath("bindfs"), "bindfs is not installed (Debian: apt-get install bindfs)");
            assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse: FUSE is not available here");
            String refused = run("bindfs", source.toString(), mount.toString());
            assumeTrue(refused == null, () -> "bindfs could not mount here (FUSE mounts need root or a setuid "
                    + "fusermount): " + refused);
            Mount m = new Mount(mount);
            try {
                assertThat(Files.readAllLines(Path.of("/proc/self/mounts")))
                        .anyMatch(l -> l.split(" ")[1].equals(mount.toString()) && l.split(" ")[2].startsWith("fuse"));
            } catch (Throwable t) {
                m.close();
                throw t;
            }
            return m;
        }

        private static boolean onPath(String command) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                    return true;
                }
            }
            return false;
        }

        /** Unmounts (lazily, with umount, when fusermount refuses), so that the temporary directory can go. */
        @Override
        public void close() throws IOException {
            String out = run("fusermount", "-u", path.toString());
            if (out != null) {
                String more = run("umount", "-l", path.toString());
                if (more != null) {
                    throw new IOException("cannot unmount " + path + ": " + out + "; " + more);
                }
            }
        }

        /** Runs a command; null when it succeeded, else its output. */
        private static String run(String... command) throws IOException {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            try {
                return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? null : command[0] + ": " + out;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for " + command[0], e);
            }
        }
    }
}
