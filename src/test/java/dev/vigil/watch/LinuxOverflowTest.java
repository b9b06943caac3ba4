package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.watch.FileEvent.Kind;
import dev.vigil.watch.internal.RawEvent;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchChannel;
import dev.vigil.watch.internal.linux.InotifyBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real kernel queue overflow: the reader of a private inotify instance is held while more changes are made than
 * {@code fs.inotify.max_queued_events} allows; the session must signal OVERFLOW, resync, and end up with a view
 * that equals the disk, with watches on the directories created meanwhile.
 */
@EnabledOnOs(OS.LINUX)
class LinuxOverflowTest {

    @TempDir
    Path root;
    InotifyBackend backend;

    @BeforeEach
    void setUp() {
        backend = InotifyBackend.isolated();
    }

    @AfterEach
    void tearDown() throws IOException {
        backend.close();
    }

    @Test
    void kernelOverflowIsSignalledAndResyncedToTheTruth() throws Exception {
        for (int i = 0; i < 20; i++) {
            Files.writeString(Files.createDirectories(root.resolve("old" + i)).resolve("gone"), "x");
            Files.writeString(root.resolve("old" + i).resolve("kept"), "x");
        }
        Map<Path, Boolean> view = scan(root);
        FileWatcher w = FileWatcher.builder().root(root).backend(backend).build();
        Recorder r = Recorder.watch(w);
        try {
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            WatchChannel blocker = backend.open(new RawEventListener() {
                @Override
                public void onEvents(List<RawEvent> batch) {
                }

                @Override
                public void onFailure(Throwable error) {
                }
            });
            blocker.execute(() -> {
                held.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
            long limit = Long.parseLong(Files.readAllLines(Path.of("/proc/sys/fs/inotify/max_queued_events")).get(0).trim());
            // files in watched directories: two events each (create, write), well over the queue's capacity
            for (int files = 0; files < limit; files++) {
                Files.writeString(root.resolve("old" + (files % 20)).resolve("f" + files), "y");
            }
            // directories created meanwhile are unknown to the session until the resync finds them
            for (int d = 0; d < 5; d++) {
                Files.writeString(Files.createDirectories(root.resolve("new" + d + "/sub")).resolve("f"), "y");
            }
            for (int i = 0; i < 20; i++) {
                Files.delete(root.resolve("old" + i).resolve("gone"));
            }
            release.countDown();
            blocker.close();

            List<FileEvent> events = r.sync(w);
            assertThat(events).filteredOn(e -> e.kind() == Kind.OVERFLOW)
                    .first().satisfies(e -> {
                        assertThat(e.path()).isEqualTo(root);
                        assertThat(e.cause().orElseThrow()).isInstanceOf(WatchOverflowException.class)
                                .hasMessageContaining("overflowed");
                    });
            Recorder.apply(view, events);
            assertThat(view).isEqualTo(scan(root));

            // the watches were repaired: a directory created during the overflow is watched now
            Files.writeString(root.resolve("new0/after"), "z");
            assertThat(Recorder.merged(root, r.sync(w))).containsExactly("CREATED new0/after");
        } finally {
            r.dispose();
        }
    }

    private static Map<Path, Boolean> scan(Path root) throws IOException {
        Map<Path, Boolean> out = new HashMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> !p.equals(root)).forEach(p -> out.put(p, Files.isDirectory(p)));
        }
        return out;
    }
}
