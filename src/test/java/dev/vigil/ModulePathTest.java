package dev.vigil;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Native;
import com.sun.jna.platform.win32.Kernel32;
import dev.vigil.watch.FileWatcher;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * Vigil as a module, the way a modular application uses it: the smoke module in {@code src/test/modulepath} (which
 * requires {@code dev.vigil} and sees only its exports) is compiled against the built module and run in a child JVM
 * whose module path holds Vigil, Reactor, Reactive Streams and JNA, and nothing on the class path. It watches with
 * the native backend (JNA reaching the packages {@code module-info} opens to it), waits for ready and sync, installs
 * and closes the crash reporter, and checks that close restored the handler and the Reactor hook it found.
 */
class ModulePathTest {

    @TempDir
    Path tmp;

    @Test
    void watchSyncAndCrashReporterInstallAndCloseWorkOnTheModulePath() throws Exception {
        List<String> modulePath = new ArrayList<>();
        for (Class<?> c : List.of(FileWatcher.class, Flux.class, Publisher.class, Native.class, Kernel32.class)) {
            modulePath.add(locationOf(c));
        }
        assertThat(Files.exists(Path.of(modulePath.get(0), "module-info.class"))).as("Vigil built as a module").isTrue();
        Path classes = compileSmoke(String.join(File.pathSeparator, modulePath));
        modulePath.add(classes.toString());

        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "--module-path", String.join(File.pathSeparator, modulePath)));
        if (Runtime.version().feature() >= 24) {
            command.add("--enable-native-access=com.sun.jna");
        }
        command.addAll(List.of("-m", "dev.vigil.smoke/dev.vigil.smoke.Smoke", Files.createDirectories(tmp.resolve("run")).toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread pump = new Thread(() -> {
            try {
                child.getInputStream().transferTo(output);
            } catch (IOException ignored) {
                // the child is gone; what it wrote so far is in the assertion message
            }
        }, "smoke-output");
        pump.start();
        boolean exited = child.waitFor(2, TimeUnit.MINUTES);
        if (!exited) {
            child.destroyForcibly().waitFor();
        }
        pump.join(TimeUnit.SECONDS.toMillis(10));
        String out = output.toString(StandardCharsets.UTF_8);
        assertThat(exited).as("the smoke run ended within 2 minutes; output:%n%s", out).isTrue();
        assertThat(child.exitValue()).as("exit status; output:%n%s", out).isZero();
        assertThat(out.lines()).as("output").contains("OK");
        // the flag README gives for the module path silences JDK 24+'s native-access warnings
        assertThat(out).as("output").doesNotContain("restricted method");
    }

    private Path compileSmoke(String modulePath) throws Exception {
        Path sources = Path.of("src", "test", "modulepath", "dev.vigil.smoke");
        Path out = Files.createDirectories(tmp.resolve("smoke-classes"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "javac").toString(),
                "--release", "17", "-Xlint:all", "-Werror", "-d", out.toString(), "--module-path", modulePath));
        try (Stream<Path> files = Files.walk(sources)) {
            files.filter(p -> p.toString().endsWith(".java")).forEach(p -> command.add(p.toString()));
        }
        Process javac = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("javac.log").toFile())
                .start();
        assertThat(javac.waitFor(2, TimeUnit.MINUTES)).as("javac ended within 2 minutes").isTrue();
        assertThat(javac.exitValue()).as("the smoke module compiles:%n%s", Files.readString(tmp.resolve("javac.log")))
                .isZero();
        return out;
    }

    private static String locationOf(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
