package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Micrometer is optional: no library class but the two binders names it, and the library runs without it. */
class NoMicrometerTest {

    private static final Path CLASSES = Path.of("target/classes");
    private static final List<String> BINDERS = List.of("dev/vigil/watch/WatchMetrics.class",
            "dev/vigil/crash/CrashMetrics.class");

    @TempDir
    Path tmp;

    @Test
    void onlyTheBindersReferToMicrometer() throws Exception {
        byte[] name = "io/micrometer/".getBytes(StandardCharsets.UTF_8);
        List<String> referring;
        try (Stream<Path> s = Files.walk(CLASSES)) {
            referring = s.filter(p -> p.toString().endsWith(".class"))
                    .filter(p -> contains(read(p), name))
                    .map(p -> CLASSES.relativize(p).toString().replace(File.separatorChar, '/'))
                    .sorted().toList();
        }
        assertThat(referring).as("a class file naming io/micrometer/ needs Micrometer to load")
                .containsExactlyInAnyOrderElementsOf(BINDERS);
    }

    /** A child JVM whose class path lacks Micrometer watches a directory and reports a crash. */
    @Test
    void aWatcherAndACrashReporterRunWithoutMicrometerOnTheClassPath() throws Exception {
        String classPath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("micrometer"))
                .collect(Collectors.joining(File.pathSeparator));
        assertThat(classPath).contains("reactor-core").doesNotContain("micrometer");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path out = tmp.resolve("out.txt");
        Process p = new ProcessBuilder(java.toString(), "-cp", classPath, NoMicrometerMain.class.getName(),
                tmp.resolve("root").toString(), tmp.resolve("dumps").toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("the child did not finish in 2 minutes: " + Files.readString(out));
        }
        String output = Files.readString(out);
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("micrometer absent", "watched CREATED", "crash REACTOR_DROPPED_ERROR",
                "WatchMetrics unloadable: NoClassDefFoundError");
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
