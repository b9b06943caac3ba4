package dev.vigil.watch.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.watch.OverflowStrategy;
import dev.vigil.watch.WatchLimitException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scans helped by {@link ScanAhead} on a tree of 401 directories, through a channel that may be called from several
 * threads: the model and the watches are those a scan alone makes, and a scan that a fatal error or an exception
 * ends leaves no watch outside the model. Repeated: each run interleaves the scan and its helper differently.
 */
class ScanAheadTest {
    private static final WatchBackend.Capabilities CONCURRENT =
            new WatchBackend.Capabilities(false, WatchBackend.Pairing.BY_COOKIE, true);

    @TempDir
    static Path dir;
    static Set<Path> onDisk;

    @BeforeAll
    static void tree() throws IOException {
        assumeTrue(ScanAhead.HELPERS > 0, "one core: scans are never helped");
        ScanAhead.warm(true);
        for (int t = 0; t < 5; t++) {
            for (int s = 0; s < 80; s++) {
                Path leaf = Files.createDirectories(dir.resolve("d" + t + "/s" + s));
                Files.writeString(leaf.resolve("f"), "x");
            }
        }
        try (Stream<Path> all = Files.walk(dir)) {
            onDisk = all.filter(p -> !p.equals(dir)).collect(Collectors.toSet());
        }
    }

    @AfterAll
    static void cold() {
        ScanAhead.warm(false);
    }

    /** Watches in a concurrent map; refuses watches past {@link #limit}; a lister that can fail one path. */
    static final class Channel implements WatchChannel {
        final Map<Object, Path> watches = new ConcurrentHashMap<>();
        final AtomicInteger added = new AtomicInteger();
        volatile int limit = Integer.MAX_VALUE;

        @Override
        public Object add(Path d) throws IOException {
            if (added.incrementAndGet() > limit) {
                throw new WatchLimitException("limit reached", d, "add", 28, "test.limit");
            }
            Object key = new Object();
            watches.put(key, d);
            return key;
        }

        @Override
        public void remove(Object key) {
            watches.remove(key);
        }

        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public void close() {
            watches.clear();
        }
    }

    @RepeatedTest(10)
    void aHelpedScanWatchesEachDirectoryOnceAndModelsTheWholeTree() throws IOException {
        Channel channel = new Channel();
        long helpedBefore = ScanAhead.helped();
        Tree tree = new Tree(RoomsTest.spec(dir, 100, OverflowStrategy.RESYNC), null);
        tree.addRoot(dir, Sources.Source.of(channel, DirectoryLister.JDK, CONCURRENT));

        assertThat(ScanAhead.helped()).isGreaterThan(helpedBefore);
        Set<Path> dirs = onDisk.stream().filter(Files::isDirectory).collect(Collectors.toSet());
        dirs.add(dir);
        assertThat(channel.watches).hasSize(dirs.size());
        assertThat(new HashSet<>(channel.watches.values())).isEqualTo(dirs);
        assertThat(tree.watchCount()).isEqualTo(dirs.size());
        assertThat(model(tree)).isEqualTo(onDisk);
        assertThat(tree.fatal()).isNull();
        assertThat(tree.takeProblems()).isEmpty();
    }

    @RepeatedTest(10)
    void aScanEndedByTheWatchLimitLeavesNoWatchOutsideTheModel() throws IOException {
        Channel channel = new Channel();
        channel.limit = 150;
        Tree tree = new Tree(RoomsTest.spec(dir, 100, OverflowStrategy.RESYNC), null);
        tree.addRoot(dir, Sources.Source.of(channel, DirectoryLister.JDK, CONCURRENT));

        assertThat(tree.fatal()).isInstanceOf(WatchLimitException.class);
        assertThat(channel.watches).hasSize(tree.watchCount());
    }

    @RepeatedTest(10)
    void aScanEndedByAnExceptionLeavesNoWatchOutsideTheModel() throws IOException {
        Channel channel = new Channel();
        Path failing = dir.resolve("d0/s40");
        DirectoryLister lister = (d, sink) -> {
            if (d.equals(failing)) {
                throw new IllegalStateException("lister bug at " + d);
            }
            DirectoryLister.JDK.list(d, sink);
        };
        Tree tree = new Tree(RoomsTest.spec(dir, 100, OverflowStrategy.RESYNC), null);
        Sources.Source source = Sources.Source.of(channel, lister, CONCURRENT);

        assertThatThrownBy(() -> tree.addRoot(dir, source)).hasMessage("lister bug at " + failing);
        // the helpers' watches for the directories the scan never reached were removed
        assertThat(channel.watches.values()).doesNotHaveDuplicates();
        assertThat(channel.watches).hasSize(tree.watchCount());
    }

    /** Every path the model holds below the root. */
    private static Set<Path> model(Tree tree) {
        Set<Path> out = new HashSet<>();
        collect(tree.roots.get(0), out);
        return out;
    }

    private static void collect(Node node, Set<Path> out) {
        Path d = node.path();
        node.forEach((name, isDir, child) -> {
            out.add(d.resolve(name));
            if (child != null) {
                collect(child, out);
            }
        });
    }
}
