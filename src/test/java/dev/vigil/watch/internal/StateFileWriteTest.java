package dev.vigil.watch.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.watch.FileEvent.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state file's format and its atomic write, and the rename pairing of {@link Snapshot#diff}. */
class StateFileWriteTest {

    @TempDir
    Path dir;

    private static StateFile.State state(Path root, String... files) {
        Snapshot tree = new Snapshot();
        long n = 0;
        for (String f : files) {
            n++;
            tree.put(root.resolve(f), new Snapshot.Stamp(false, n == 1 ? Long.MIN_VALUE : 1000 + n,
                    new Snapshot.Attributes(n == 2 ? null : "(dev=1,ino=" + n + ")", n, n * 1_000_000_007L)));
        }
        tree.put(root.resolve("d"), new Snapshot.Stamp(true, 5));
        return new StateFile.State("recursive=true", List.of(root), List.of(tree));
    }

    private static List<String> entries(StateFile.State s) {
        List<String> out = new ArrayList<>();
        s.trees().get(0).forEach((p, st) -> out.add(p + " " + st));
        return out;
    }

    @Test
    void whatIsWrittenIsReadBack() throws IOException {
        Path file = dir.resolve("s");
        Path root = Path.of("/srv/in box/ü");
        StateFile.State written = state(root, "a.txt", "sub/b.txt", "c");
        StateFile.write(file, written);
        StateFile.State read = StateFile.read(file);
        assertThat(read.roots()).isEqualTo(written.roots());
        assertThat(read.view()).isEqualTo(written.view());
        assertThat(entries(read)).isEqualTo(entries(written));
    }

    @Test
    void anInterruptedWriteLeavesThePreviousFileIntact() throws IOException {
        Path file = dir.resolve("s");
        Path root = Path.of("/r");
        StateFile.write(file, state(root, "old.txt"));
        byte[] before = Files.readAllBytes(file);
        // the process "dies" after the temporary file is on disk and before it is moved into place
        assertThatThrownBy(() -> StateFile.write(file, state(root, "new.txt", "more.txt"), () -> {
            assertThat(StateFile.temporary(file)).exists();
            throw new IOException("injected: died before the move");
        })).hasMessageContaining("injected");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        assertThat(entries(StateFile.read(file))).containsExactlyElementsOf(entries(state(root, "old.txt")));
        assertThat(StateFile.temporary(file)).doesNotExist();
    }

    @Test
    void aTemporaryFileLeftByADeadProcessIsIgnoredAndReplaced() throws IOException {
        Path file = dir.resolve("s");
        Path root = Path.of("/r");
        StateFile.write(file, state(root, "old.txt"));
        Files.writeString(StateFile.temporary(file), "half a state, cut by kill -9");
        assertThat(entries(StateFile.read(file))).containsExactlyElementsOf(entries(state(root, "old.txt")));
        StateFile.write(file, state(root, "new.txt"));
        assertThat(entries(StateFile.read(file))).containsExactlyElementsOf(entries(state(root, "new.txt")));
        assertThat(StateFile.temporary(file)).doesNotExist();
    }

    private static Snapshot.Stamp file(String key, long size, long mtime) {
        return new Snapshot.Stamp(false, 1, new Snapshot.Attributes(key, size, mtime));
    }

    private static Snapshot.Stamp dir(String key) {
        return new Snapshot.Stamp(true, 1, new Snapshot.Attributes(key, 0, 0));
    }

    private static List<String> diff(Snapshot before, Snapshot after) {
        List<String> out = new ArrayList<>();
        for (Snapshot.Change c : Snapshot.diff(before, after)) {
            out.add(c.kind() + " " + c.path() + (c.previous() != null ? " <- " + c.previous() : ""));
        }
        return out;
    }

    @Test
    void renamesArePairedByKeySizeAndTimeInAnOrderThatCanBeApplied() {
        Path r = Path.of("/r");
        Snapshot before = new Snapshot();
        before.put(r.resolve("d"), dir("1"));
        before.put(r.resolve("d/x"), file("2", 5, 50));
        before.put(r.resolve("d/y"), file("3", 6, 60));
        before.put(r.resolve("f"), file("4", 7, 70));
        before.put(r.resolve("g"), file("5", 8, 80));
        before.put(r.resolve("h"), file("6", 9, 90));
        Snapshot after = new Snapshot();
        after.put(r.resolve("e"), dir("1"));          // d renamed to e ...
        after.put(r.resolve("e/x"), file("2", 5, 50)); // ... with its content
        after.put(r.resolve("n"), dir("7"));           // a new directory ...
        after.put(r.resolve("n/f"), file("4", 7, 70)); // ... f moved into it
        after.put(r.resolve("g2"), file("5", 8, 81));  // renamed and written: not a rename
        after.put(r.resolve("h"), file("8", 9, 90));   // replaced by another file (another key)
        after.put(r.resolve("e/z"), file("3", 6, 60)); // d/y renamed to e/z, inside the renamed d
        assertThat(diff(before, after)).containsExactly(
                "RENAMED /r/e <- /r/d",
                "CREATED /r/n",
                "RENAMED /r/n/f <- /r/f",
                "RENAMED /r/e/z <- /r/e/y",
                "DELETED /r/g",
                "CREATED /r/g2",
                "MODIFIED /r/h");
    }

    @Test
    void withoutKeysEverythingIsDeletedAndCreated() {
        Path r = Path.of("/r");
        Snapshot before = new Snapshot();
        before.put(r.resolve("a"), file(null, 1, 1));
        Snapshot after = new Snapshot();
        after.put(r.resolve("b"), file(null, 1, 1));
        assertThat(diff(before, after)).containsExactly("DELETED /r/a", "CREATED /r/b");
        assertThat(Snapshot.diff(before, after)).extracting(Snapshot.Change::kind)
                .doesNotContain(Kind.RENAMED);
    }
}
