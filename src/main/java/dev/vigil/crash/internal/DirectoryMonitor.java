package dev.vigil.crash.internal;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileWatcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import reactor.core.Disposable;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Watches dump directories for crash artifacts written by other processes, through the public
 * {@link FileWatcher} API, and hands each process's files over once they are complete: every file unchanged
 * (size and modification time) for {@link #SETTLE_MILLIS} and the writing process gone. All state is confined to the
 * given single-threaded executor.
 */
final class DirectoryMonitor {
    /** How long a file must stay unchanged to count as completely written. */
    static final long SETTLE_MILLIS = 300;
    /** How long {@link #start()} waits for the watches to be established. */
    private static final java.time.Duration READY_TIMEOUT = java.time.Duration.ofSeconds(30);

    private final List<Path> directories;
    private final Artifacts artifacts;
    private final ScheduledExecutorService executor;
    private final Predicate<Artifacts.Group> processGone;
    private final Consumer<Artifacts.Group> publish;
    private final Map<Path, long[]> lastSeen = new HashMap<>();
    private final Map<Path, Boolean> scheduled = new HashMap<>();

    DirectoryMonitor(List<Path> directories, Artifacts artifacts, ScheduledExecutorService executor,
                     Predicate<Artifacts.Group> processGone, Consumer<Artifacts.Group> publish) {
        this.directories = List.copyOf(directories);
        this.artifacts = artifacts;
        this.executor = executor;
        this.processGone = processGone;
        this.publish = publish;
    }

    /**
     * Subscribes one non-recursive watch per directory and returns once they are established (bounded), so that a
     * file written after the reporter is installed is seen; the handle cancels them.
     */
    AutoCloseable start() {
        List<Disposable> subscriptions = new ArrayList<>();
        List<FileWatcher> watchers = new ArrayList<>();
        for (Path dir : directories) {
            Path abs = dir.toAbsolutePath().normalize();
            FileWatcher watcher = FileWatcher.builder().root(abs).recursive(false).build();
            watchers.add(watcher);
            subscriptions.add(watcher.events()
                    .filter(e -> e.kind() != FileEvent.Kind.DELETED)
                    .subscribe(e -> executor.execute(() -> schedule(abs)),
                            error -> Operators.onErrorDropped(new IOException(
                                    "watching the dump directory " + abs + " failed: " + error, error),
                                    Context.empty())));
        }
        for (FileWatcher w : watchers) {
            w.ready().block(READY_TIMEOUT);
        }
        return () -> subscriptions.forEach(Disposable::dispose);
    }

    private void schedule(Path dir) {
        if (scheduled.putIfAbsent(dir, Boolean.TRUE) == null) {
            executor.schedule(() -> check(dir), SETTLE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void check(Path dir) {
        scheduled.remove(dir);
        boolean pending = false;
        try {
            for (Artifacts.Group g : artifacts.scan(dir)) {
                if (settled(g) && processGone.test(g)) {
                    g.files().forEach(f -> lastSeen.remove(f.path()));
                    publish.accept(g);
                } else {
                    pending = true;
                }
            }
        } catch (IOException | RuntimeException e) {
            Operators.onErrorDropped(new IOException("scanning the dump directory " + dir + " failed: " + e, e),
                    Context.empty());
        }
        if (pending) {
            schedule(dir);
        }
    }

    private boolean settled(Artifacts.Group g) throws IOException {
        boolean all = true;
        for (Artifacts.Found f : g.files()) {
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(f.path(), BasicFileAttributes.class);
            } catch (NoSuchFileException gone) {
                return false;
            }
            long[] now = {a.size(), a.lastModifiedTime().toMillis()};
            long[] before = lastSeen.put(f.path(), now);
            if (before == null || before[0] != now[0] || before[1] != now[1]) {
                all = false;
            }
        }
        return all;
    }
}
