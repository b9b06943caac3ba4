package dev.vigil.crash.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.crash.DumpFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactsTest {

    @TempDir
    Path dir;

    @Test
    void recognisesHotSpotNamesGroupsByPidAndChecksCoresAreElfCores() throws Exception {
        touch("hs_err_pid12.log", 100);
        touch("hs_err_pid12.jfr", 101);
        touch("hs_err_pid12.mdmp", 102);
        touch("java_pid13.hprof", 50);
        touch("hs_77.log", 10);
        touch("core", 5);
        byte[] elfCore = new byte[64];
        elfCore[0] = 0x7f;
        elfCore[1] = 'E';
        elfCore[2] = 'L';
        elfCore[3] = 'F';
        elfCore[5] = 1;
        elfCore[16] = 4;
        Files.write(dir.resolve("core.14"), elfCore);
        touch("notes.log", 1);

        List<Artifacts.Group> groups = new Artifacts(List.of("hs_%p.log")).scan(dir);
        assertThat(groups).extracting(Artifacts.Group::pid).containsExactlyInAnyOrder(77L, 13L, 12L, 14L);
        Artifacts.Group crash = groups.stream().filter(g -> g.pid() == 12).findFirst().orElseThrow();
        assertThat(crash.files()).extracting(Artifacts.Found::format).containsExactly(DumpFile.Format.HS_ERR,
                DumpFile.Format.FLIGHT_RECORDING, DumpFile.Format.WINDOWS_MINIDUMP);
        assertThat(crash.time()).isEqualTo(Instant.ofEpochSecond(102));
        assertThat(groups.stream().filter(g -> g.pid() == 14).findFirst().orElseThrow().files().get(0).format())
                .isEqualTo(DumpFile.Format.CORE);
        assertThat(groups.get(0).pid()).as("oldest first").isEqualTo(77L);
    }

    @Test
    void errorFilePatternsBecomeRegexes() {
        assertThat(Artifacts.errorFileRegex("crash-%p-%%.log").matcher("crash-42-%.log").matches()).isTrue();
        assertThat(Artifacts.errorFileRegex("a.b%p").matcher("axb1").matches()).isFalse();
    }

    private void touch(String name, long epochSecond) throws Exception {
        Path p = Files.writeString(dir.resolve(name), "x");
        Files.setLastModifiedTime(p, FileTime.from(Instant.ofEpochSecond(epochSecond)));
    }
}
