package dev.vigil.bench.e2e;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * The JDK {@link WatchService} used the way a careful user does: every directory registered for
 * create/delete/modify; a directory that appears is registered and then walked, reporting what was created in it
 * before its registration; on {@code OVERFLOW} the key's directory is listed again (its entries reported as
 * created, unregistered subdirectories registered and walked). Events are taken on one thread.
 */
final class JdkPeer implements Peer {
    private static final WatchEvent.Kind<?>[] KINDS = {ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY};
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    private WatchService ws;
    private Recorder rec;
    private final Map<WatchKey, Path> dirs = new HashMap<>();
    private final Map<Path, WatchKey> keys = new HashMap<>();
    private volatile boolean closed;

    static Peer create() {
        return new JdkPeer();
    }

    @Override
    public void start(Path root, Recorder recorder) throws IOException {
        rec = recorder;
        ws = root.getFileSystem().newWatchService();
        registerTree(root, false);
        Thread t = new Thread(new Runnable() {
            @Override
            public void run() {
                loop();
            }
        }, "jdk-watch");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public long startAgain(Path root) throws Exception {
        JdkPeer other = new JdkPeer();
        long t0 = System.nanoTime();
        other.start(root, new Recorder(line -> { }));
        long t1 = System.nanoTime();
        other.close();
        return t1 - t0;
    }

    @Override
    public void close() {
        closed = true;
        try {
            ws.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** Registers {@code top} and every directory below; with {@code report}, reports everything below as created. */
    private void registerTree(Path top, boolean report) throws IOException {
        Files.walkFileTree(top, new SimpleFileVisitor<Path>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!keys.containsKey(dir)) {
                    try {
                        WatchKey key = dir.register(ws, KINDS);
                        dirs.put(key, dir);
                        keys.put(dir, key);
                    } catch (IOException e) {
                        return FileVisitResult.SKIP_SUBTREE; // vanished meanwhile
                    }
                }
                if (report && !dir.equals(top)) {
                    rec.event(Recorder.CREATED, dir, true, System.nanoTime());
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (report) {
                    rec.event(Recorder.CREATED, file, attrs.isDirectory(), System.nanoTime());
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                return FileVisitResult.CONTINUE; // vanished meanwhile
            }
        });
    }

    /** After an overflow: lists {@code dir} again. */
    private void rescan(Path dir) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                boolean isDir = Files.isDirectory(p, NOFOLLOW);
                rec.event(Recorder.CREATED, p, isDir, System.nanoTime());
                if (isDir && !keys.containsKey(p)) {
                    registerTree(p, true);
                }
            }
        } catch (IOException e) {
            // vanished meanwhile: its parent's events tell
        }
    }

    private void loop() {
        while (!closed) {
            WatchKey key;
            try {
                key = ws.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            long now = System.nanoTime();
            Path dir = dirs.get(key);
            for (WatchEvent<?> ev : key.pollEvents()) {
                WatchEvent.Kind<?> kind = ev.kind();
                if (kind == OVERFLOW) {
                    rec.event(Recorder.OVERFLOW, dir, true, now);
                    if (dir != null) {
                        rescan(dir);
                    }
                    continue;
                }
                if (dir == null) {
                    continue;
                }
                Path p = dir.resolve((Path) ev.context());
                if (kind == ENTRY_CREATE) {
                    boolean isDir = Files.isDirectory(p, NOFOLLOW);
                    rec.event(Recorder.CREATED, p, isDir, now);
                    if (isDir) {
                        try {
                            registerTree(p, true);
                        } catch (IOException e) {
                            // vanished meanwhile
                        }
                    }
                } else if (kind == ENTRY_MODIFY) {
                    rec.event(Recorder.MODIFIED, p, false, now);
                } else {
                    rec.event(Recorder.DELETED, p, false, now);
                }
            }
            if (!key.reset()) {
                Path gone = dirs.remove(key);
                if (gone != null) {
                    keys.remove(gone);
                }
            }
        }
    }
}
