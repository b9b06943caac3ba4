package dev.vigil.bench.e2e;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileWatcher;
import java.nio.file.Path;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/** Vigil: one recursive {@link FileWatcher} on the root, subscribed with unbounded demand. */
final class VigilPeer implements Peer {
    private Sub sub;

    static Peer create() {
        return new VigilPeer();
    }

    @Override
    public void start(Path root, Recorder recorder) throws Exception {
        FileWatcher watcher = FileWatcher.builder().root(root).build();
        sub = new Sub(recorder);
        // Readiness: subscribe() returns at once; onSubscribe comes once every watch is installed and the tree listed.
        watcher.events().subscribe(sub);
        if (!sub.subscribed.await(5, java.util.concurrent.TimeUnit.MINUTES)) {
            throw new Exception("Vigil did not signal onSubscribe within 5 minutes");
        }
        if (sub.early != null) {
            throw new Exception("Vigil failed to start: " + sub.early, sub.early);
        }
        sub.started = true;
    }

    @Override
    public long startAgain(Path root) throws Exception {
        VigilPeer other = new VigilPeer();
        long t0 = System.nanoTime();
        other.start(root, new Recorder(line -> { }));
        long t1 = System.nanoTime();
        other.close();
        return t1 - t0;
    }

    @Override
    public void close() {
        if (sub != null) {
            sub.dispose();
        }
    }

    private static final class Sub extends BaseSubscriber<FileEvent> {
        private final Recorder rec;
        volatile boolean started;
        volatile Throwable early;
        final java.util.concurrent.CountDownLatch subscribed = new java.util.concurrent.CountDownLatch(1);

        Sub(Recorder rec) {
            this.rec = rec;
        }

        @Override
        protected void hookOnSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
            if (s != reactor.core.publisher.Operators.emptySubscription()) { // a failure: onError follows
                subscribed.countDown();
            }
        }

        @Override
        protected void hookOnNext(FileEvent e) {
            long now = System.nanoTime();
            int kind;
            switch (e.kind()) {
                case CREATED: kind = Recorder.CREATED; break;
                case MODIFIED: kind = Recorder.MODIFIED; break;
                case DELETED: kind = Recorder.DELETED; break;
                case RENAMED: kind = Recorder.RENAMED; break;
                default: kind = Recorder.OVERFLOW; break;
            }
            rec.event(kind, e.path(), e.isDirectory(), now);
        }

        @Override
        protected void hookOnError(Throwable t) {
            if (started) {
                rec.error(t);
            } else {
                early = t;
                subscribed.countDown();
            }
        }
    }
}
