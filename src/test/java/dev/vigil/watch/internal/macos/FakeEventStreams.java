package dev.vigil.watch.internal.macos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.watch.internal.WatchBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A strict fake of FSEvents under the real backend: the test changes the disk, then reports the change as FSEvents
 * would, and the records reach the streams on a "dispatch queue" thread of the fake, as the OS's callbacks do. Like
 * FSEvents it reports real paths (a root reached through a link, as {@code /tmp} is on macOS, is reported under its
 * target), keeps the flags of earlier records of a path on later ones (coalescing), gives a rename's two halves
 * with the same flag and no cookie (the inode where {@code inodes} is on), and only to the streams whose root holds
 * the path (a move into or out of the tree has one half). A flush of a closed stream fails the test.
 */
public final class FakeEventStreams implements EventStreams {

    private final boolean inodes;
    private final boolean caseSensitive;
    private final ExecutorService dispatch = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fake-fsevents-dispatch");
        t.setDaemon(true);
        return t;
    });
    private final Set<FakeStream> open = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> kept = new ConcurrentHashMap<>();
    private final List<String> violations = new ArrayList<>();
    private final FsEventsBackend backend = FsEventsBackend.over(this);
    private long ids = 1000;

    /**
     * @param inodes whether records carry inodes (macOS 10.13+ with {@code UseExtendedData})
     * @param caseSensitive whether the emulated volume compares names case-sensitively
     */
    public FakeEventStreams(boolean inodes, boolean caseSensitive) {
        this.inodes = inodes;
        this.caseSensitive = caseSensitive;
    }

    /** The real backend over this fake. */
    public WatchBackend backend() {
        return backend;
    }

    // ------------------------------------------------------------------------------------------------ EventStreams

    @Override
    public Stream open(String realPath, long sinceWhen, double latency, Consumer<List<Record>> sink) {
        FakeStream s = new FakeStream(realPath, sink);
        open.add(s);
        return s;
    }

    @Override
    public Entry entry(Path path, boolean storedName) {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(path, "unix:ino,isDirectory", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            Path parent = path.getParent();
            if (caseSensitive || parent == null) {
                return null;
            }
            String found = stored(parent, path.getFileName().toString());
            return found == null ? null : entry(parent.resolve(found), false);
        }
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        if (storedName && path.getParent() != null) {
            String found = stored(path.getParent(), name);
            name = found != null ? found : name;
        }
        return new Entry(Normalizer.normalize(name, Normalizer.Form.NFC), (Long) a.get("ino"),
                (Boolean) a.get("isDirectory"));
    }

    /** The entry of {@code dir} equal to {@code name} ignoring case and normalisation, as a case-insensitive volume finds it. */
    private static String stored(Path dir, String name) {
        String want = Normalizer.normalize(name, Normalizer.Form.NFC);
        try (DirectoryStream<Path> all = Files.newDirectoryStream(dir)) {
            for (Path p : all) {
                String n = p.getFileName().toString();
                if (Normalizer.normalize(n, Normalizer.Form.NFC).equalsIgnoreCase(want)) {
                    return n;
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    @Override
    public boolean caseSensitive(Path dir) {
        return caseSensitive;
    }

    @Override
    public boolean inodes() {
        return inodes;
    }

    // ------------------------------------------------------------------------------------------------ reporting

    /** Reports one callback: {@code records} as (path, flags) with the inode of each, FSEvents-style. */
    public synchronized void report(List<Rec> records) {
        List<Record> out = new ArrayList<>();
        for (Rec r : records) {
            String path = r.path();
            int flags = r.flags();
            if ((flags & (Flags.ROOT_CHANGED | Flags.DROPPED | Flags.MUST_SCAN_SUB_DIRS)) == 0) {
                flags |= kept.getOrDefault(path, 0); // FSEvents keeps a path's earlier flags on its later records
                kept.put(path, flags);
            }
            out.add(new Record(path, flags, (flags & Flags.ROOT_CHANGED) != 0 ? 0 : ++ids, inodes ? r.inode() : 0));
        }
        for (FakeStream s : open) {
            List<Record> mine = new ArrayList<>();
            for (Record r : out) {
                boolean rootChanged = (r.flags() & Flags.ROOT_CHANGED) != 0;
                if (rootChanged ? r.path().equals(s.root) : r.path().equals(s.root) || r.path().startsWith(s.root + "/")
                        || (r.flags() & Flags.DROPPED) != 0) {
                    mine.add(rootChanged || (r.flags() & Flags.DROPPED) != 0 ? new Record(s.root, r.flags(), r.id(),
                            r.inode()) : r);
                }
            }
            if (!mine.isEmpty()) {
                dispatch.execute(() -> {
                    if (!s.closed) {
                        s.sink.accept(mine);
                    }
                });
            }
        }
    }

    /** One record to report: {@code path} as FSEvents gives it (real, absolute), its flags, its inode. */
    public record Rec(String path, int flags, long inode) {
    }

    /** A record for {@code p} (a path the test knows, reported under its real path). */
    public static Rec rec(Path p, String flags, long inode) {
        return new Rec(real(p), Flags.parse(flags), inode);
    }

    public void created(Path p, boolean dir) {
        report(List.of(rec(p, "ItemCreated|" + type(dir), inode(p))));
    }

    public void modified(Path p) {
        report(List.of(rec(p, "ItemModified|ItemInodeMetaMod|ItemIsFile", inode(p))));
    }

    /** Reports removals, children first as the caller lists them. */
    public void removed(List<Path> paths, List<Boolean> dirs, List<Long> inodes) {
        List<Rec> out = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            out.add(rec(paths.get(i), "ItemRemoved|" + type(dirs.get(i)), inodes.get(i)));
        }
        report(out);
    }

    /** The two halves of a rename (each reaches only the streams that hold its path). */
    public void renamed(Path from, Path to, boolean dir, long inode) {
        report(List.of(rec(from, "ItemRenamed|" + type(dir), inode), rec(to, "ItemRenamed|" + type(dir), inode)));
    }

    /** {@code RootChanged} for the stream of {@code root}. */
    public void rootChanged(Path root) {
        report(List.of(new Rec(real(root), Flags.ROOT_CHANGED, 0)));
    }

    /** {@code MustScanSubDirs|UserDropped} on every stream. */
    public void dropped() {
        report(List.of(new Rec("/", Flags.MUST_SCAN_SUB_DIRS | Flags.USER_DROPPED, 0)));
    }

    private static String type(boolean dir) {
        return dir ? "ItemIsDir" : "ItemIsFile";
    }

    /** The inode of {@code p}, or 0 when it is gone. */
    public static long inode(Path p) {
        try {
            return (Long) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code p} with its existing ancestors' links resolved, as FSEvents reports it. */
    public static String real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        try {
            Path base = existing == null ? abs.getRoot() : existing.toRealPath();
            return base.resolve(existing == null ? abs.getRoot().relativize(abs) : existing.relativize(abs)).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------------------ checks

    /** Streams open now. */
    public int openStreams() {
        return (int) open.stream().filter(s -> !s.closed).count();
    }

    /** Fails when a stream is left open or was flushed after its release; then closes the backend. */
    public void checkAndClose() throws InterruptedException, ExecutionException, TimeoutException {
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(openStreams()).as("open FSEvents streams").isZero());
            assertThat(backend.openStreams()).isZero();
            synchronized (violations) {
                assertThat(violations).isEmpty();
            }
        } finally {
            backend.close();
            dispatch.submit(() -> { }).get(10, TimeUnit.SECONDS);
            dispatch.shutdownNow();
        }
    }

    private final class FakeStream implements Stream {
        final String root;
        final Consumer<List<Record>> sink;
        volatile boolean closed;

        FakeStream(String root, Consumer<List<Record>> sink) {
            this.root = root;
            this.sink = sink;
        }

        @Override
        public void flush() {
            if (closed) {
                synchronized (violations) {
                    violations.add("flush of the released stream of " + root);
                }
                return;
            }
            try {
                dispatch.submit(() -> { }).get(10, TimeUnit.SECONDS); // every queued callback has run
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            closed = true;
            open.remove(this);
        }
    }
}
