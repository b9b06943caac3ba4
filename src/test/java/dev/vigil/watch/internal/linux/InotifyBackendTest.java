package dev.vigil.watch.internal.linux;

import static dev.vigil.watch.internal.RawEvent.RawKind.ATTRIBUTES;
import static dev.vigil.watch.internal.RawEvent.RawKind.CREATED;
import static dev.vigil.watch.internal.RawEvent.RawKind.DELETED;
import static dev.vigil.watch.internal.RawEvent.RawKind.MODIFIED;
import static dev.vigil.watch.internal.RawEvent.RawKind.MOVED_FROM;
import static dev.vigil.watch.internal.RawEvent.RawKind.MOVED_TO;
import static dev.vigil.watch.internal.RawEvent.RawKind.SELF_DELETED;
import static dev.vigil.watch.internal.RawEvent.RawKind.SELF_MOVED;
import static dev.vigil.watch.internal.RawEvent.RawKind.UNWATCHED;
import static dev.vigil.watch.internal.linux.Recorder.OVERFLOW;
import static dev.vigil.watch.internal.linux.Recorder.TIMEOUT_SECONDS;
import static dev.vigil.watch.internal.linux.Recorder.anonInodeFds;
import static dev.vigil.watch.internal.linux.Recorder.barrier;
import static dev.vigil.watch.internal.linux.Recorder.onLoop;
import static dev.vigil.watch.internal.linux.Recorder.watchCount;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.watch.WatchException;
import dev.vigil.watch.WatchLimitException;
import dev.vigil.watch.fixtures.Unprivileged;
import dev.vigil.watch.internal.Backends;
import dev.vigil.watch.internal.RawEvent;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** The inotify backend on real directories, each test with its own backend instance (own fd and thread). */
@EnabledOnOs(OS.LINUX)
class InotifyBackendTest {
    @TempDir
    Path dir;

    private InotifyBackend backend;
    private final List<WatchChannel> channels = new ArrayList<>();

    @BeforeEach
    void createBackend() {
        backend = new InotifyBackend();
    }

    @AfterEach
    void closeBackend() throws IOException {
        channels.forEach(WatchChannel::close);
        backend.close();
    }

    private WatchChannel open(RawEventListener listener) throws IOException {
        WatchChannel channel = backend.open(listener);
        channels.add(channel);
        return channel;
    }

    private static Object add(WatchChannel channel, Path dir) throws Exception {
        return onLoop(channel, () -> channel.add(dir));
    }

    private static void writeOneByte(FileChannel file) throws IOException {
        file.write(ByteBuffer.wrap(new byte[] {1}));
    }

    // ---- availability

    @Test
    void sharedBackendIsAvailableAndChosen() {
        InotifyBackend shared = InotifyBackend.shared();
        assertThat(shared.unavailabilityCause()).isEmpty();
        assertThat(shared.name()).isEqualTo("inotify");
        assertThat(shared.priority()).isEqualTo(100);
        assertThat(Backends.best()).isSameAs(shared);
        assertThatThrownBy(shared::close).isInstanceOf(UnsupportedOperationException.class);
    }

    // ---- events

    @Test
    void reportsEachKindWithNameDirectoryFlagAndKey() throws Exception {
        Recorder r = new Recorder();
        WatchChannel channel = open(r);
        Object key = add(channel, dir);
        Path file = dir.resolve("f.txt");

        Files.createFile(file);
        r.assertEvent(key, CREATED, "f.txt", false);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            writeOneByte(out);
        }
        r.assertEvent(key, MODIFIED, "f.txt", false);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        r.assertEvent(key, ATTRIBUTES, "f.txt", false);
        Files.move(file, dir.resolve("g.txt"));
        RawEvent from = r.nextEvent();
        RawEvent to = r.nextEvent();
        assertThat(from).extracting(RawEvent::key, RawEvent::kind, RawEvent::path, InotifyBackendTest::isDir)
                .containsExactly(key, MOVED_FROM, "f.txt", false);
        assertThat(to).extracting(RawEvent::key, RawEvent::kind, RawEvent::path, InotifyBackendTest::isDir)
                .containsExactly(key, MOVED_TO, "g.txt", false);
        assertThat(from.cookie()).isNotZero().isEqualTo(to.cookie());
        Files.delete(dir.resolve("g.txt"));
        r.assertEvent(key, DELETED, "g.txt", false);

        Files.createDirectory(dir.resolve("sub"));
        r.assertEvent(key, CREATED, "sub", true);
        Files.move(dir.resolve("sub"), dir.resolve("sub2"));
        r.assertEvent(key, MOVED_FROM, "sub", true);
        r.assertEvent(key, MOVED_TO, "sub2", true);
        Files.delete(dir.resolve("sub2"));
        r.assertEvent(key, DELETED, "sub2", true);
        barrier(channel);
        r.assertNothingReceived();
    }

    @Test
    void deletingTheWatchedDirectoryEndsItsWatch() throws Exception {
        Recorder r = new Recorder();
        WatchChannel channel = open(r);
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Object key = add(channel, sub);
        assertThat(watchCount(backend.inotifyFd())).isEqualTo(1);

        Files.delete(sub);
        r.assertEvent(key, SELF_DELETED, "", false);
        r.assertEvent(key, UNWATCHED, "", false);
        assertThat(watchCount(backend.inotifyFd())).isZero();
        onLoop(channel, () -> {
            channel.remove(key); // already forgotten: ignored, and no inotify_rm_watch of a dead wd
            return null;
        });
        r.assertNothingReceived();
    }

    @Test
    void movingTheWatchedDirectoryIsReportedOnItsKey() throws Exception {
        Recorder r = new Recorder();
        WatchChannel channel = open(r);
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Object parentKey = add(channel, dir);
        Object subKey = add(channel, sub);

        Files.move(sub, dir.resolve("moved"));
        r.assertEvent(parentKey, MOVED_FROM, "sub", true);
        r.assertEvent(parentKey, MOVED_TO, "moved", true);
        r.assertEvent(subKey, SELF_MOVED, "", false);
        Files.createFile(dir.resolve("moved").resolve("x"));
        r.assertEvent(subKey, CREATED, "x", false); // the watch follows the inode
    }

    @Test
    void eachReadIsOneBatchPerChannelInKernelOrder() throws Exception {
        Recorder r = new Recorder();
        WatchChannel channel = open(r);
        Object key = add(channel, dir);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        channel.execute(() -> {
            blocked.countDown();
            await(release);
        });
        assertThat(blocked.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 5; i++) {
            Files.createFile(dir.resolve("f" + i));
        }
        release.countDown();
        List<RawEvent> batch = r.batches.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(batch).extracting(RawEvent::path).containsExactly("f0", "f1", "f2", "f3", "f4");
        assertThat(batch).allSatisfy(e -> assertThat(e.key()).isSameAs(key));
    }

    // ---- sharing one kernel watch

    @Test
    void twoChannelsOnOneDirectoryShareOneWatch() throws Exception {
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        WatchChannel channelA = open(a);
        WatchChannel channelB = open(b);
        Object keyA = add(channelA, dir);
        Object keyB = add(channelB, dir);
        assertThat(keyA).isNotSameAs(keyB);
        int fd = backend.inotifyFd();
        assertThat(watchCount(fd)).isEqualTo(1);

        Files.createFile(dir.resolve("one"));
        a.assertEvent(keyA, CREATED, "one", false);
        b.assertEvent(keyB, CREATED, "one", false);

        onLoop(channelA, () -> {
            channelA.remove(keyA);
            return null;
        });
        assertThat(watchCount(fd)).as("B still needs the watch").isEqualTo(1);
        Files.createFile(dir.resolve("two"));
        b.assertEvent(keyB, CREATED, "two", false);
        barrier(channelA); // A would have been called in the same turn as B
        a.assertNothingReceived();

        onLoop(channelB, () -> {
            channelB.remove(keyB);
            return null;
        });
        assertThat(watchCount(fd)).as("the last removal removes the watch").isZero();
    }

    @Test
    void oneChannelAddingTheSameDirectoryTwiceGetsTwoKeys() throws Exception {
        Recorder r = new Recorder();
        WatchChannel channel = open(r);
        Object first = add(channel, dir);
        Object second = add(channel, dir.resolve("."));
        assertThat(first).isNotSameAs(second);
        assertThat(watchCount(backend.inotifyFd())).isEqualTo(1);

        Files.createFile(dir.resolve("x"));
        r.assertEvent(first, CREATED, "x", false);
        r.assertEvent(second, CREATED, "x", false);
        onLoop(channel, () -> {
            channel.remove(first);
            channel.remove(first); // a second removal is ignored
            channel.remove("not a key");
            return null;
        });
        assertThat(watchCount(backend.inotifyFd())).isEqualTo(1);
        Files.createFile(dir.resolve("y"));
        r.assertEvent(second, CREATED, "y", false);
        barrier(channel);
        r.assertNothingReceived();
    }

    @Test
    void aKeyOfAnotherChannelIsIgnored() throws Exception {
        Recorder a = new Recorder();
        WatchChannel channelA = open(a);
        WatchChannel channelB = open(new Recorder());
        Object keyA = add(channelA, dir);
        onLoop(channelB, () -> {
            channelB.remove(keyA);
            return null;
        });
        Files.createFile(dir.resolve("x"));
        a.assertEvent(keyA, CREATED, "x", false);
    }

    // ---- add failures

    @Test
    void missingDirectoryIsNoSuchFile() throws Exception {
        WatchChannel channel = open(new Recorder());
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> add(channel, missing)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("ENOENT 2");
    }

    @Test
    void fileOrSymbolicLinkIsNoSuchFile() throws Exception {
        WatchChannel channel = open(new Recorder());
        Path file = Files.createFile(dir.resolve("file"));
        assertThatThrownBy(() -> add(channel, file)).isInstanceOf(NoSuchFileException.class)
                .hasMessage(file + ": inotify_add_watch failed: Not a directory (ENOTDIR 20)");
        Path link = Files.createSymbolicLink(dir.resolve("link"), Files.createDirectory(dir.resolve("target")));
        assertThatThrownBy(() -> add(channel, link)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("ENOTDIR 20");
        assertThat(watchCount(backend.inotifyFd())).isZero();
    }

    @Test
    void unreadableDirectoryIsPermissionDenied() throws Exception {
        WatchChannel channel = open(new Recorder());
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        try {
            // as root, this thread alone loses root's right to ignore permissions (add works from any thread)
            assertThatThrownBy(() -> Unprivileged.call(() -> channel.add(locked))).isExactlyInstanceOf(WatchException.class)
                    .hasMessage("inotify_add_watch(" + locked + ") failed: Permission denied (EACCES 13)")
                    .satisfies(e -> assertThat(((WatchException) e).errorCode()).isEqualTo(13));
            assertThat(watchCount(backend.inotifyFd())).isZero();
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /**
     * Lowers the machine-wide fs.inotify.max_user_watches to 0 for a moment: every process of this user
     * fails to add watches meanwhile, hence opt-in ({@code -Dvigil.test.sysctl=true}, as root).
     */
    @Test
    @EnabledIfSystemProperty(named = "vigil.test.sysctl", matches = "true")
    void reachingMaxUserWatchesIsTheWatchLimit() throws Exception {
        assumeTrue(isRoot(), "only root may change fs.inotify.max_user_watches");
        WatchChannel channel = open(new Recorder());
        Path sysctl = Path.of("/proc/sys/fs/inotify/max_user_watches");
        String original = Files.readAllLines(sysctl).get(0).trim();
        Throwable thrown;
        try {
            Files.writeString(sysctl, "0\n");
            thrown = onLoop(channel, () -> {
                try {
                    channel.add(dir);
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
        } finally {
            Files.writeString(sysctl, original + "\n");
        }
        assertThat(Files.readAllLines(sysctl).get(0).trim()).isEqualTo(original);
        assertThat(thrown).isExactlyInstanceOf(WatchLimitException.class)
                .hasMessageStartingWith("inotify_add_watch(" + dir + ") failed: No space left on device (ENOSPC 28):"
                        + " the per-user limit fs.inotify.max_user_watches (currently 0,");
        assertThat(((WatchLimitException) thrown).limit()).isEqualTo("fs.inotify.max_user_watches");
    }

    // ---- overflow

    @Test
    void kernelQueueOverflowReachesEveryChannelAfterTheEventsBeforeIt() throws Exception {
        int max = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/fs/inotify/max_queued_events")).get(0)
                .trim());
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        WatchChannel channelA = open(a);
        WatchChannel channelB = open(b);
        Object keyA = add(channelA, dir);
        add(channelB, Files.createDirectory(dir.resolve("quiet")));
        a.assertEvent(keyA, CREATED, "quiet", true);
        Path one = Files.createFile(dir.resolve("1"));
        Path two = Files.createFile(dir.resolve("2"));
        a.assertEvent(keyA, CREATED, "1", false);
        a.assertEvent(keyA, CREATED, "2", false);

        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        channelA.execute(() -> {
            blocked.countDown();
            await(release); // the loop reads nothing meanwhile: the kernel queue fills up
        });
        assertThat(blocked.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        try (FileChannel out1 = FileChannel.open(one, StandardOpenOption.WRITE);
                FileChannel out2 = FileChannel.open(two, StandardOpenOption.WRITE)) {
            for (int i = 0; i < max + 100; i++) { // alternate, so that the kernel cannot merge them
                writeOneByte(i % 2 == 0 ? out1 : out2);
            }
        }
        release.countDown();

        int events = 0;
        for (Object o = a.next(); o != OVERFLOW; o = a.next()) {
            assertThat(o).isInstanceOf(RawEvent.class);
            assertThat(((RawEvent) o).kind()).isEqualTo(MODIFIED);
            events++;
        }
        assertThat(events).as("the queue holds max_queued_events, then the overflow").isEqualTo(max);
        assertThat(b.next()).isSameAs(OVERFLOW);

        Files.createFile(dir.resolve("after"));
        a.assertEvent(keyA, CREATED, "after", false);
        barrier(channelB);
        b.assertNothingReceived();
    }

    // ---- threading and lifecycle

    @Test
    void tasksRunInOrderOnTheLoopAfterTheEventsBeforeThem() throws Exception {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Recorder r = new Recorder() {
            @Override
            public void onEvents(List<RawEvent> batch) {
                batch.forEach(e -> log.add(e.kind() + " " + e.path()));
                super.onEvents(batch);
            }
        };
        WatchChannel channel = open(r);
        add(channel, dir);
        int n = 20;
        for (int i = 0; i < n; i++) {
            Files.createFile(dir.resolve("f" + i));
            int task = i;
            channel.execute(() -> log.add("task " + task + (((InotifyChannel) channel).inLoop() ? "" : " off the loop")));
        }
        barrier(channel);
        // Each task comes after the event that happened before it was queued (later events may come sooner).
        assertThat(log).hasSize(2 * n);
        List<String> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            assertThat(log.indexOf("CREATED f" + i)).as("f%s before task %s in %s", i, i, log)
                    .isNotNegative().isLessThan(log.indexOf("task " + i));
            tasks.add("task " + i);
        }
        assertThat(log).filteredOn(s -> s.startsWith("task")).containsExactlyElementsOf(tasks);
    }

    @Test
    void tasksQueuedByTheLoopItselfRunToo() throws Exception {
        WatchChannel channel = open(new Recorder());
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        channel.execute(() -> {
            order.add(1);
            channel.execute(() -> {
                order.add(3);
                done.countDown();
            });
            order.add(2);
        });
        assertThat(done.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(order).containsExactly(1, 2, 3);
    }

    @Test
    void addAndRemoveWorkFromAnyThreadAndNeverLoseTheFirstEvent() throws Exception {
        Recorder r = new Recorder();
        WatchChannel channel = open(r);
        assertThat(((InotifyChannel) channel).inLoop()).isFalse();
        for (int i = 0; i < 50; i++) {
            Path sub = Files.createDirectory(dir.resolve("d" + i));
            Object key = channel.add(sub); // off the loop, while the loop keeps reading
            Files.createFile(sub.resolve("f"));
            r.assertEvent(key, CREATED, "f", false);
            channel.remove(key);
        }
        barrier(channel);
        assertThat(r.received).isEmpty();
    }

    static boolean isDir(RawEvent e) {
        return e.type() == RawEvent.EntryType.DIRECTORY;
    }

    @Test
    void closeIsIdempotentAndStopsCallbacks() throws Exception {
        Recorder closed = new Recorder();
        Recorder open = new Recorder();
        WatchChannel channelA = open(closed);
        WatchChannel channelB = open(open);
        add(channelA, dir);
        Object keyB = add(channelB, dir);
        int fd = backend.inotifyFd();

        channelA.close();
        channelA.close();
        onLoop(channelB, () -> {
            channelA.close(); // and on the loop thread
            return null;
        });
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        channelA.execute(() -> ran.add("task of a closed channel"));
        assertThat(watchCount(fd)).isEqualTo(1);
        assertThat(onLoop(channelB, () -> {
            try {
                channelA.add(dir);
                return null;
            } catch (ClosedWatchServiceException e) {
                return e;
            }
        })).isInstanceOf(ClosedWatchServiceException.class);

        Files.createFile(dir.resolve("x"));
        open.assertEvent(keyB, CREATED, "x", false);
        barrier(channelB);
        closed.assertNothingReceived();
        assertThat(ran).isEmpty();
    }

    @Test
    void closingTheLastChannelRemovesItsWatches() throws Exception {
        WatchChannel keeper = open(new Recorder());
        WatchChannel channel = open(new Recorder());
        add(channel, dir);
        add(channel, Files.createDirectory(dir.resolve("sub")));
        int fd = backend.inotifyFd();
        assertThat(watchCount(fd)).isEqualTo(2);
        channel.close();
        barrier(keeper);
        assertThat(watchCount(fd)).isZero();
    }

    @Test
    void aThrowingListenerClosesOnlyItsChannel() throws Exception {
        RuntimeException boom = new IllegalStateException("boom");
        Recorder failing = new Recorder() {
            @Override
            public void onEvents(List<RawEvent> batch) {
                super.onEvents(batch);
                throw boom;
            }
        };
        Recorder healthy = new Recorder();
        WatchChannel channelA = open(failing);
        WatchChannel channelB = open(healthy);
        Object keyA = add(channelA, Files.createDirectory(dir.resolve("a")));
        Object keyB = add(channelB, Files.createDirectory(dir.resolve("b")));
        int fd = backend.inotifyFd();

        Files.createFile(dir.resolve("a").resolve("x"));
        failing.assertEvent(keyA, CREATED, "x", false);
        assertThat(failing.next()).isSameAs(boom);
        assertThat(watchCount(fd)).as("the failed channel's watch is gone").isEqualTo(1);

        Files.createFile(dir.resolve("a").resolve("y"));
        Files.createFile(dir.resolve("b").resolve("y"));
        healthy.assertEvent(keyB, CREATED, "y", false);
        barrier(channelB);
        failing.assertNothingReceived();
    }

    @Test
    void aThrowingTaskClosesItsChannel() throws Exception {
        Recorder r = new Recorder();
        WatchChannel channel = open(r);
        add(channel, dir);
        RuntimeException boom = new IllegalStateException("task failed");
        channel.execute(() -> {
            throw boom;
        });
        assertThat(r.next()).isSameAs(boom);
        assertThat(watchCount(backend.inotifyFd())).isZero();
        WatchChannel other = open(new Recorder());
        barrier(other);
        r.assertNothingReceived();
    }

    @Test
    void aFailedLoopFailsEveryChannelAndTheNextOpenStartsAnother() throws Exception {
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        WatchChannel channelA = open(a);
        open(b);
        add(channelA, dir);
        int fd = backend.inotifyFd();
        int root = TestLibc.open("/\0".getBytes(UTF_8), 0);
        try {
            // Swap a directory in for the inotify fd: the loop's next read fails with EISDIR.
            onLoop(channelA, () -> TestLibc.dup2(root, fd));
        } finally {
            TestLibc.close(root);
        }
        for (Recorder r : List.of(a, b)) {
            assertThat(r.nextFailure()).isInstanceOf(WatchException.class)
                    .hasMessage("read(inotify fd " + fd + ") failed: Is a directory (EISDIR 21)")
                    .satisfies(e -> assertThat(((WatchException) e).call()).contains("read"))
                    .satisfies(e -> assertThat(((WatchException) e).errorCode()).isEqualTo(21));
        }

        Recorder c = new Recorder();
        WatchChannel channelC = open(c);
        Object key = add(channelC, dir);
        Files.createFile(dir.resolve("x"));
        c.assertEvent(key, CREATED, "x", false);
        a.assertNothingReceived();
        b.assertNothingReceived();
    }

    @Test
    void aThousandCyclesLeaveNoWatchNoThreadAndNoFd() throws Exception {
        WatchChannel keeper = open(new Recorder());
        int fd = backend.inotifyFd();
        long watches = watchCount(fd);
        long threads = loopThreads();
        long inotifyFds = anonInodeFds("inotify");
        for (int i = 0; i < 1000; i++) {
            WatchChannel channel = backend.open(new Recorder());
            add(channel, dir);
            channel.close();
        }
        barrier(keeper);
        assertThat(watchCount(fd)).isEqualTo(watches);
        assertThat(loopThreads()).isEqualTo(threads);
        assertThat(anonInodeFds("inotify")).isEqualTo(inotifyFds);
        assertThat(backend.inotifyFd()).isEqualTo(fd);
    }

    @Test
    void closingAPrivateBackendReleasesBothFdsAndItsThread() throws Exception {
        long inotifyFds = anonInodeFds("inotify");
        long eventFds = anonInodeFds("eventfd");
        long threads = loopThreads();
        InotifyBackend own = new InotifyBackend();
        Recorder r = new Recorder();
        add(own.open(r), dir);
        assertThat(anonInodeFds("inotify")).isEqualTo(inotifyFds + 1);
        assertThat(anonInodeFds("eventfd")).isEqualTo(eventFds + 1);
        assertThat(loopThreads()).isEqualTo(threads + 1);

        own.close();
        own.close();
        assertThat(anonInodeFds("inotify")).isEqualTo(inotifyFds);
        assertThat(anonInodeFds("eventfd")).isEqualTo(eventFds);
        assertThat(loopThreads()).isEqualTo(threads);
        assertThat(r.nextFailure()).isInstanceOf(WatchException.class).hasMessage("the inotify backend was closed");
        assertThatThrownBy(() -> own.open(new Recorder())).isInstanceOf(IllegalStateException.class);
    }

    private static long loopThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("vigil-inotify-")).count();
    }

    private static boolean isRoot() throws IOException {
        return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(TIMEOUT_SECONDS * 3, TimeUnit.SECONDS)) {
                throw new AssertionError("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
