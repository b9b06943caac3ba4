package dev.vigil.watch.internal.windows;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the Windows backend tells a root it would miss changes of: {@code GetDriveTypeW} of the root's drive, mapped
 * on any OS, asked of a fake kernel on any OS, and asked of the real one on Windows (under Wine in CI, whose drives
 * are local: a network drive cannot be made there, so {@code DRIVE_REMOTE} is covered by the fake only).
 */
class DriveTypeTest {
    private static final int DRIVE_UNKNOWN = 0;
    private static final int DRIVE_NO_ROOT_DIR = 1;
    private static final int DRIVE_REMOVABLE = 2;
    private static final int DRIVE_FIXED = 3;
    private static final int DRIVE_CDROM = 5;
    private static final int DRIVE_RAMDISK = 6;

    @TempDir
    Path dir;

    @Test
    void onlyANetworkDriveIsUnwatchable() {
        Path root = Path.of("share");
        assertThat(WindowsBackend.whyUnwatchable(root, Kernel.DRIVE_REMOTE)).get().asString()
                .startsWith("share is on a network drive (GetDriveTypeW: DRIVE_REMOTE)");
        for (int type : new int[] {DRIVE_UNKNOWN, DRIVE_NO_ROOT_DIR, DRIVE_REMOVABLE, DRIVE_FIXED, DRIVE_CDROM,
                DRIVE_RAMDISK}) {
            assertThat(WindowsBackend.whyUnwatchable(root, type)).as("drive type %d", type).isEmpty();
        }
    }

    @Test
    void theBackendAsksAboutTheDriveOfTheRoot() throws Exception {
        FakeKernel kernel = new FakeKernel();
        WindowsBackend backend = WindowsBackend.over(kernel);
        try {
            Path top = dir.toAbsolutePath().getRoot();
            assertThat(backend.cannotWatch(dir)).isEmpty(); // a fixed drive
            kernel.driveTypes.put(top.toString(), Kernel.DRIVE_REMOTE);
            assertThat(backend.cannotWatch(dir)).get().asString().startsWith(dir + " is on a network drive");
        } finally {
            backend.close();
        }
    }

    @Test
    @EnabledOnOs(OS.WINDOWS)
    void aLocalDriveKeepsTheNativeBackend() {
        assertThat(WindowsBackend.shared().cannotWatch(dir)).isEmpty();
        assertThat(NativeKernel.INSTANCE.driveType(dir.toAbsolutePath().getRoot().toString())).isIn(DRIVE_FIXED,
                DRIVE_REMOVABLE, DRIVE_RAMDISK);
    }
}
