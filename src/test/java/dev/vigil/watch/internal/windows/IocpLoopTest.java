package dev.vigil.watch.internal.windows;

import static dev.vigil.watch.internal.windows.FakeKernel.records;
import static dev.vigil.watch.internal.windows.Notifications.ADDED;
import static dev.vigil.watch.internal.windows.Notifications.MODIFIED;
import static dev.vigil.watch.internal.windows.Notifications.REMOVED;
import static dev.vigil.watch.internal.windows.Notifications.RENAMED_NEW_NAME;
import static dev.vigil.watch.internal.windows.Notifications.RENAMED_OLD_NAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vigil.watch.WatchException;
import dev.vigil.watch.WatchLimitException;
import dev.vigil.watch.internal.RawEvent;
import dev.vigil.watch.internal.RawEvent.EntryType;
import dev.vigil.watch.internal.RawEvent.RawKind;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchChannel;
import java.io.ByteArrayOutputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The completion-port loop driven through a fake kernel on any OS: records to raw events, rename pairing, overflow,
 * errors, and the ownership of each read's buffer through cancellation and stop.
 */
@Timeout(30)
class IocpLoopTest {

    static final Duration T = Duration.ofSeconds(5);
    // Absolute on this OS: /w/root on Linux, C:\w\root in a Windows JVM
    static final String ROOT = abs("/w/root");
    static final String PARENT = abs("/w");
    static final String MISSING = abs("/w/missing");
    static final String FILE = abs("/w/file");
    static final String LOCKED = abs("/w/locked");
    static final String FULL = abs("/w/full");
    static final String SMB = abs("/w/smb");
    static final String OTHER = abs("/w/other");

    static String abs(String p) {
        return Path.of(p).toAbsolutePath().normalize().toString();
    }

    FakeKernel os = new FakeKernel().dir(PARENT).dir(ROOT);
    WindowsBackend backend = WindowsBackend.over(os);
    Listener listener = new Listener();
    WatchChannel channel;

    static final class Listener implements RawEventListener {
        final BlockingQueue<Object> got = new LinkedBlockingQueue<>();

        @Override
        public void onEvents(List<RawEvent> batch) {
            got.addAll(batch);
        }

        @Override
        public void onFailure(Throwable error) {
            got.add(error);
        }

        Object next() throws InterruptedException {
            Object o = got.poll(T.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(o).as("an event within " + T).isNotNull();
            return o;
        }

        RawEvent event() throws InterruptedException {
            Object o = next();
            assertThat(o).isInstanceOf(RawEvent.class);
            return (RawEvent) o;
        }
    }

    @BeforeEach
    void open() throws Exception {
        channel = backend.open(listener);
    }

    @AfterEach
    void close() throws Exception {
        channel.close();
        backend.close();
        assertThat(os.handles).as("handles left open").isEmpty();
        assertThat(os.log).noneMatch(l -> l.contains("while its read is pending"));
    }

    Object watchRoot() throws Exception {
        Object key = channel.add(Path.of(ROOT));
        assertThat(os.pending(ROOT).subtree).isTrue();
        assertThat(os.pending(PARENT).subtree).isFalse();
        return key;
    }

    static RawEvent ev(Object key, RawKind kind, String path, long cookie) {
        return new RawEvent(key, kind, path, EntryType.UNKNOWN, cookie);
    }

    @Test
    void recordsBecomeRawEventsWithRenamesPairedAndTheReadIsReissued() throws Exception {
        Object key = watchRoot();
        os.complete(ROOT, records(false, ADDED, "a.txt", MODIFIED, "a.txt", RENAMED_OLD_NAME, "a.txt",
                RENAMED_NEW_NAME, "b.txt", ADDED, "sub\\c.txt", REMOVED, "b.txt"));
        assertThat(listener.event()).isEqualTo(ev(key, RawKind.CREATED, "a.txt", 0));
        assertThat(listener.event()).isEqualTo(ev(key, RawKind.MODIFIED, "a.txt", 0));
        RawEvent from = listener.event();
        RawEvent to = listener.event();
        assertThat(from.kind()).isEqualTo(RawKind.MOVED_FROM);
        assertThat(from.cookie()).isNotZero().isEqualTo(to.cookie());
        assertThat(to).isEqualTo(ev(key, RawKind.MOVED_TO, "b.txt", from.cookie()));
        assertThat(listener.event()).isEqualTo(ev(key, RawKind.CREATED, "sub/c.txt", 0));
        assertThat(listener.event()).isEqualTo(ev(key, RawKind.DELETED, "b.txt", 0));
        assertThat(os.pending(ROOT).length).isEqualTo(IocpLoop.BUFFER_SIZE); // re-armed, 64 KiB
        os.complete(ROOT, records(true, ADDED, "wine-packed.txt", ADDED, "é中😀"));
        assertThat(listener.event().path()).isEqualTo("wine-packed.txt");
        assertThat(listener.event().path()).isEqualTo("é中😀");
    }

    @Test
    void anOldNameEndingOneReadPairsWithTheNewNameOpeningTheNext() throws Exception {
        Object key = watchRoot();
        os.complete(ROOT, records(false, ADDED, "x", RENAMED_OLD_NAME, "x"));
        listener.event();
        RawEvent from = listener.event();
        os.complete(ROOT, records(false, RENAMED_NEW_NAME, "y", RENAMED_NEW_NAME, "z"));
        assertThat(listener.event()).isEqualTo(ev(key, RawKind.MOVED_TO, "y", from.cookie()));
        assertThat(listener.event()).isEqualTo(ev(key, RawKind.MOVED_TO, "z", 0)); // unpaired: moved in
    }

    @Test
    void zeroBytesAndEnumDirAreOverflowsOfTheRootAndTheReadGoesOn() throws Exception {
        Object key = watchRoot();
        os.complete(ROOT, WinErrors.STATUS_SUCCESS);
        assertThat(listener.event()).isEqualTo(RawEvent.overflow(key, ""));
        os.complete(ROOT, WinErrors.STATUS_NOTIFY_ENUM_DIR);
        assertThat(listener.event()).isEqualTo(RawEvent.overflow(key, ""));
        os.complete(ROOT, records(false, ADDED, "after"));
        assertThat(listener.event()).isEqualTo(ev(key, RawKind.CREATED, "after", 0));
    }

    @Test
    void aMalformedChainIsAnOverflowNotGarbage() throws Exception {
        Object key = watchRoot();
        byte[] bad = records(false, ADDED, "a", ADDED, "b");
        bad[0] = 100; // NextEntryOffset past the bytes returned
        os.complete(ROOT, bad);
        assertThat(listener.event()).isEqualTo(RawEvent.overflow(key, ""));
        assertThat(listener.got).isEmpty();
    }

    @Test
    void theRootRemovedOrRenamedIsReportedThroughItsParent() throws Exception {
        Object key = watchRoot();
        os.complete(PARENT, records(false, ADDED, "sibling", REMOVED, "ROOT"));
        assertThat(listener.event()).isEqualTo(new RawEvent(key, RawKind.SELF_DELETED, "", EntryType.DIRECTORY, 0));
        os.complete(PARENT, records(false, RENAMED_OLD_NAME, "root", RENAMED_NEW_NAME, "moved"));
        assertThat(listener.event()).isEqualTo(new RawEvent(key, RawKind.SELF_MOVED, "", EntryType.DIRECTORY, 0));
        assertThat(os.pending(PARENT).filter).isEqualTo(Kernel.NOTIFY_DIR_NAME);
    }

    @Test
    void aFailedReadOfARootThatIsGoneIsItsDeletion() throws Exception {
        Object key = watchRoot();
        os.files.remove(ROOT);
        os.complete(ROOT, WinErrors.STATUS_DELETE_PENDING);
        assertThat(listener.event()).isEqualTo(new RawEvent(key, RawKind.SELF_DELETED, "", EntryType.DIRECTORY, 0));
        channel.remove(key); // as the session does
        await().atMost(T).until(() -> os.handles.isEmpty());
    }

    @Test
    void aFailedReadOfARootThatStillExistsFailsTheChannelNamingCallPathAndError() throws Exception {
        watchRoot();
        os.complete(ROOT, WinErrors.STATUS_ACCESS_DENIED);
        Object failure = listener.next();
        assertThat(failure).isInstanceOf(WatchException.class);
        WatchException e = (WatchException) failure;
        assertThat(e.getMessage()).contains("ReadDirectoryChangesW(", Path.of(ROOT).toString(),
                "Access is denied. (ERROR_ACCESS_DENIED 5)");
        assertThat(e.errorCode()).isEqualTo(WinErrors.ERROR_ACCESS_DENIED);
        await().atMost(T).until(() -> os.handles.isEmpty()); // the channel closed: its handles too
    }

    @Test
    void removeCancelsAndClosesTheHandleOnlyAfterTheCancelledReadCompleted() throws Exception {
        Object key = watchRoot();
        os.holdCancels = true;
        channel.remove(key);
        await().atMost(T).until(() -> os.log.stream().filter(l -> l.startsWith("cancel")).count() == 2);
        assertThat(os.handles).hasSize(2); // the OS still owns both buffers
        os.completeCancels();
        await().atMost(T).until(() -> os.handles.isEmpty());
        List<String> log = new ArrayList<>(os.log);
        assertThat(log.indexOf("close " + ROOT)).isGreaterThan(log.indexOf("cancel " + ROOT));
        assertThat(log.stream().filter(l -> l.contains("status c0000120")).count()).isEqualTo(2);
    }

    @Test
    void eventsOfARemovedWatchStopAtOnce() throws Exception {
        Object key = watchRoot();
        java.util.concurrent.CountDownLatch stall = new java.util.concurrent.CountDownLatch(1);
        channel.execute(() -> {
            try {
                stall.await(); // holds the loop thread, so that the read below completes before remove() returns
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        os.complete(ROOT, records(false, ADDED, "late"));
        channel.remove(key);
        stall.countDown();
        await().atMost(T).until(() -> os.handles.isEmpty());
        assertThat(listener.got).isEmpty();
    }

    @Test
    void aBarrierRunsAfterEveryReadCompletedBeforeIt() throws Exception {
        Object key = watchRoot();
        os.complete(ROOT, records(false, ADDED, "before"));
        List<Object> order = new java.util.concurrent.CopyOnWriteArrayList<>();
        channel.execute(() -> order.add("barrier"));
        await().atMost(T).until(() -> order.contains("barrier"));
        assertThat(listener.got.poll()).isEqualTo(ev(key, RawKind.CREATED, "before", 0));
    }

    @Test
    void extendedReadsGiveTheTypeAndPairByFileIdAndDropDirectoryWrites() throws Exception {
        os.extended = true;
        Object key = watchRoot();
        assertThat(os.pending(ROOT).extended).isTrue();
        assertThat(os.pending(PARENT).extended).isFalse();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(FakeKernel.extended(ADDED, "d", Kernel.FILE_ATTRIBUTE_DIRECTORY, 7, false, 0));
        b.writeBytes(FakeKernel.extended(MODIFIED, "d", Kernel.FILE_ATTRIBUTE_DIRECTORY, 7, false, 0));
        b.writeBytes(FakeKernel.extended(RENAMED_OLD_NAME, "f", 0x20, 8, false, 0));
        b.writeBytes(FakeKernel.extended(RENAMED_NEW_NAME, "g", 0x20, 9, false, 0)); // another file: not its pair
        b.writeBytes(FakeKernel.extended(ADDED, "d\\h", 0x20, 10, true, 0));
        os.complete(ROOT, b.toByteArray());
        assertThat(listener.event()).isEqualTo(new RawEvent(key, RawKind.CREATED, "d", EntryType.DIRECTORY, 0));
        RawEvent from = listener.event();
        assertThat(from.kind()).isEqualTo(RawKind.MOVED_FROM);
        assertThat(listener.event()).isEqualTo(new RawEvent(key, RawKind.MOVED_TO, "g", EntryType.FILE, 0));
        assertThat(listener.event()).isEqualTo(new RawEvent(key, RawKind.CREATED, "d/h", EntryType.FILE, 0));
    }

    @Test
    void aFileSystemRefusingTheExtendedReadGetsThePlainOne() throws Exception {
        os.extended = true;
        os.refuseExtended = true;
        Object key = watchRoot();
        assertThat(os.pending(ROOT).extended).isFalse();
        os.complete(ROOT, records(false, ADDED, "a"));
        assertThat(listener.event()).isEqualTo(ev(key, RawKind.CREATED, "a", 0));
    }

    @Test
    void shortNamesAreExpandedWhereTheEntryStillExists() throws Exception {
        Object key = watchRoot();
        os.longNames.put(ROOT + "\\LONGNA~1\\f.txt", ROOT + "\\long name\\f.txt");
        os.complete(ROOT, records(false, MODIFIED, "LONGNA~1\\f.txt", REMOVED, "GONE~1.TXT"));
        assertThat(listener.event()).isEqualTo(ev(key, RawKind.MODIFIED, "long name/f.txt", 0));
        assertThat(listener.event()).isEqualTo(ev(key, RawKind.DELETED, "GONE~1.TXT", 0));
    }

    @Test
    void watchingFailsWithTypedErrorsNamingThePath() throws Exception {
        assertThatThrownBy(() -> channel.add(Path.of(MISSING))).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(MISSING).hasMessageContaining("ERROR_FILE_NOT_FOUND 2");
        os.files.put(FILE, 0x20);
        assertThatThrownBy(() -> channel.add(Path.of(FILE))).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("ERROR_DIRECTORY 267");
        os.dir(LOCKED).openFailures.put(LOCKED, WinErrors.ERROR_ACCESS_DENIED);
        assertThatThrownBy(() -> channel.add(Path.of(LOCKED))).isInstanceOf(WatchException.class)
                .hasMessageContaining("CreateFileW(" + LOCKED + ") failed: Access is denied. (ERROR_ACCESS_DENIED 5)")
                .hasMessageContaining("grant it read access");
        os.dir(FULL).openFailures.put(FULL, WinErrors.ERROR_NO_SYSTEM_RESOURCES);
        assertThatThrownBy(() -> channel.add(Path.of(FULL))).isInstanceOf(WatchLimitException.class)
                .hasMessageContaining("ERROR_NO_SYSTEM_RESOURCES 1450");
        os.dir(SMB).openFailures.put(SMB, WinErrors.ERROR_INVALID_FUNCTION);
        assertThatThrownBy(() -> channel.add(Path.of(SMB))).isInstanceOf(WatchException.class)
                .hasMessageContaining("does not report changes");
        assertThat(os.handles).isEmpty();
    }

    @Test
    void stoppingCancelsEveryReadAndWaitsForItsCompletion() throws Exception {
        watchRoot();
        WatchChannel other = backend.open(listener);
        os.dir(OTHER);
        other.add(Path.of(OTHER));
        backend.close();
        assertThat(os.handles).isEmpty();
        assertThat(os.log).contains("cancel " + ROOT, "cancel " + OTHER, "close port");
        assertThat(os.log.lastIndexOf("close port")).isEqualTo(os.log.size() - 1); // the port closes last
        assertThat(listener.next()).isInstanceOf(WatchException.class); // each open channel learns it closed
        String thread = channel.toString().replaceAll("^Windows channel on (\\S+).*$", "$1");
        assertThat(thread).startsWith("vigil-iocp-");
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals(thread) && t.isAlive());
    }

    @Test
    void longPathsGetTheExtendedPrefix() {
        String deep = "C:\\" + "d".repeat(300);
        assertThat(IocpLoop.osPath(Path.of(deep))).isEqualTo(deep.length() < IocpLoop.LONG_PATH ? deep : "\\\\?\\" + deep);
        assertThat(IocpLoop.osPath(Path.of("C:\\short"))).isEqualTo("C:\\short");
        String unc = "\\\\server\\share\\" + "u".repeat(300);
        assertThat(IocpLoop.osPath(Path.of(unc))).isEqualTo("\\\\?\\UNC\\server\\share\\" + "u".repeat(300));
    }
}
