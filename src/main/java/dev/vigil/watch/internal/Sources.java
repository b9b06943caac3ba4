package dev.vigil.watch.internal;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The backends of one session, with its channel on each: one per backend, whatever number of roots (and, past a
 * watch limit, directories) it serves, opened on first use and closed together. Each channel hands its batches to
 * the session through its {@link Source}, which tells the session how to read them (rename pairing, cookies).
 *
 * <p>Threading: sources are opened and closed on the session's executor; the list may be read from any thread
 * (barriers).
 */
final class Sources {

    /** Where the channels' batches go: the session. */
    interface Sink {
        /** A batch read by {@code source}'s channel, on its backend's reader thread. */
        void onEvents(Source source, List<RawEvent> batch);

        /** A channel failed for good. */
        void onFailure(Throwable error);
    }

    /**
     * One backend as a session uses it: its channel, its shape, and the range its rename cookies are moved into so
     * that cookies of two backends never pair with each other.
     */
    static final class Source implements RawEventListener {
        final WatchBackend backend; // null for a channel given directly (tests)
        final WatchBackend.Capabilities caps;
        final DirectoryLister lister;
        private final long cookieRange;
        private final Sink sink;
        WatchChannel channel;

        private Source(WatchBackend backend, WatchBackend.Capabilities caps, DirectoryLister lister, int index,
                Sink sink) {
            this.backend = backend;
            this.caps = caps;
            this.lister = lister;
            // the OS's cookies (inotify's 32 bits, counters) leave the top byte 0; the session's own are negative
            this.cookieRange = (long) index << 56;
            this.sink = sink;
        }

        /** A source over a channel opened elsewhere (tests of the tree). */
        static Source of(WatchChannel channel, DirectoryLister lister, boolean recursive) {
            Source s = new Source(null, new WatchBackend.Capabilities(recursive, WatchBackend.Pairing.BY_COOKIE),
                    lister, 0, null);
            s.channel = channel;
            return s;
        }

        /** The session's cookie for the OS's {@code cookie} read by this source (0 stays 0: no pairing evidence). */
        long cookie(long cookie) {
            return cookie == 0 ? 0 : cookie ^ cookieRange;
        }

        @Override
        public void onEvents(List<RawEvent> batch) {
            sink.onEvents(this, batch);
        }

        @Override
        public void onFailure(Throwable error) {
            sink.onFailure(error);
        }

        @Override
        public String toString() {
            return backend == null ? "source over " + channel : backend.name();
        }
    }

    private final List<Source> all = new CopyOnWriteArrayList<>();
    private final Sink sink;
    private final WatchBackend.ChannelOptions options;

    Sources(Sink sink, WatchBackend.ChannelOptions options) {
        this.sink = sink;
        this.options = options;
    }

    /**
     * The session's source on {@code backend}, opening its channel the first time.
     *
     * @throws IOException as {@link WatchBackend#open(RawEventListener, WatchBackend.ChannelOptions)}
     */
    Source open(WatchBackend backend) throws IOException {
        for (Source s : all) {
            if (s.backend == backend) {
                return s;
            }
        }
        if (all.size() >= 127) {
            throw new IllegalStateException("a session uses at most 127 backends");
        }
        Source s = new Source(backend, backend.capabilities(), backend.lister(), all.size(), sink);
        s.channel = backend.open(s, options);
        all.add(s);
        return s;
    }

    /** The sources opened so far, in opening order. */
    List<Source> all() {
        return all;
    }

    /** Whether no channel was opened yet. */
    boolean isEmpty() {
        return all.isEmpty();
    }

    /**
     * Read barrier over every channel open now: runs {@code task} once each has read and handed over every OS event
     * queued before this call, on the reader thread of the last one. Never runs if one of them is closed meanwhile.
     */
    void afterReads(Runnable task) {
        List<Source> now = List.copyOf(all);
        AtomicInteger left = new AtomicInteger(now.size());
        for (Source s : now) {
            s.channel.execute(() -> {
                if (left.decrementAndGet() == 0) {
                    task.run();
                }
            });
        }
    }

    /**
     * As {@link #afterReads}, through each channel's {@link WatchChannel#catchUp}: runs {@code task} once every
     * channel open now has read every change made on disk before this call (a polling channel polls first); at
     * once when none is open. Never runs if one of them is closed meanwhile.
     */
    void catchUp(Runnable task) {
        List<Source> now = List.copyOf(all);
        if (now.isEmpty()) {
            task.run();
            return;
        }
        AtomicInteger left = new AtomicInteger(now.size());
        for (Source s : now) {
            s.channel.catchUp(() -> {
                if (left.decrementAndGet() == 0) {
                    task.run();
                }
            });
        }
    }

    /** Closes every channel (on the session's executor). */
    void close() {
        for (Source s : all) {
            s.channel.close();
        }
    }
}
