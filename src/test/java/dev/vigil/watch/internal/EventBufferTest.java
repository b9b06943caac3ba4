package dev.vigil.watch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileEvent.Kind;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The merge rules documented on {@code FileWatcher.Builder.coalesce}, one by one, and the raw mode. */
class EventBufferTest {

    private static final Path ROOT = Path.of("/w");
    private static final Path A = ROOT.resolve("a");
    private static final Path B = ROOT.resolve("b");

    private static void add(EventBuffer b, Kind kind, Path path, boolean dir) {
        b.add(new FileEvent(kind, path, null, dir, ROOT, Instant.EPOCH, null), false);
    }

    private static List<String> drain(EventBuffer b) {
        List<String> out = new ArrayList<>();
        List<Runnable> passed = new ArrayList<>();
        for (FileEvent e; (e = b.poll(passed)) != null;) {
            out.add(e.kind() + " " + ROOT.relativize(e.path()) + e.previous().map(p -> " <- " + ROOT.relativize(p)).orElse(""));
        }
        passed.forEach(Runnable::run);
        return out;
    }

    @Test
    void createdThenModifiedIsCreated() {
        EventBuffer b = new EventBuffer(true, false);
        add(b, Kind.CREATED, A, false);
        add(b, Kind.MODIFIED, A, false);
        add(b, Kind.MODIFIED, A, false);
        assertThat(drain(b)).containsExactly("CREATED a");
    }

    @Test
    void createdThenDeletedIsNothing() {
        EventBuffer b = new EventBuffer(true, false);
        add(b, Kind.CREATED, A, false);
        add(b, Kind.MODIFIED, A, false);
        add(b, Kind.DELETED, A, false);
        assertThat(drain(b)).isEmpty();
    }

    @Test
    void repeatedModificationsAreOneAndKeepTheFirstPosition() {
        EventBuffer b = new EventBuffer(true, false);
        add(b, Kind.MODIFIED, A, false);
        add(b, Kind.MODIFIED, B, false);
        add(b, Kind.MODIFIED, A, false);
        assertThat(drain(b)).containsExactly("MODIFIED a", "MODIFIED b");
    }

    @Test
    void modifiedThenDeletedIsDeleted() {
        EventBuffer b = new EventBuffer(true, false);
        add(b, Kind.MODIFIED, A, false);
        add(b, Kind.DELETED, A, false);
        assertThat(drain(b)).containsExactly("DELETED a");
    }

    @Test
    void deletedThenCreatedIsModifiedOnlyForTheSameKindOfEntry() {
        EventBuffer b = new EventBuffer(true, false);
        add(b, Kind.DELETED, A, false);
        add(b, Kind.CREATED, A, false);
        add(b, Kind.DELETED, B, false);
        add(b, Kind.CREATED, B, true); // a file replaced by a directory: both facts matter
        assertThat(drain(b)).containsExactly("MODIFIED a", "DELETED b", "CREATED b");
    }

    @Test
    void createdThenRenamedIsCreatedUnderTheNewNameOrModifiedWhenItReplacedAnEntry() {
        EventBuffer b = new EventBuffer(true, false);
        add(b, Kind.CREATED, A, false);
        b.add(new FileEvent(Kind.RENAMED, B, A, false, ROOT, Instant.EPOCH, null), false);
        assertThat(drain(b)).containsExactly("CREATED b");

        add(b, Kind.CREATED, A, false); // an atomic save: temp file written, then renamed over the target
        b.add(new FileEvent(Kind.RENAMED, B, A, false, ROOT, Instant.EPOCH, null), true);
        assertThat(drain(b)).containsExactly("MODIFIED b");

        b.add(new FileEvent(Kind.RENAMED, B, A, false, ROOT, Instant.EPOCH, null), false);
        assertThat(drain(b)).containsExactly("RENAMED b <- a");
    }

    @Test
    void rawModeKeepsEverything() {
        EventBuffer b = new EventBuffer(false, false);
        add(b, Kind.CREATED, A, false);
        add(b, Kind.MODIFIED, A, false);
        add(b, Kind.DELETED, A, false);
        assertThat(drain(b)).containsExactly("CREATED a", "MODIFIED a", "DELETED a");
    }

    @Test
    void aBarrierPassesOnlyOnceEverythingBeforeItWasTaken() {
        EventBuffer b = new EventBuffer(true, false);
        add(b, Kind.CREATED, A, false);
        List<String> order = new ArrayList<>();
        b.addBarrier(() -> order.add("barrier"));
        add(b, Kind.CREATED, B, false);
        List<Runnable> passed = new ArrayList<>();
        b.passBarriers(passed);
        assertThat(passed).isEmpty(); // "a" is still ahead of it
        order.add(b.poll(passed).path().getFileName().toString());
        b.passBarriers(passed); // what the drain does after each round
        passed.forEach(Runnable::run);
        assertThat(order).containsExactly("a", "barrier");
        // held while events are out for a rescan, even with nothing ahead
        b.addBarrier(() -> order.add("held"));
        assertThat(b.takeEventsAndHold()).extracting(e -> e.event().path()).containsExactly(B);
        List<Runnable> none = new ArrayList<>();
        assertThat(b.poll(none)).isNull();
        b.passBarriers(none);
        assertThat(none).isEmpty();
        // released in the same step as the rescan's output is queued, which is delivered first
        b.addReady(List.of(new FileEvent(Kind.CREATED, B, null, false, ROOT, Instant.EPOCH, null)), false);
        assertThat(b.poll(none).path()).isEqualTo(B);
        assertThat(b.poll(none)).isNull();
        none.forEach(Runnable::run);
        assertThat(order).containsExactly("a", "barrier", "held");
    }

    private static void rename(EventBuffer b, Path from, Path to, boolean dir) {
        b.add(new FileEvent(Kind.RENAMED, to, from, dir, ROOT, Instant.EPOCH, null), false);
    }

    @Test
    void aDirectoryCreatedFilledAndRenamedKeepsItsHistoryAndItsOldNameIsNewAfterwards() {
        EventBuffer b = new EventBuffer(true, false);
        Path d = ROOT.resolve("d");
        add(b, Kind.CREATED, d, true);
        add(b, Kind.CREATED, d.resolve("f"), false);
        rename(b, d, ROOT.resolve("e"), true);
        add(b, Kind.CREATED, d, true); // a new d: not merged into the first one's creation
        add(b, Kind.MODIFIED, ROOT.resolve("e/f"), false);
        add(b, Kind.DELETED, d.resolve("f"), false); // the old d/f's story was sealed by the rename: queued after it
        assertThat(drain(b)).containsExactly("CREATED d", "CREATED d/f", "RENAMED e <- d", "CREATED d", "MODIFIED e/f",
                "DELETED d/f");
    }

    @Test
    void aFileRenamedOverAPendingOneIsNotMergedIntoTheOlderEvents() {
        EventBuffer b = new EventBuffer(true, false);
        add(b, Kind.MODIFIED, B, false);
        add(b, Kind.MODIFIED, A, false);
        rename(b, A, B, false);
        add(b, Kind.MODIFIED, B, false); // the moved-in file changed: after the rename, not merged before it
        add(b, Kind.CREATED, A, false);
        assertThat(drain(b)).containsExactly("MODIFIED b", "MODIFIED a", "RENAMED b <- a", "MODIFIED b", "CREATED a");
    }

    @Test
    void aFileCreatedThenRenamedIsItsCreationUnderTheFinalName() {
        EventBuffer b = new EventBuffer(true, false);
        add(b, Kind.CREATED, A, false);
        rename(b, A, B, false);
        assertThat(drain(b)).containsExactly("CREATED b");
    }
}
