package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.watch.fixtures.BlockHoundProbe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under BlockHound, in a fresh JVM: the first subscription (which loads the backend and its native library), a
 * later one, {@code ready()} and {@code sync()}, all from {@code Schedulers.parallel()} threads, never block them,
 * and nothing is poisoned for later subscriptions.
 */
@EnabledOnOs(OS.LINUX)
class NonBlockingTest {

    @TempDir
    Path root;

    @Test
    @Timeout(120)
    void subscribeReadyAndSyncNeverBlockANonBlockingThread() throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+AllowRedefinitionToAddDeleteMethods", "-XX:+EnableDynamicAgentLoading"));
        if (Runtime.version().feature() >= 24) {
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BlockHoundProbe.class.getName(),
                root.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        child.getOutputStream().close();
        if (!child.waitFor(90, TimeUnit.SECONDS)) {
            child.destroyForcibly();
        }
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        List<String> lines = output.lines().toList();
        assertThat(lines).as(output).noneMatch(l -> l.startsWith("BLOCKING") || l.startsWith("ERROR"));
        assertThat(lines).as(output).contains("STEP subscribe 1", "STEP ready 1", "STEP sync 1",
                "STEP event 1 CREATED f1", "STEP subscribe 2", "STEP ready 2", "STEP sync 2", "DONE");
        // the first session sees f2 too, the second only f2: both deliver
        assertThat(lines).as(output).anyMatch(l -> l.startsWith("STEP event 2 "));
        assertThat(lines).as(output).noneMatch(l -> l.equals("STEP event 2 none"));
    }
}
