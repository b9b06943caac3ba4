package dev.vigil.crash.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryFlag;
import java.nio.file.attribute.AclEntryPermission;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Makes files and directories accessible to their owner only: mode 0600/0700 where the file system has POSIX
 * permissions; elsewhere (Windows) an ACL that replaces the whole DACL with one entry allowing everything to the
 * file's owner (the user, or the Administrators group for files an elevated process created). On a directory that
 * entry is also inherited by files and directories created in it afterwards, so a dump HotSpot or Vigil writes there
 * is born owner-only: on Windows an owner-only directory does not protect what is inside it, because everyone may
 * bypass traverse checking and open a file by its full path. A file system with neither view is left as it is.
 */
public final class OwnerOnly {
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private OwnerOnly() {
    }

    /** Restricts a regular file. */
    public static void file(Path file) throws IOException {
        restrict(file, FILE, Set.of());
    }

    /** Restricts a directory and, on Windows, what will be created in it. */
    public static void directory(Path dir) throws IOException {
        restrict(dir, DIRECTORY, EnumSet.of(AclEntryFlag.FILE_INHERIT, AclEntryFlag.DIRECTORY_INHERIT));
    }

    /** Creates {@code dir} and its missing parents; only the directories created here are restricted. */
    public static Path createDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) {
            return abs;
        }
        Path parent = abs.getParent();
        if (parent != null) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(abs);
            directory(abs);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            if (!Files.isDirectory(abs)) {
                throw raced;
            }
        }
        return abs;
    }

    private static void restrict(Path path, Set<PosixFilePermission> mode, Set<AclEntryFlag> inheritance)
            throws IOException {
        PosixFileAttributeView posix = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        if (posix != null) {
            posix.setPermissions(mode);
            return;
        }
        AclFileAttributeView acl = Files.getFileAttributeView(path, AclFileAttributeView.class);
        if (acl != null) {
            UserPrincipal owner = acl.getOwner();
            AclEntry entry = AclEntry.newBuilder()
                    .setType(AclEntryType.ALLOW)
                    .setPrincipal(owner)
                    .setPermissions(EnumSet.allOf(AclEntryPermission.class))
                    .setFlags(inheritance)
                    .build();
            acl.setAcl(List.of(entry));
        }
    }
}
