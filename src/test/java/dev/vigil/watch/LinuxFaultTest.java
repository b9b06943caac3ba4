package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.watch.internal.linux.Faults;
import dev.vigil.watch.internal.linux.InotifyBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Hooks;

/**
 * The inotify backend failing in the middle of live sessions, on a private instance whose libc calls fail on purpose
 * ({@link Faults}): {@code inotify_add_watch} failing with {@code ENOMEM} (that session cannot watch its whole tree),
 * with {@code EBADF} (the instance is unusable: every session on it), and the reader thread dying of an exception or
 * of a JVM error. Each time the sessions concerned end with a typed error within a bounded wait, the others go on,
 * nothing leaks, and a new session on the same backend works.
 */
@EnabledOnOs(OS.LINUX)
class LinuxFaultTest {
    private static final Duration BOUND = Duration.ofSeconds(10);

    @TempDir
    Path tmp;
    Path root;
    Path other;
    Faults faults;
    InotifyBackend backend;
    long inotifyFds;
    long eventFds;
    long loopThreads;
    final Queue<Throwable> dropped = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectory(tmp.resolve("root"));
        other = Files.createDirectory(tmp.resolve("other"));
        inotifyFds = anonInodeFds("inotify");
        eventFds = anonInodeFds("eventfd");
        loopThreads = loopThreads();
        faults = new Faults();
        backend = faults.backend();
        Hooks.onErrorDropped(dropped::add);
    }

    @AfterEach
    void tearDown() throws IOException {
        try {
            backend.close();
            // the backend's loop (whichever one it is now) is gone with both its fds; a dead one left nothing
            assertThat(anonInodeFds("inotify")).isEqualTo(inotifyFds);
            assertThat(anonInodeFds("eventfd")).isEqualTo(eventFds);
            assertThat(loopThreads()).isEqualTo(loopThreads);
            assertThat(dropped).isEmpty();
        } finally {
            Hooks.resetOnErrorDropped();
        }
    }

    private FileWatcher watcher(Path dir) {
        return FileWatcher.builder().root(dir).backend(backend).build();
    }

    @Test
    void enomemFromInotifyAddWatchEndsThatSessionWithATypedErrorAndSparesTheOthers() throws Exception {
        FileWatcher w = watcher(root);
        FileWatcher elsewhere = watcher(other);
        Recorder failing = Recorder.watch(w);
        Recorder spared = Recorder.watch(elsewhere);
        int fd = Faults.inotifyFd(backend);
        Path x = root.resolve("x");
        faults.failAddWatch(x, Faults.ENOMEM);
        Files.createDirectory(x); // the session watches new directories: this one fails

        await().pollInSameThread().atMost(BOUND).until(() -> failing.error != null);
        assertThat(failing.error).isInstanceOf(WatchException.class)
                .hasMessage("inotify_add_watch(" + x + ") failed: Cannot allocate memory (ENOMEM 12)");
        WatchException e = (WatchException) failing.error;
        assertThat(e.call()).contains("inotify_add_watch");
        assertThat(e.errorCode()).isEqualTo(12);
        assertThat(e.path()).contains(x);
        assertThat(failing.events).noneMatch(ev -> ev.kind() == FileEvent.Kind.OVERFLOW); // the error, not a scoped loss
        assertThat(faults.injected()).isEqualTo(1);

        // the loop lives on: the other session still works, and so does a new one on the same tree
        Files.writeString(other.resolve("a"), "x");
        assertThat(Recorder.merged(other, spared.sync(elsewhere))).containsExactly("CREATED a");
        w.sync().block(BOUND); // the failed session does not hold a barrier up
        faults.clear();
        Recorder fresh = Recorder.watch(w);
        Files.writeString(x.resolve("f"), "x");
        assertThat(Recorder.merged(root, fresh.sync(w))).containsExactly("CREATED x/f");
        assertThat(Faults.inotifyFd(backend)).isEqualTo(fd);
        fresh.dispose();
        spared.dispose();
    }

    @Test
    void ebadfFromInotifyAddWatchEndsEverySessionOfTheInstanceAndTheNextOneStartsAnother() throws Exception {
        FileWatcher w = watcher(root);
        FileWatcher elsewhere = watcher(other);
        Recorder first = Recorder.watch(w);
        Recorder second = Recorder.watch(elsewhere);
        int fd = Faults.inotifyFd(backend);
        assertThat(anonInodeFds("inotify")).isEqualTo(inotifyFds + 1);
        Path x = root.resolve("x");
        faults.failAddWatch(x, Faults.EBADF);
        Files.createDirectory(x);

        String message = "inotify_add_watch(" + x + ") failed: Bad file descriptor (EBADF 9)";
        for (Recorder r : List.of(first, second)) {
            await().pollInSameThread().atMost(BOUND).until(() -> r.error != null);
            assertThat(r.error).isInstanceOf(WatchException.class).hasMessage(message);
            assertThat(((WatchException) r.error).errorCode()).isEqualTo(9);
            assertThat(((WatchException) r.error).call()).contains("inotify_add_watch");
        }
        // the broken instance is gone: its thread ended, its fds are closed
        await().pollInSameThread().atMost(BOUND).untilAsserted(() -> {
            assertThat(loopThreads()).isEqualTo(loopThreads);
            assertThat(anonInodeFds("inotify")).isEqualTo(inotifyFds);
            assertThat(anonInodeFds("eventfd")).isEqualTo(eventFds);
        });
        assertThat(Faults.inotifyFd(backend)).isEqualTo(-1);
        w.sync().block(BOUND);
        elsewhere.sync().block(BOUND);

        faults.clear();
        Recorder fresh = Recorder.watch(w);
        assertThat(Faults.inotifyFd(backend)).isNotEqualTo(-1);
        assertThat(loopThreads()).isEqualTo(loopThreads + 1);
        Files.writeString(x.resolve("f"), "x");
        assertThat(Recorder.merged(root, fresh.sync(w))).containsExactly("CREATED x/f");
        fresh.dispose();
        assertThat(fd).isNotNegative();
    }

    @Test
    void aReaderDyingOfAnExceptionEndsEverySessionAndTheNextOneStartsAnother() throws Exception {
        readerDies(new IllegalStateException("injected into the reader"));
    }

    @Test
    void aReaderDyingOfAJvmErrorEndsEverySessionAndTheNextOneStartsAnother() throws Exception {
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Queue<Throwable> uncaught = new ConcurrentLinkedQueue<>();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        try {
            InternalError error = new InternalError("injected into the reader");
            readerDies(error);
            // rethrown on the reader thread once every session was told
            await().pollInSameThread().atMost(BOUND).untilAsserted(() -> assertThat(uncaught).containsExactly(error));
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
    }

    private void readerDies(Throwable injected) throws Exception {
        FileWatcher w = watcher(root);
        FileWatcher elsewhere = watcher(other);
        Recorder first = Recorder.watch(w);
        Recorder second = Recorder.watch(elsewhere);
        faults.failNextRead(injected);
        Files.writeString(root.resolve("wake"), "x"); // the reader wakes and reads

        for (Recorder r : List.of(first, second)) {
            await().pollInSameThread().atMost(BOUND).until(() -> r.error != null);
            assertThat(r.error).isInstanceOf(WatchException.class)
                    .hasMessage("the inotify loop failed: " + injected).hasCause(injected);
        }
        assertThat(faults.injected()).isEqualTo(1);
        await().pollInSameThread().atMost(BOUND).untilAsserted(() -> {
            assertThat(loopThreads()).isEqualTo(loopThreads);
            assertThat(anonInodeFds("inotify")).isEqualTo(inotifyFds);
            assertThat(anonInodeFds("eventfd")).isEqualTo(eventFds);
        });
        w.sync().block(BOUND);

        Recorder fresh = Recorder.watch(w);
        Files.writeString(root.resolve("after"), "x");
        assertThat(Recorder.merged(root, fresh.sync(w))).containsExactly("CREATED after");
        fresh.dispose();
    }

    private static long loopThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("vigil-inotify-")).count();
    }

    /** The fds of this process on an anonymous inode of that kind ({@code inotify}, {@code eventfd}). */
    static long anonInodeFds(String kind) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.equals("anon_inode:" + kind) || target.equals("anon_inode:[" + kind + "]");
                } catch (IOException e) {
                    return false; // the listing's own fd, closed meanwhile
                }
            }).count();
        }
    }
}
