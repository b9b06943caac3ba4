package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import dev.vigil.watch.internal.Backends;
import reactor.test.StepVerifier;

/**
 * Changes since the last run, on the real disk with every backend of this OS: what changes while no session runs
 * is delivered by the next session, exactly, before live events; what a subscriber never received is delivered
 * again; an unusable state file gives the documented result and is left as it was.
 */
class StateFileTest {

    static final Duration T = Duration.ofSeconds(30);
    /** Long ago: the fixtures' modification time, so that no save sees them as "just modified". */
    static final FileTime OLD = FileTime.from(Instant.now().minus(Duration.ofHours(1)));

    @TempDir
    Path root;
    @TempDir
    Path home;
    Path file;
    final List<Recorder> recorders = new ArrayList<>();

    @BeforeEach
    void fixtures() throws IOException {
        file = home.resolve("watch.state");
        write("keep.txt", "k");
        write("mod.txt", "m");
        write("del.txt", "d");
        write("ren.txt", "r");
        Files.createDirectory(root.resolve("dir"));
        write("dir/sub.txt", "s");
        Files.setLastModifiedTime(root.resolve("dir"), OLD);
    }

    @AfterEach
    void release() {
        recorders.forEach(Recorder::dispose);
    }

    private int written;

    /**
     * Writes a file and sets its modification time back to {@link #OLD}, plus a microsecond per file written: files
     * written at different times, as in life (with one time for all, a file deleted and another of the same size
     * created on its reused inode would pass for a rename).
     */
    private void write(String rel, String content) throws IOException {
        Path p = root.resolve(rel);
        Files.writeString(p, content);
        Files.setLastModifiedTime(p, FileTime.from(OLD.toInstant().plusNanos(1_000L * ++written)));
    }

    private FileWatcher watcher(Backend backend) {
        return FileWatcher.builder().root(root).backend(backend).pollInterval(Duration.ofMillis(50)).stateFile(file)
                .build();
    }

    /** One session: what it delivers up to a sync, then its end and final save. */
    private List<String> session(FileWatcher w, Runnable live) {
        Recorder r = Recorder.watch(w);
        recorders.add(r);
        List<String> out = new ArrayList<>(Recorder.merged(root, r.sync(w)));
        if (live != null) {
            live.run();
            out.addAll(Recorder.merged(root, r.sync(w)));
        }
        r.dispose();
        w.saveState().block(T);
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"AUTO", "POLLING", "WATCH_SERVICE"})
    void theNextSessionDeliversExactlyWhatChangedWhileNoneRan(Backend backend) throws IOException {
        FileWatcher w = watcher(backend);
        assertThat(session(w, null)).as("a first run without a file reports everything").containsExactlyInAnyOrder(
                "CREATED keep.txt", "CREATED mod.txt", "CREATED del.txt", "CREATED ren.txt", "CREATED dir",
                "CREATED dir/sub.txt");
        assertThat(file).exists();

        // modification times set back: a file written within milliseconds of a save is saved as "changed" (and
        // reported again), which a fast test would otherwise hit
        write("new.txt", "n");
        write("mod.txt", "more");
        Files.delete(root.resolve("del.txt"));
        Files.move(root.resolve("ren.txt"), root.resolve("ren2.txt"));
        Files.move(root.resolve("dir"), root.resolve("dir2"));

        List<String> second = session(watcher(backend), () -> {
            try {
                write("live.txt", "l"); // a live event after the changes since
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(second.subList(0, 5)).containsExactlyInAnyOrder("CREATED new.txt", "MODIFIED mod.txt",
                "DELETED del.txt", "RENAMED ren2.txt <- ren.txt", "RENAMED dir2 <- dir");
        assertThat(second.subList(5, second.size())).containsExactly("CREATED live.txt");

        assertThat(session(watcher(backend), null)).as("nothing changed since: nothing is repeated").isEmpty();
    }

    @Test
    void whatTheSubscriberDidNotReceiveIsDeliveredAgain() throws IOException {
        FileWatcher w = watcher(Backend.AUTO);
        session(w, null);
        Files.delete(root.resolve("keep.txt"));
        write("a.txt", "a");
        write("b.txt", "b");
        Recorder stalled = Recorder.stalled(w, 1); // receives one of the three changes since, and nothing more
        recorders.add(stalled);
        Files.delete(root.resolve("mod.txt")); // a live change it never receives
        w.ready().block(T);
        await().atMost(T).until(() -> stalled.events.size() == 1); // delivered on another thread
        stalled.dispose();
        w.saveState().block(T);
        assertThat(stalled.events).hasSize(1);
        String received = Recorder.lines(root, new ArrayList<>(stalled.events)).get(0);

        List<String> all = new ArrayList<>(List.of("DELETED keep.txt", "CREATED a.txt", "CREATED b.txt",
                "DELETED mod.txt"));
        assertThat(all).contains(received);
        all.remove(received);
        assertThat(session(watcher(Backend.AUTO), null)).containsExactlyInAnyOrderElementsOf(all);
    }

    @Test
    void closingTheWatcherSavesWhatTheSubscriberReceivedAndTheRestComesAgain() throws IOException {
        session(watcher(Backend.AUTO), null);
        Files.delete(root.resolve("keep.txt"));
        write("a.txt", "a");
        write("b.txt", "b");
        FileWatcher w = watcher(Backend.AUTO);
        Recorder stalled = Recorder.stalled(w, 1);
        recorders.add(stalled);
        Files.delete(root.resolve("mod.txt"));
        w.ready().block(T);
        await().atMost(T).until(() -> stalled.events.size() == 1); // delivered on another thread
        w.close(); // drops what was not delivered; the final save still runs, after close() returned
        w.saveState().block(T);
        await().atMost(T).until(() -> stalled.completed);
        assertThat(stalled.events).hasSize(1);
        String received = Recorder.lines(root, new ArrayList<>(stalled.events)).get(0);

        List<String> all = new ArrayList<>(List.of("DELETED keep.txt", "CREATED a.txt", "CREATED b.txt",
                "DELETED mod.txt"));
        assertThat(all).contains(received);
        all.remove(received);
        assertThat(session(watcher(Backend.AUTO), null)).as("the dropped changes are not lost")
                .containsExactlyInAnyOrderElementsOf(all);
    }

    @Test
    @SuppressWarnings("deprecation") // the only way to reach the subscription inside a lambda subscriber's onSubscribe
    void aSessionEndedBeforeItsEstablishmentBeganGivesTheFileBack() {
        FileWatcher w = watcher(Backend.AUTO);
        // cancelled inside onSubscribe, which a lambda subscriber gets before the session is established
        w.events().subscribe(e -> { }, e -> { }, () -> { }, org.reactivestreams.Subscription::cancel);
        w.saveState().block(T);
        assertThat(file).as("nothing was established, so nothing is saved").doesNotExist();
        assertThat(session(w, null)).as("the file is free for the next session").hasSize(6);
    }

    @Test
    void theFinalSaveCatchesUpWithEveryBackendOfTheSession() throws IOException {
        Path tmp = home; // beside the state file, outside both roots
        Path a = Files.createDirectory(tmp.resolve("a"));
        Path b = Files.createDirectory(tmp.resolve("b"));
        Files.writeString(a.resolve("x"), "x");
        Files.writeString(b.resolve("y"), "y");
        for (Path p : List.of(a.resolve("x"), b.resolve("y"))) {
            Files.setLastModifiedTime(p, OLD);
        }
        // b is polled, rarely: only the final save's catch-up poll can see a change made just before it (and no
        // sync() of this watcher, which waits for a poll)
        FileWatcher first = twoBackends(a, b, Duration.ofMinutes(10));
        assertThat(first.backends().get(b)).isEqualTo(Backend.POLLING);
        assertThat(first.backends().get(a)).isNotEqualTo(Backend.POLLING);
        Recorder r = Recorder.watch(first);
        recorders.add(r);
        await().atMost(T).until(() -> r.events.size() == 2);
        assertThat(Recorder.merged(tmp, new ArrayList<>(r.events))).containsExactlyInAnyOrder("CREATED a/x",
                "CREATED b/y");
        // modified with a time long before the save: only an event read before the save tells it changed
        Files.writeString(b.resolve("y"), "longer");
        Files.setLastModifiedTime(b.resolve("y"), FileTime.from(OLD.toInstant().plusSeconds(1)));
        r.dispose();
        first.saveState().block(T);

        FileWatcher second = twoBackends(a, b, Duration.ofMillis(50));
        Recorder next = Recorder.watch(second);
        recorders.add(next);
        assertThat(Recorder.merged(tmp, next.sync(second))).containsExactly("MODIFIED b/y");
        next.dispose();
        second.saveState().block(T); // its final save is over before the directories go
    }

    /** Roots {@code a} and {@code b} in one session, {@code b} polled every {@code interval}, {@code a} native. */
    private FileWatcher twoBackends(Path a, Path b, Duration interval) {
        return FileWatcher.builder().root(a).root(b).pollInterval(interval).stateFile(file)
                .backends(r -> r.equals(b) ? new Backends.Selection(Backends.polling(), Backend.POLLING, "test")
                        : Backends.select(Backend.AUTO, r))
                .build();
    }

    @Test
    void theChangesSinceAreQueuedBeforeReadinessAndRespectDemand() throws IOException {
        session(watcher(Backend.AUTO), null);
        Files.writeString(root.resolve("one.txt"), "1");
        Files.writeString(root.resolve("two.txt"), "2");
        FileWatcher w = watcher(Backend.AUTO);
        StepVerifier.create(w.events(), 0)
                .thenRequest(1)
                .expectNextCount(1)
                .expectNoEvent(Duration.ofMillis(100))
                .thenRequest(1)
                .expectNextCount(1)
                .then(() -> mkdir("three"))
                .thenRequest(1)
                .assertNext(e -> assertThat(e.path()).isEqualTo(root.resolve("three")))
                .thenCancel()
                .verify(T);
        w.saveState().block(T);
        assertThat(session(watcher(Backend.AUTO), null)).isEmpty();
    }

    private void mkdir(String rel) {
        try {
            Files.createDirectory(root.resolve(rel));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aCorruptFileFailsTheSessionAndIsLeftAsItWas() throws IOException {
        session(watcher(Backend.AUTO), null);
        byte[] good = Files.readAllBytes(file);

        byte[] flipped = good.clone();
        flipped[flipped.length / 2] ^= 0x40;
        expectFailure(flipped, WatchStateException.Reason.CORRUPT, "checksum");
        expectFailure(java.util.Arrays.copyOf(good, good.length - 7), WatchStateException.Reason.CORRUPT, "checksum");
        expectFailure("hello".getBytes(), WatchStateException.Reason.CORRUPT, "not a Vigil watch state file");
        byte[] future = good.clone();
        future[11] = 99; // the version, big-endian, after the 8-byte magic
        expectFailure(future, WatchStateException.Reason.UNSUPPORTED_VERSION, "version 99");
    }

    private void expectFailure(byte[] content, WatchStateException.Reason reason, String says) throws IOException {
        Files.write(file, content);
        StepVerifier.create(watcher(Backend.AUTO).events())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WatchStateException.class)
                        .hasMessageContaining(file.toString()).hasMessageContaining(says)
                        .satisfies(x -> assertThat(((WatchStateException) x).reason()).isEqualTo(reason)))
                .verify(T);
        assertThat(Files.readAllBytes(file)).isEqualTo(content);
    }

    @Test
    void aFileSavedForOtherRootsOrOptionsIsForeign(@TempDir Path other) throws IOException {
        session(watcher(Backend.AUTO), null);
        StepVerifier.create(FileWatcher.builder().root(other).stateFile(file).build().events())
                .expectErrorSatisfies(e -> assertThat(((WatchStateException) e).reason())
                        .isEqualTo(WatchStateException.Reason.FOREIGN))
                .verify(T);
        StepVerifier.create(FileWatcher.builder().root(root).include("*.txt").stateFile(file).build().events())
                .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("include=[*.txt]"))
                .verify(T);
    }

    @Test
    void reportAllTurnsAnUnusableFileIntoAFirstRun() throws IOException {
        Files.writeString(file, "garbage");
        FileWatcher w = FileWatcher.builder().root(root).stateFile(file, StateRecovery.REPORT_ALL).build();
        assertThat(session(w, null)).containsExactlyInAnyOrder("CREATED keep.txt", "CREATED mod.txt",
                "CREATED del.txt", "CREATED ren.txt", "CREATED dir", "CREATED dir/sub.txt");
        assertThat(session(watcher(Backend.AUTO), null)).as("and the file was replaced by a good one").isEmpty();
    }

    @Test
    void failAsksForAnExistingFile() {
        StepVerifier.create(FileWatcher.builder().root(root).stateFile(file, StateRecovery.FAIL).build().events())
                .expectErrorSatisfies(e -> assertThat(((WatchStateException) e).reason())
                        .isEqualTo(WatchStateException.Reason.MISSING))
                .verify(T);
        assertThat(file).doesNotExist();
    }

    @Test
    void oneSessionPerFile() {
        FileWatcher w = watcher(Backend.AUTO);
        recorders.add(Recorder.watch(w));
        StepVerifier.create(w.events())
                .expectErrorSatisfies(e -> assertThat(((WatchStateException) e).reason())
                        .isEqualTo(WatchStateException.Reason.IN_USE))
                .verify(T);
        recorders.remove(0).dispose();
        w.saveState().block(T);
        assertThat(file).as("the holder's final save").exists();
    }

    @Test
    void misuseFailsAtBuild() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FileWatcher.builder().root(root)
                .stateFile(root.resolve("s")).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inside the root");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FileWatcher.builder().root(root).stateFile(file)
                .awaitWriteFinish(Duration.ofSeconds(1)).build()).isInstanceOf(IllegalStateException.class);
        StepVerifier.create(FileWatcher.of(root).saveState()).expectError(IllegalStateException.class).verify(T);
    }
}
