package dev.vigil.crash.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.crash.CrashReporter;
import dev.vigil.crash.CrashReporterOptions;
import dev.vigil.crash.DumpFile;
import dev.vigil.crash.fixtures.Wine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryFlag;
import java.nio.file.attribute.AclEntryPermission;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Owner-only ACLs read back with {@link AclFileAttributeView} in a Windows JVM. Wine does not store a DACL: it turns
 * it into the Unix mode (owner-only becomes 0770) and, when asked, shows a DACL made from that mode: the owner plus
 * {@code NT AUTHORITY\SYSTEM}, and {@code Everyone} when others may read. Under Wine the test therefore accepts the
 * SYSTEM entry and asserts that {@code Everyone} is gone; on Windows it asserts the single owner entry.
 */
@EnabledOnOs(OS.WINDOWS)
class WindowsOwnerOnlyTest {

    private static final String SYSTEM = "NT AUTHORITY\\SYSTEM";

    @TempDir
    Path tmp;

    private static AclFileAttributeView view(Path p) {
        return Files.getFileAttributeView(p, AclFileAttributeView.class);
    }

    private static void assertOwnerOnly(Path p, boolean directory) throws Exception {
        AclFileAttributeView acl = view(p);
        UserPrincipal owner = acl.getOwner();
        List<AclEntry> entries = acl.getAcl();
        assertThat(entries).as("%s: %s", p, entries).allMatch(e -> e.type() == AclEntryType.ALLOW);
        AclEntry own = entries.stream().filter(e -> e.principal().equals(owner)).findFirst().orElseThrow();
        assertThat(own.permissions()).as("full control for the owner").containsAll(EnumSet.of(
                AclEntryPermission.READ_DATA, AclEntryPermission.WRITE_DATA, AclEntryPermission.DELETE,
                AclEntryPermission.READ_ACL, AclEntryPermission.WRITE_ACL, AclEntryPermission.WRITE_OWNER));
        if (directory) {
            assertThat(own.flags()).as("inherited by what is created inside")
                    .contains(AclEntryFlag.FILE_INHERIT, AclEntryFlag.DIRECTORY_INHERIT);
        }
        if (Wine.isRunning()) {
            assertThat(entries).as("Wine shows its SYSTEM entry besides the owner; nobody else")
                    .allMatch(e -> e.principal().equals(owner) || e.principal().getName().equals(SYSTEM));
        } else {
            assertThat(entries).as("the owner alone").hasSize(1);
        }
    }

    @Test
    void aFileAndADirectoryGetAnOwnerOnlyAcl() throws Exception {
        assertThat(Files.getFileAttributeView(tmp, PosixFileAttributeView.class)).as("the ACL path is taken").isNull();
        Path file = Files.writeString(tmp.resolve("secret.txt"), "x");
        UserPrincipal owner = view(file).getOwner();
        assertThat(view(file).getAcl()).as("before: someone besides the owner has access")
                .anyMatch(e -> !e.principal().equals(owner) && !e.principal().getName().equals(SYSTEM));
        OwnerOnly.file(file);
        assertOwnerOnly(file, false);
        assertThat(Files.readString(file)).as("the owner can still read it").isEqualTo("x");

        Path dir = Files.createDirectory(tmp.resolve("dumps"));
        OwnerOnly.directory(dir);
        assertOwnerOnly(dir, true);
        Path born = Files.writeString(dir.resolve("born.txt"), "y");
        if (Wine.isRunning()) {
            assertThat(view(born).getAcl()).as("Wine does not inherit ACEs: the mode (umask) decides")
                    .anyMatch(e -> e.principal().getName().endsWith("Everyone"));
        } else {
            assertOwnerOnly(born, false);
        }
    }

    @Test
    void theDumpDirectoryAndTheDumpsVigilWritesAreOwnerOnly() throws Exception {
        Path dumps = tmp.resolve("a").resolve("dumps");
        try (CrashReporter r = CrashReporter.install(CrashReporterOptions.defaults().withName("acl")
                .withDumpDirectory(dumps).withFlightRecorder(false).withPostMortemScan(false))) {
            DumpFile dump = r.dump(DumpFile.Format.THREAD_DUMP).block(Duration.ofMinutes(1));
            assertOwnerOnly(dump.path(), false);
        }
        assertOwnerOnly(dumps, true);
        assertOwnerOnly(dumps.getParent(), true);
    }
}
