package dev.vigil.watch.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.vigil.watch.internal.RawEvent;
import dev.vigil.watch.internal.RawEventListener;
import dev.vigil.watch.internal.WatchChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/** A listener that queues what it receives, checking that every call comes from the loop thread. */
class Recorder implements RawEventListener {
    static final Object OVERFLOW = "OVERFLOW";
    static final long TIMEOUT_SECONDS = 10;

    final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    final BlockingQueue<List<RawEvent>> batches = new LinkedBlockingQueue<>();
    volatile String wrongThread;

    @Override
    public void onEvents(List<RawEvent> batch) {
        checkThread();
        batches.add(List.copyOf(batch));
        for (RawEvent e : batch) {
            received.add(e.kind() == RawEvent.RawKind.OVERFLOW ? OVERFLOW : e);
        }
    }

    @Override
    public void onFailure(Throwable error) {
        checkThread();
        received.add(error);
    }

    private void checkThread() {
        String name = Thread.currentThread().getName();
        if (!name.startsWith("vigil-inotify-")) {
            wrongThread = name;
        }
    }

    /** The next thing received, waiting a bounded time. */
    Object next() throws InterruptedException {
        Object o = received.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (o == null) {
            fail("nothing received within " + TIMEOUT_SECONDS + " s");
        }
        assertThat(wrongThread).as("callback thread").isNull();
        return o;
    }

    RawEvent nextEvent() throws InterruptedException {
        Object o = next();
        assertThat(o).isInstanceOf(RawEvent.class);
        return (RawEvent) o;
    }

    Throwable nextFailure() throws InterruptedException {
        Object o = next();
        assertThat(o).isInstanceOf(Throwable.class);
        return (Throwable) o;
    }

    void assertEvent(Object key, RawEvent.RawKind kind, String name, boolean directory) throws InterruptedException {
        RawEvent e = nextEvent();
        assertThat(e.key()).as("key of %s", e).isSameAs(key);
        assertThat(e.kind()).as("kind of %s", e).isEqualTo(kind);
        assertThat(e.path()).as("name of %s", e).isEqualTo(name);
        assertThat(e.type() == RawEvent.EntryType.DIRECTORY).as("directory flag of %s", e).isEqualTo(directory);
        if (kind != RawEvent.RawKind.MOVED_FROM && kind != RawEvent.RawKind.MOVED_TO) {
            assertThat(e.cookie()).as("cookie of %s", e).isZero();
        }
    }

    void assertNothingReceived() {
        assertThat(received).isEmpty();
        assertThat(wrongThread).as("callback thread").isNull();
    }

    /** Runs {@code action} on the channel's loop thread and returns its result. */
    static <T> T onLoop(WatchChannel channel, Callable<T> action) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        channel.execute(() -> {
            try {
                result.complete(action.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception) {
                throw (Exception) e.getCause();
            }
            throw e;
        } catch (TimeoutException e) {
            throw new AssertionError("the loop did not run the task within " + TIMEOUT_SECONDS + " s", e);
        }
    }

    /** Waits until every task and event the loop had before this call has been handled. */
    static void barrier(WatchChannel channel) throws Exception {
        onLoop(channel, () -> null);
    }

    /** The number of watches of an inotify fd, from /proc/self/fdinfo. */
    static long watchCount(int inotifyFd) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/fdinfo/" + inotifyFd)).stream()
                .filter(l -> l.startsWith("inotify wd:")).count();
    }

    /** The fds of this process pointing to an anonymous inode of that kind (e.g. {@code inotify}). */
    static long anonInodeFds(String kind) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.equals("anon_inode:" + kind) || target.equals("anon_inode:[" + kind + "]");
                } catch (IOException e) {
                    return false; // the fd of the listing itself, closed meanwhile
                }
            }).count();
        }
    }
}
