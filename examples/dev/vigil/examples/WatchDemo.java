package dev.vigil.examples;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileWatcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import reactor.core.Disposable;

/**
 * Watches a directory and prints its changes live.
 *
 * <ul>
 *   <li>{@code WatchDemo DIR}: watches {@code DIR} recursively until Ctrl-C.</li>
 *   <li>{@code WatchDemo}: watches a new temporary directory, plays a short scene in it (create, write, rename,
 *       move a directory in, delete), printing each change as it arrives, then exits.</li>
 * </ul>
 * The scene is paced with {@link FileWatcher#sync()}, the barrier that completes when every earlier change has
 * been delivered: no sleeps, no guessing.
 */
public final class WatchDemo {
    private WatchDemo() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        boolean scene = args.length == 0;
        Path dir = scene ? Files.createTempDirectory("vigil-demo") : Path.of(args[0]);
        FileWatcher watcher = FileWatcher.builder().root(dir).exclude("**/*.swp").build();
        Disposable watch = watcher.events().subscribe(WatchDemo::print,
                e -> System.out.println("watch failed: " + e));
        watcher.ready().block(Duration.ofSeconds(30)); // subscribe returned at once; now the watches are installed
        System.out.println("watching " + dir + (scene ? " (playing a short scene)" : " (Ctrl-C to stop)"));
        if (!scene) {
            new CountDownLatch(1).await();
            return;
        }
        step("mkdir -p docs/drafts", () -> Files.createDirectories(dir.resolve("docs/drafts")), watcher);
        step("write docs/drafts/plan.md", () -> Files.writeString(dir.resolve("docs/drafts/plan.md"), "# plan\n"), watcher);
        step("mv docs/drafts/plan.md docs/plan.md",
                () -> Files.move(dir.resolve("docs/drafts/plan.md"), dir.resolve("docs/plan.md")), watcher);
        step("echo more >> docs/plan.md",
                () -> Files.writeString(dir.resolve("docs/plan.md"), "more\n", StandardOpenOption.APPEND), watcher);
        Path outside = Files.createTempDirectory("vigil-demo-outside");
        Files.createDirectories(outside.resolve("assets/img"));
        Files.writeString(outside.resolve("assets/img/logo.svg"), "<svg/>");
        step("move a directory tree in from outside",
                () -> Files.move(outside.resolve("assets"), dir.resolve("assets")), watcher);
        step("rm docs/plan.md", () -> Files.delete(dir.resolve("docs/plan.md")), watcher);
        watch.dispose();
        System.out.println("done; the directory is left at " + dir);
    }

    private interface Step {
        void run() throws IOException;
    }

    private static void step(String what, Step step, FileWatcher watcher) throws IOException {
        System.out.println("$ " + what);
        step.run();
        watcher.sync().block(Duration.ofSeconds(10));
    }

    private static void print(FileEvent e) {
        String kind = String.format("%-8s", e.kind());
        String path = e.root().relativize(e.path()).toString();
        String prev = e.previous().map(p -> "  (from " + e.root().relativize(p) + ")").orElse("");
        System.out.println("  " + kind + " " + path + (e.isDirectory() ? "/" : "") + prev);
    }
}
