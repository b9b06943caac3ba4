package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.watch.internal.macos.FakeEventStreams;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.test.StepVerifier;

/**
 * Recorded FSEvents callback sequences (in {@code src/test/resources/dev/vigil/watch/fsevents/}, each citing where
 * the behaviour is documented or reported) replayed through the real FSEvents backend and the whole pipeline: the
 * disk is brought to the state the records describe, the records are reported through the fake OS layer, and the
 * events must be exactly those expected, in raw mode (then a sentinel file's creation proves nothing else came).
 *
 * <p>Format, one directive a line ({@code #} lines are comments): {@code source: URL} (required), {@code inodes:
 * no}, {@code case: insensitive}, {@code before: file|dir PATH}, {@code do: touch|mkdir|write|rm|rmdir PATH},
 * {@code do: mv FROM TO}, {@code do: pin PATH} (a hard link outside the root, so that Linux does not give the inode to the next file
 * as APFS never would), {@code do: mvout PATH}, {@code do: mvin PATH}, {@code do: mvroot}, {@code record: PATH
 * FLAGS [ino=PATH|ino=old:PATH]} (records up to a {@code callback} line form one callback; {@code .} is the root;
 * {@code \\uXXXX} escapes), {@code expect: KIND PATH file|dir}, {@code expect: RENAMED FROM TO file|dir},
 * {@code expect: OVERFLOW PATH}, {@code expect: complete}.
 */
@Timeout(30)
class FsEventsFixturesTest {

    private static final Duration T = Duration.ofSeconds(10);
    private static final Pattern ESCAPE = Pattern.compile("\\\\u([0-9a-fA-F]{4})");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {
        "coalesced-create-modify-remove", "kept-created-flag-on-a-write", "remove-create-repeatedly",
        "remove-create-repeatedly-without-inodes", "replaced-by-a-new-item", "removed-directory-coalesced",
        "rename-halves-out-of-order", "created-then-renamed", "rename-without-inodes-adjacent",
        "moved-out-lone-half", "moved-in-lone-half", "renamed-then-modified", "nfd-name",
        "case-only-rename", "must-scan-sub-dirs", "kernel-dropped", "root-renamed-away"})
    void replay(String name) throws Exception {
        List<String> lines = read(name);
        String source = value(lines, "source");
        assertThat(source).as("the fixture's source").startsWith("https://");
        boolean inodes = !"no".equals(value(lines, "inodes"));
        boolean caseSensitive = !"insensitive".equals(value(lines, "case"));
        Path root = Files.createDirectory(tmp.resolve("root"));
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Map<String, Long> ino = new HashMap<>();
        Map<String, Long> old = new HashMap<>();
        for (String l : lines) {
            if (l.startsWith("before:")) {
                String[] a = l.substring(7).trim().split("\\s+");
                Path p = root.resolve(a[1]);
                if (a[0].equals("dir")) {
                    Files.createDirectories(p);
                } else {
                    Files.createDirectories(p.getParent());
                    Files.createFile(p);
                }
                old.put(a[1], FakeEventStreams.inode(p));
                ino.put(a[1], FakeEventStreams.inode(p));
            }
        }
        FakeEventStreams os = new FakeEventStreams(inodes, caseSensitive);
        FileWatcher watcher = FileWatcher.builder().root(root).backend(os.backend()).coalesce(false).build();
        Runnable act = () -> {
            try {
                List<FakeEventStreams.Rec> callback = new ArrayList<>();
                for (String l : lines) {
                    if (l.startsWith("do:")) {
                        perform(unescape(l.substring(3).trim()).split("\\s+"), root, outside, ino);
                    } else if (l.startsWith("record:")) {
                        String[] a = unescape(l.substring(7).trim()).split("\\s+");
                        long inode = 0;
                        if (a.length > 2) {
                            String label = a[2].substring("ino=".length());
                            inode = label.startsWith("old:") ? old.get(label.substring(4)) : ino.get(label);
                        }
                        Path p = a[0].equals(".") ? root : a[0].equals("/") ? Path.of("/") : root.resolve(a[0]);
                        callback.add(FakeEventStreams.rec(p, a[1], inode));
                    } else if (l.equals("callback")) {
                        os.report(List.copyOf(callback));
                        callback.clear();
                    }
                }
                if (!callback.isEmpty()) {
                    os.report(callback);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        StepVerifier.Step<FileEvent> step = StepVerifier.create(watcher.events()).then(act);
        boolean complete = false;
        for (String l : lines) {
            if (!l.startsWith("expect:")) {
                continue;
            }
            String[] a = unescape(l.substring(7).trim()).split("\\s+");
            if (a[0].equals("complete")) {
                complete = true;
            } else if (a[0].equals("OVERFLOW")) {
                Path p = a[1].equals(".") ? root : root.resolve(a[1]);
                step = step.expectNextMatches(e -> e.kind() == FileEvent.Kind.OVERFLOW && e.path().equals(p)
                        && e.cause().isPresent());
            } else if (a[0].equals("RENAMED")) {
                step = step.expectNext(new FileEvent(FileEvent.Kind.RENAMED, at(root, a[2]), at(root, a[1]),
                        a[3].equals("dir"), root, Instant.EPOCH, null));
            } else {
                step = step.expectNext(new FileEvent(FileEvent.Kind.valueOf(a[0]), at(root, a[1]), null,
                        a[2].equals("dir"), root, Instant.EPOCH, null));
            }
        }
        if (complete) {
            step.expectComplete().verify(T);
        } else {
            Path sentinel = root.resolve("zz-sentinel");
            step.then(() -> {
                try {
                    Files.createFile(sentinel);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                os.created(sentinel, false);
            }).expectNext(new FileEvent(FileEvent.Kind.CREATED, sentinel, null, false, root, Instant.EPOCH, null))
                    .thenCancel().verify(T);
        }
        os.checkAndClose();
    }

    private static Path at(Path root, String rel) {
        return rel.equals(".") ? root : root.resolve(rel);
    }

    private static void perform(String[] a, Path root, Path outside, Map<String, Long> ino) throws IOException {
        if (a[0].equals("mvroot")) {
            Files.move(root, outside.resolve("moved-root"));
            return;
        }
        Path p = root.resolve(a[1]);
        switch (a[0]) {
            case "touch" -> Files.createFile(p);
            case "mkdir" -> Files.createDirectory(p);
            case "write" -> Files.writeString(p, "x", java.nio.file.StandardOpenOption.APPEND);
            case "rm", "rmdir" -> Files.delete(p);
            case "pin" -> Files.createLink(outside.resolve("pinned-" + p.getFileName()), p); // keeps its inode taken
            case "mv" -> Files.move(p, root.resolve(a[2]));
            case "mvout" -> Files.move(p, outside.resolve(p.getFileName()));
            case "mvin" -> Files.move(Files.createFile(outside.resolve(p.getFileName())), p);
            default -> throw new IllegalArgumentException("unknown fixture action " + a[0]);
        }
        if (a[0].equals("mv")) {
            ino.put(a[2], FakeEventStreams.inode(root.resolve(a[2])));
            ino.put(a[1], ino.get(a[2]));
        } else if (Files.exists(p)) {
            ino.put(a[1], FakeEventStreams.inode(p));
        }
    }

    private static String unescape(String s) {
        Matcher m = ESCAPE.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Character.toString((char) Integer.parseInt(m.group(1), 16)));
        }
        return m.appendTail(out).toString();
    }

    private static String value(List<String> lines, String key) {
        return lines.stream().filter(l -> l.startsWith(key + ":")).map(l -> l.substring(key.length() + 1).trim())
                .findFirst().orElse(null);
    }

    private static List<String> read(String name) throws IOException {
        try (InputStream in = FsEventsFixturesTest.class.getResourceAsStream("fsevents/" + name + ".fsevents")) {
            assertThat(in).as("fixture " + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        }
    }
}
