package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.watch.FileEvent.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

/** The public API over the real inotify backend, on real temp directories; synchronised with sync(), never sleeps. */
@EnabledOnOs(OS.LINUX)
class LinuxWatchTest {

    @TempDir
    Path tmp;
    private final List<Disposable> subscriptions = new ArrayList<>();

    @AfterEach
    void cancelAll() {
        subscriptions.forEach(Disposable::dispose);
    }

    private Path root() throws IOException {
        return Files.createDirectories(tmp.resolve("root"));
    }

    private Recorder record(FileWatcher w) {
        Recorder r = Recorder.watch(w);
        subscriptions.add(r);
        return r;
    }

    @Test
    void createAppendTruncateDelete() throws IOException {
        Path root = root();
        FileWatcher w = FileWatcher.builder().root(root).coalesce(false).build();
        Recorder r = record(w);
        Path f = root.resolve("f.txt");
        Files.writeString(f, "hello");
        assertThat(Recorder.lines(root, r.sync(w))).containsExactly("CREATED f.txt", "MODIFIED f.txt");
        Files.writeString(f, " world", StandardOpenOption.APPEND);
        assertThat(Recorder.lines(root, r.sync(w))).containsExactly("MODIFIED f.txt");
        Files.writeString(f, "", StandardOpenOption.TRUNCATE_EXISTING);
        assertThat(Recorder.lines(root, r.sync(w))).containsExactly("MODIFIED f.txt");
        Files.delete(f);
        assertThat(Recorder.lines(root, r.sync(w))).containsExactly("DELETED f.txt");
    }

    /**
     * Linux names are bytes; the JDK decodes them with sun.jnu.encoding (UTF-8 here) and cannot name a file whose
     * name is not valid UTF-8. Such an entry is reported with U+FFFD in its name and never kills the session.
     */
    @Test
    void aNameThatIsNotUtf8IsReportedWithReplacementCharactersAndTheSessionGoesOn() throws Exception {
        Path root = root();
        Files.createDirectories(root.resolve("sub"));
        FileWatcher w = FileWatcher.of(root);
        Recorder r = record(w);
        // bytes 0xff 0xfe are not UTF-8; made by the shell, since a Java String cannot name them
        Process p = new ProcessBuilder("/bin/sh", "-c", "mkdir \"$(printf 'bad\\377\\376dir')\" && "
                + "touch \"$(printf 'bad\\377\\376dir/inner')\" \"$(printf 'sub/bad\\377file')\"")
                .directory(root.toFile()).inheritIO().start();
        assertThat(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        Files.writeString(root.resolve("good"), "x");
        List<String> seen = Recorder.lines(root, r.sync(w));
        assertThat(seen).contains("CREATED bad\ufffd\ufffddir", "CREATED sub/bad\ufffdfile", "CREATED good");
        Files.writeString(root.resolve("sub/after"), "x");
        assertThat(Recorder.lines(root, r.sync(w))).contains("CREATED sub/after"); // still alive
    }

    @Test
    void coalescedModeMergesWhatWaits() throws IOException {
        Path root = root();
        FileWatcher w = FileWatcher.of(root);
        Recorder r = Recorder.stalled(w, 0); // no demand: what happens waits in the buffer
        try {
            Files.writeString(root.resolve("f"), "x"); // IN_CREATE, then IN_MODIFY
            w.ready().block(Duration.ofSeconds(10)); // both read and applied, neither delivered
            r.request(Long.MAX_VALUE);
            assertThat(Recorder.lines(root, r.sync(w))).containsExactly("CREATED f"); // merged: one event
        } finally {
            r.dispose();
        }
    }

    @Test
    void renameInADirectoryAndMoveAcrossSubdirectoriesArePaired() throws IOException {
        Path root = root();
        Files.createDirectories(root.resolve("x"));
        Files.createDirectories(root.resolve("y"));
        Files.writeString(root.resolve("x/a"), "a");
        FileWatcher w = FileWatcher.of(root);
        Recorder r = record(w);
        Files.move(root.resolve("x/a"), root.resolve("x/b"));
        assertThat(Recorder.lines(root, r.sync(w))).containsExactly("RENAMED x/b <- x/a");
        Files.move(root.resolve("x/b"), root.resolve("y/c"));
        assertThat(Recorder.lines(root, r.sync(w))).containsExactly("RENAMED y/c <- x/b");
    }

    @Test
    void directoryMovedInIsScannedMovedOutIsDeletedRenamedKeepsWorking() throws IOException {
        Path root = root();
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createDirectories(outside.resolve("pkg/sub"));
        Files.writeString(outside.resolve("pkg/sub/file"), "x");
        FileWatcher w = FileWatcher.of(root);
        Recorder r = record(w);

        Files.move(outside.resolve("pkg"), root.resolve("pkg"));
        assertThat(Recorder.lines(root, r.sync(w))).containsExactly("CREATED pkg", "CREATED pkg/sub", "CREATED pkg/sub/file");

        Files.move(root.resolve("pkg"), root.resolve("renamed"));
        assertThat(Recorder.lines(root, r.sync(w))).containsExactly("RENAMED renamed <- pkg");
        Files.writeString(root.resolve("renamed/sub/new"), "y");
        Files.writeString(root.resolve("renamed/sub/file"), "z");
        assertThat(Recorder.merged(root, r.sync(w))).containsExactly("CREATED renamed/sub/new", "MODIFIED renamed/sub/file");

        Files.move(root.resolve("renamed"), outside.resolve("back"));
        List<String> out = Recorder.lines(root, r.sync(w));
        assertThat(out).containsExactlyInAnyOrder("DELETED renamed/sub/new", "DELETED renamed/sub/file",
                "DELETED renamed/sub", "DELETED renamed");
        assertThat(out.subList(2, 4)).containsExactly("DELETED renamed/sub", "DELETED renamed"); // children first
        // nothing more arrives from the moved-out tree
        Files.writeString(outside.resolve("back/sub/after"), "q");
        assertThat(r.sync(w)).isEmpty();
    }

    @Test
    void mkdirsFollowedAtOnceByFilesIsNeverMissed() throws IOException {
        Path root = root();
        FileWatcher w = FileWatcher.of(root);
        Recorder r = record(w);
        for (int i = 0; i < 200; i++) {
            Path d = Files.createDirectories(root.resolve("r" + i + "/a/b/c/d"));
            Files.writeString(d.resolve("one"), "1");
            Files.writeString(d.resolve("two"), "2");
            List<String> lines = Recorder.lines(root, r.sync(w), e -> e.kind() == Kind.CREATED);
            String p = "r" + i;
            assertThat(lines).as("repetition %d", i).containsExactly("CREATED " + p, "CREATED " + p + "/a",
                    "CREATED " + p + "/a/b", "CREATED " + p + "/a/b/c", "CREATED " + p + "/a/b/c/d",
                    "CREATED " + p + "/a/b/c/d/one", "CREATED " + p + "/a/b/c/d/two");
        }
    }

    @Test
    void recursiveDeleteReportsEverythingChildrenFirst() throws IOException {
        Path root = root();
        Files.createDirectories(root.resolve("t/u"));
        Files.writeString(root.resolve("t/u/f"), "x");
        Files.writeString(root.resolve("t/g"), "x");
        FileWatcher w = FileWatcher.of(root);
        Recorder r = record(w);
        deleteTree(root.resolve("t"));
        List<String> lines = Recorder.lines(root, r.sync(w));
        assertThat(lines).containsExactlyInAnyOrder("DELETED t/u/f", "DELETED t/u", "DELETED t/g", "DELETED t");
        assertThat(lines.indexOf("DELETED t/u/f")).isLessThan(lines.indexOf("DELETED t/u"));
        assertThat(lines).last().isEqualTo("DELETED t");
    }

    @Test
    void atomicSaveIsOneChangeOfTheTarget() throws IOException {
        Path root = root();
        Path target = root.resolve("doc.txt");
        Files.writeString(target, "v1");
        FileWatcher w = FileWatcher.builder().root(root).exclude("**/*.tmp").build();
        Recorder r = record(w);
        Path tmpFile = root.resolve("doc.txt.tmp");
        Files.writeString(tmpFile, "v2");
        Files.move(tmpFile, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        // the temp file is excluded: the target was replaced, which reads as a modification
        assertThat(Recorder.lines(root, r.sync(w))).containsExactly("MODIFIED doc.txt");
        assertThat(Files.readString(target)).isEqualTo("v2");
    }

    @Test
    void createThenDeleteQuicklyIsCoalescedAwayOrReportedInRawMode() throws IOException {
        Path root = root();
        FileWatcher raw = FileWatcher.builder().root(root).coalesce(false).build();
        FileWatcher merged = FileWatcher.of(root);
        Recorder rawRec = record(raw);
        Recorder held = Recorder.stalled(merged, 0);
        subscriptions.add(held);
        Path f = root.resolve("blink");
        Files.writeString(f, "x");
        Files.delete(f);
        // both sessions share the reader: once the raw one has seen everything, so has the held one
        assertThat(Recorder.lines(root, rawRec.sync(raw))).containsExactly("CREATED blink", "MODIFIED blink",
                "DELETED blink");
        held.request(Long.MAX_VALUE);
        assertThat(held.sync(merged)).isEmpty();
    }

    @Test
    void namesWithSpacesAndNonAscii() throws IOException {
        Path root = root();
        FileWatcher w = FileWatcher.of(root);
        Recorder r = record(w);
        Files.createDirectories(root.resolve("dossier été"));
        Files.writeString(root.resolve("dossier été/naïve ファイル 😀.txt"), "x");
        assertThat(Recorder.lines(root, r.sync(w), e -> e.kind() == Kind.CREATED))
                .containsExactly("CREATED dossier été", "CREATED dossier été/naïve ファイル 😀.txt");
    }

    @Test
    void symlinksAreReportedButNeverFollowed() throws IOException {
        Path root = root();
        Path target = Files.createDirectories(tmp.resolve("target"));
        FileWatcher w = FileWatcher.of(root);
        Recorder r = record(w);
        Files.createSymbolicLink(root.resolve("link"), target);
        List<FileEvent> events = r.sync(w);
        assertThat(Recorder.lines(root, events)).containsExactly("CREATED link");
        assertThat(events.get(0).isDirectory()).isFalse();
        Files.writeString(target.resolve("behind"), "x");
        assertThat(r.sync(w)).isEmpty();
    }

    @Test
    void chmodIsAModification() throws IOException {
        Path root = root();
        Path f = Files.writeString(root.resolve("f"), "x");
        FileWatcher w = FileWatcher.of(root);
        Recorder r = record(w);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--------"));
        assertThat(Recorder.lines(root, r.sync(w))).containsExactly("MODIFIED f");
    }

    @Test
    void deepNesting() throws IOException {
        Path root = root();
        FileWatcher w = FileWatcher.of(root);
        Recorder r = record(w);
        Path d = root;
        for (int i = 0; i < 40; i++) {
            d = d.resolve("d" + i);
        }
        Files.createDirectories(d);
        Files.writeString(d.resolve("leaf"), "x");
        List<FileEvent> events = r.sync(w);
        assertThat(events).filteredOn(e -> e.kind() == Kind.CREATED).hasSize(41);
        assertThat(events.get(events.size() - 1).path()).isEqualTo(d.resolve("leaf"));
        Files.writeString(d.resolve("leaf"), "y");
        assertThat(Recorder.merged(root, r.sync(w))).hasSize(1).allMatch(s -> s.startsWith("MODIFIED ") && s.endsWith("/leaf"));
    }

    @Test
    void burstOf10000FilesWithAOneAtATimeSubscriberAccountsForEveryPath() throws IOException {
        Path root = root();
        FileWatcher w = FileWatcher.of(root);
        Recorder r = Recorder.watch(w, true);
        subscriptions.add(r);
        Map<Path, Boolean> expected = new HashMap<>();
        for (int d = 0; d < 100; d++) {
            Path dir = Files.createDirectories(root.resolve("d" + d));
            expected.put(dir, true);
            for (int f = 0; f < 100; f++) {
                Path file = Files.writeString(dir.resolve("f" + f), "content");
                expected.put(file, false);
            }
        }
        Map<Path, Boolean> seen = new HashMap<>();
        Recorder.apply(seen, r.sync(w));
        assertThat(seen).isEqualTo(expected);
    }

    @Test
    void rootDeletionIsDeliveredAndCompletesTheStream() throws IOException {
        Path root = root();
        Files.writeString(root.resolve("f"), "x");
        FileWatcher w = FileWatcher.of(root);
        StepVerifier.create(w.events())
                .then(() -> deleteTree(root))
                .expectNextMatches(e -> e.kind() == Kind.DELETED && e.path().equals(root.resolve("f")))
                .expectNextMatches(e -> e.kind() == Kind.DELETED && e.path().equals(root) && e.isDirectory())
                .expectComplete()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void rootMovedAwayIsDeliveredAsDeletedAndCompletesTheStream() throws IOException {
        Path root = root();
        FileWatcher w = FileWatcher.of(root);
        StepVerifier.create(w.events())
                .then(() -> {
                    try {
                        Files.move(root, tmp.resolve("elsewhere"));
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                })
                .expectNextMatches(e -> e.kind() == Kind.DELETED && e.path().equals(root) && e.isDirectory())
                .expectComplete()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void aSymbolicLinkAsRootIsWatchedThroughAndReportedUnderTheLink() throws IOException {
        Path real = Files.createDirectories(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        FileWatcher w = FileWatcher.of(link);
        Recorder r = record(w);
        Files.writeString(real.resolve("f"), "x");
        List<FileEvent> events = r.sync(w);
        assertThat(Recorder.merged(link, events)).containsExactly("CREATED f");
        assertThat(events.get(0).path()).isEqualTo(link.resolve("f"));
    }

    @Test
    void nestedRootsReportOncePerRootAndNeverShowEachOthersSyncCookies() throws IOException {
        Path root = root();
        Path inner = Files.createDirectories(root.resolve("inner"));
        FileWatcher w = FileWatcher.builder().root(root).root(inner).root(root).build();
        assertThat(w.roots()).containsExactly(root, inner);
        Recorder r = record(w);
        Files.writeString(inner.resolve("f"), "x");
        List<FileEvent> events = r.sync(w);
        assertThat(events).filteredOn(e -> e.kind() == Kind.CREATED)
                .extracting(e -> e.root().relativize(e.path()).toString() + " in " + root.relativize(e.root()))
                .containsExactlyInAnyOrder("inner/f in ", "f in inner");
        assertThat(events).noneMatch(e -> e.path().getFileName().toString().startsWith(".vigil-sync-"));
        assertThat(r.sync(w)).isEmpty(); // the cookies of the last sync left no trace either
    }

    @Test
    void filtersApplyAndExcludedDirectoriesHoldNoWatch() throws IOException {
        Path root = root();
        Files.createDirectories(root.resolve("node_modules/pkg"));
        Files.createDirectories(root.resolve("src"));
        FileWatcher w = FileWatcher.builder().root(root).include("**/*.java").exclude("node_modules/**")
                .excludeRegex(".*/gen/.*").build();
        Recorder r = record(w);
        assertThat(InotifyProbe.watchedInodes()).doesNotContain(InotifyProbe.inode(root.resolve("node_modules")),
                InotifyProbe.inode(root.resolve("node_modules/pkg"))).contains(InotifyProbe.inode(root.resolve("src")));
        Files.writeString(root.resolve("node_modules/pkg/A.java"), "x");
        Files.writeString(root.resolve("src/B.java"), "x");
        Files.writeString(root.resolve("src/notes.txt"), "x");
        Files.createDirectories(root.resolve("src/gen"));
        Files.writeString(root.resolve("src/gen/C.java"), "x");
        assertThat(Recorder.merged(root, r.sync(w))).containsExactly("CREATED src/B.java");
    }

    @Test
    void aStalledSubscriptionDoesNotDelayAnother() throws IOException {
        Path root = root();
        FileWatcher w = FileWatcher.of(root);
        Recorder stalled = Recorder.stalled(w, 1); // takes one event, then never requests again
        subscriptions.add(stalled);
        FileWatcher w2 = FileWatcher.of(root);
        Recorder live = record(w2);
        for (int i = 0; i < 500; i++) {
            Files.writeString(root.resolve("f" + i), "x");
        }
        List<FileEvent> got = live.sync(w2);
        assertThat(got).filteredOn(e -> e.kind() == Kind.CREATED).hasSize(500);
        assertThat(stalled.events).hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void aSlowSubscriberPastTheBoundGetsARescanWithEveryPathAccountedFor() throws IOException {
        Path root = root();
        Files.createDirectories(root.resolve("a"));
        Files.writeString(root.resolve("a/doomed"), "x");
        Map<Path, Boolean> view = new HashMap<>(Map.of(root.resolve("a"), true, root.resolve("a/doomed"), false));
        FileWatcher w = FileWatcher.builder().root(root).maxPendingPaths(100).build();
        Recorder held = Recorder.stalled(w, 0);
        subscriptions.add(held);
        for (int d = 0; d < 10; d++) {
            Path dir = Files.createDirectories(root.resolve("a/d" + d));
            for (int f = 0; f < 100; f++) {
                Files.writeString(dir.resolve("f" + f), "x");
            }
        }
        Files.delete(root.resolve("a/doomed"));
        held.request(Long.MAX_VALUE);
        List<FileEvent> events = held.sync(w);
        assertThat(events).filteredOn(e -> e.kind() == Kind.OVERFLOW).isNotEmpty()
                .allSatisfy(e -> assertThat(e.cause().orElseThrow().getMessage()).contains("slow subscriber"));
        Recorder.apply(view, events);
        Map<Path, Boolean> disk = new HashMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> !p.equals(root)).forEach(p -> disk.put(p, Files.isDirectory(p)));
        }
        assertThat(view).isEqualTo(disk);
    }

    static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(x);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static void write(Path p, String s) {
        try {
            Files.write(p, s.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
