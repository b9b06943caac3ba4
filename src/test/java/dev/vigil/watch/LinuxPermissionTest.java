package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.watch.fixtures.PermissionProbe;
import dev.vigil.watch.fixtures.Unprivileged;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Permission errors for real, on every machine. The watcher runs in a child JVM over a tree holding a directory
 * nobody may read: as root (who ignores permissions) the child runs as {@code nobody} through {@code setpriv}; as any
 * other user it runs as that user, for whom the directory is just as unreadable. Checks: an unreadable root fails with {@code NOT_READABLE}; an unreadable subdirectory is an
 * {@code OVERFLOW} naming it with the errno, and the rest of the tree keeps reporting.
 */
@EnabledOnOs(OS.LINUX)
class LinuxPermissionTest {

    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    @TempDir
    Path tmp;

    @Test
    void unreadableRootAndSubdirectoryAreReportedAndTheRestKeepsWorking() throws Exception {
        boolean asRoot = Unprivileged.isRoot();
        assertThat(!asRoot || Files.isExecutable(SETPRIV)).as("as root, %s drops to nobody (util-linux)", SETPRIV).isTrue();
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path open = Files.createDirectories(root.resolve("open"));
        Path secret = Files.createDirectories(root.resolve("secret"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        String classpath = readableCopyOfClasspath(Files.createDirectories(tmp.resolve("cp")));
        Path scratch = Files.createDirectories(tmp.resolve("scratch")); // JNA unpacks its library here
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxrwxrwx"));

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(asRoot
                ? List.of(SETPRIV.toString(), "--reuid=nobody", "--regid=nogroup", "--clear-groups") : List.of());
        command.addAll(List.of(java.toString(), "-Xmx64m", "-Djava.io.tmpdir=" + scratch, "-cp", classpath));
        if (Runtime.version().feature() >= 24) {
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        command.add(PermissionProbe.class.getName());
        command.add(root.toString());
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null;) {
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // the child is gone: the assertions below say what was missing
            }
        }, "permission-probe-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            List<String> seen = new ArrayList<>();
            awaitLine(lines, seen, "READY");
            assertThat(seen).contains("ROOTERR NOT_READABLE");
            // delivered after readiness, on the session's delivery thread
            awaitLine(lines, seen, l -> l.startsWith("EVENT OVERFLOW " + secret + " "));
            assertThat(seen).anySatisfy(l -> assertThat(l).startsWith("EVENT OVERFLOW " + secret + " ")
                    .contains("inotify_add_watch(" + secret + ") failed: Permission denied (EACCES 13)")
                    .endsWith("errno=13"));
            Files.writeString(open.resolve("f"), "x");
            awaitLine(lines, seen, "EVENT CREATED " + open.resolve("f"));
            lines.drainTo(seen);
            // the refused root delivers nothing; the other session does not fail
            assertThat(seen).noneMatch(l -> l.startsWith("UNEXPECTED ") || l.startsWith("ERROR "));
        } finally {
            child.getOutputStream().close();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rwx------"));
        }
    }

    private static void awaitLine(BlockingQueue<String> lines, List<String> seen, String wanted) throws InterruptedException {
        awaitLine(lines, seen, wanted::equals);
    }

    private static void awaitLine(BlockingQueue<String> lines, List<String> seen,
            java.util.function.Predicate<String> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (seen.stream().noneMatch(wanted)) {
            String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (l == null) {
                throw new AssertionError("no line '" + wanted + "' from the child within 30 s; got " + seen);
            }
            seen.add(l);
        }
    }

    /** The test class path, copied where {@code nobody} can read it (root's Maven repository is private). */
    private static String readableCopyOfClasspath(Path into) throws IOException {
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path from = Path.of(entry);
            if (!Files.exists(from)) {
                continue;
            }
            Path to = into.resolve(i++ + "-" + from.getFileName());
            if (Files.isDirectory(from)) {
                try (Stream<Path> walk = Files.walk(from)) {
                    for (Path p : walk.toList()) {
                        Path target = to.resolve(from.relativize(p).toString());
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(target);
                        } else {
                            Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            } else {
                Files.copy(from, to);
            }
            out.add(to.toString());
        }
        try (Stream<Path> walk = Files.walk(into)) {
            for (Path p : walk.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return String.join(File.pathSeparator, out);
    }
}
