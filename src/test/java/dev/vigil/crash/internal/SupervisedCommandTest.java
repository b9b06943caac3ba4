package dev.vigil.crash.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SupervisedCommandTest {

    private static final List<String> APP = List.of("C:\\jre\\bin\\java.exe", "-cp", "app.jar", "Main");
    private static final List<String> FLAGS = List.of("-XX:ErrorFile=x", "-XX:-CreateCoredumpOnCrash");

    @Test
    void windowsStartsTheLauncherDirectlyWhateverFilesExist() {
        assertThat(SupervisedCommand.of(HostOs.WINDOWS, APP, FLAGS, false)).containsExactly("C:\\jre\\bin\\java.exe",
                "-XX:ErrorFile=x", "-XX:-CreateCoredumpOnCrash", "-cp", "app.jar", "Main");
        assertThat(SupervisedCommand.of(HostOs.WINDOWS, APP, FLAGS, true)).first().isEqualTo(APP.get(0));
    }

    @Test
    void posixWrapsInUlimitUnlessCoreDumpsAreWanted() {
        List<String> java = List.of("/jdk/bin/java", "Main");
        List<String> wrapped = SupervisedCommand.of(HostOs.POSIX, java, FLAGS, false);
        if (Files.isExecutable(Path.of("/bin/sh"))) {
            assertThat(wrapped).containsExactly("/bin/sh", "-c", "ulimit -c 0 && exec \"$@\"", "vigil-supervised",
                    "/jdk/bin/java", "-XX:ErrorFile=x", "-XX:-CreateCoredumpOnCrash", "Main");
        } else {
            assertThat(wrapped).first().isEqualTo("/jdk/bin/java");
        }
        assertThat(SupervisedCommand.of(HostOs.POSIX, java, FLAGS, true))
                .containsExactly("/jdk/bin/java", "-XX:ErrorFile=x", "-XX:-CreateCoredumpOnCrash", "Main");
    }
}
