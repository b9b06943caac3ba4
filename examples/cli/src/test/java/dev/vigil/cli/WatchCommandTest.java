package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchCommandTest {
    @TempDir
    Path tmp;

    private final List<Cli> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(Cli::close);
    }

    private Cli vigil(String... args) throws IOException {
        Cli cli = Cli.start(tmp, args);
        started.add(cli);
        return cli;
    }

    private static String json(String kind, Path path, String previous, boolean dir, Path root) {
        return "{\"kind\":\"" + kind + "\",\"path\":\"" + path.toString().replace("\\", "\\\\").replace("\"", "\\\"")
                + "\",\"previous\":" + previous + ",\"directory\":" + dir + ",\"root\":\"" + root + "\",\"time\":\"";
    }

    @Test
    void printsJsonLinesForCreateRenameDeleteAndExitsZeroOnSigterm() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Cli cli = vigil("watch", root.toString()).awaitReady();

        Path a = Files.writeString(root.resolve("a.txt"), "x");
        cli.awaitOut(l -> l.startsWith(json("CREATED", a, "null", false, root)));
        Path b = root.resolve("say \"hi\"\\ b.txt"); // a quote and a backslash, escaped in JSON
        Files.move(a, b);
        String renamed = cli.awaitOut(l -> l.contains("\"RENAMED\""));
        assertTrue(renamed.startsWith(json("RENAMED", b, "\"" + a + "\"", false, root)), renamed);
        assertTrue(renamed.matches(".*\"time\":\"\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z\"}"), renamed);
        Files.delete(b);
        cli.awaitOut(l -> l.startsWith(json("DELETED", b, "null", false, root)));
        Path d = Files.createDirectory(root.resolve("d"));
        cli.awaitOut(l -> l.startsWith(json("CREATED", d, "null", true, root)));

        assertEquals(0, cli.terminate(), "stderr: " + cli.err());
        assertEquals(List.of("vigil watch: ready, watching " + root), cli.err());
    }

    @Test
    void textFormatAndFiltersApply() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Cli cli = vigil("watch", root.toString(), "--format", "text", "--include", "**/*.md", "--exclude", "skip/**")
                .awaitReady();
        Files.createDirectories(root.resolve("skip"));
        Files.writeString(root.resolve("skip/no.md"), "x");
        Files.writeString(root.resolve("no.txt"), "x");
        Files.writeString(root.resolve("yes.md"), "x");
        cli.awaitOut(l -> l.matches("\\S+Z CREATED +yes\\.md"));
        assertEquals(0, cli.terminate());
        assertTrue(cli.out().stream().noneMatch(l -> l.contains("no.")), cli.out().toString());
    }

    @Test
    void missingRootIsOneLineAndStatus2() throws Exception {
        Path missing = tmp.resolve("missing");
        Cli cli = vigil("watch", missing.toString());
        assertEquals(2, cli.exit());
        assertEquals(List.of("vigil watch: cannot watch " + missing
                + ": it does not exist; create the directory first or fix the path"), cli.err());
        assertEquals(List.of(), cli.out());
    }

    @Test
    void fileAsRootIsOneLineAndStatus2() throws Exception {
        Path file = Files.writeString(tmp.resolve("file.txt"), "x");
        Cli cli = vigil("watch", file.toString());
        assertEquals(2, cli.exit());
        assertEquals(1, cli.err().size(), cli.err().toString());
        assertTrue(cli.err().get(0).startsWith("vigil watch: cannot watch " + file + ": it is not a directory"),
                cli.err().toString());
    }

    @Test
    void badGlobNamesThePatternAndPosition() throws Exception {
        Cli cli = vigil("watch", tmp.toString(), "--include", "src/[ab");
        assertEquals(2, cli.exit());
        assertEquals(1, cli.err().size(), cli.err().toString());
        assertTrue(cli.err().get(0).startsWith("vigil watch: bad pattern 'src/[ab': "), cli.err().toString());
        assertTrue(cli.err().get(0).contains("position 4"), cli.err().toString());
    }

    @Test
    void badRegexNamesThePattern() throws Exception {
        Cli cli = vigil("watch", tmp.toString(), "--regex", "(a|b");
        assertEquals(2, cli.exit());
        assertEquals(1, cli.err().size(), cli.err().toString());
        assertTrue(cli.err().get(0).startsWith("vigil watch: bad pattern '(a|b': Unclosed group"), cli.err().toString());
    }

    @Test
    void unknownBackendListsTheValidOnes() throws Exception {
        Cli cli = vigil("watch", tmp.toString(), "--backend", "kqueue");
        assertEquals(2, cli.exit());
        assertEquals(1, cli.err().size(), cli.err().toString());
        assertTrue(cli.err().get(0).contains("unknown file-watching backend 'kqueue'; valid values: auto, inotify"),
                cli.err().toString());
        assertFalse(cli.err().get(0).contains("Exception"), cli.err().toString());
    }
}
