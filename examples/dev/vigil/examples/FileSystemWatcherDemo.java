package dev.vigil.examples;

import dev.vigil.watch.FileSystemWatcher;
import dev.vigil.watch.FileSystemWatcher.ChangeType;
import dev.vigil.watch.FileSystemWatcher.WaitForChangedResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * .NET's {@code FileSystemWatcher}, in Java: listeners for created, changed, renamed, deleted and error.
 *
 * <ul>
 *   <li>{@code FileSystemWatcherDemo DIR [FILTER]}: watches {@code DIR} and its subdirectories for names matching
 *       {@code FILTER} (default {@code *}) until Ctrl-C.</li>
 *   <li>{@code FileSystemWatcherDemo}: watches a new temporary directory for {@code *.txt}, plays a short scene in
 *       it, printing each callback as it arrives, then shows {@link FileSystemWatcher#waitForChanged} timing out and
 *       exits. Each step waits until its callback has run (no sleeps).</li>
 * </ul>
 */
public final class FileSystemWatcherDemo {
    private FileSystemWatcherDemo() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        boolean scene = args.length == 0;
        Path dir = scene ? Files.createTempDirectory("vigil-fsw-demo") : Path.of(args[0]);
        if (scene) {
            Files.createFile(dir.resolve("draft.md"));
        }
        Semaphore raised = new Semaphore(0);
        try (FileSystemWatcher fsw = new FileSystemWatcher(dir, scene ? "*.txt" : args.length > 1 ? args[1] : "*")) {
            fsw.setIncludeSubdirectories(true);
            fsw.addCreatedListener(e -> print("Created: " + e.name(), raised));
            fsw.addChangedListener(e -> print("Changed: " + e.name(), raised));
            fsw.addRenamedListener(e -> print("Renamed: " + e.oldName() + " -> " + e.name(), raised));
            fsw.addDeletedListener(e -> print("Deleted: " + e.name(), raised));
            fsw.addErrorListener(e -> print("Error: " + e.getMessage(), raised));
            fsw.setEnableRaisingEvents(true); // returns once watching: every later change is raised
            System.out.println("watching " + dir + " for " + fsw.getFilter()
                    + (scene ? " (playing a short scene)" : " (Ctrl-C to stop)"));
            if (!scene) {
                new CountDownLatch(1).await();
                return;
            }
            step("touch notes.txt", () -> Files.createFile(dir.resolve("notes.txt")), raised);
            step("echo hello >> notes.txt",
                    () -> Files.writeString(dir.resolve("notes.txt"), "hello\n", StandardOpenOption.APPEND), raised);
            step("mv draft.md draft.txt   (draft.md was no *.txt: raised because the new name is)",
                    () -> Files.move(dir.resolve("draft.md"), dir.resolve("draft.txt")), raised);
            step("mkdir -p archive/2024; touch archive/2024/old.txt",
                    () -> Files.createFile(Files.createDirectories(dir.resolve("archive/2024")).resolve("old.txt")),
                    raised);
            step("rm notes.txt", () -> Files.delete(dir.resolve("notes.txt")), raised);
            System.out.println("$ waitForChanged(CREATED, 500 ms) with nothing happening");
            WaitForChangedResult r = fsw.waitForChanged(EnumSet.of(ChangeType.CREATED), Duration.ofMillis(500));
            System.out.println("timedOut=" + r.timedOut());
        }
        System.out.println("done; the directory is left at " + dir);
    }

    private interface Step {
        void run() throws IOException;
    }

    private static void print(String line, Semaphore raised) {
        System.out.println("  " + line);
        raised.release();
    }

    /** Runs a change and waits (at most 10 s) until a callback has run for it. */
    private static void step(String what, Step step, Semaphore raised) throws IOException, InterruptedException {
        System.out.println("$ " + what);
        step.run();
        if (!raised.tryAcquire(10, TimeUnit.SECONDS)) {
            System.out.println("  (nothing raised within 10 s)");
        }
        raised.drainPermits();
    }
}
