package dev.vigil.cli;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Standard output written in batches: lines go to a buffer, and one flush is queued on a thread of its own when
 * the first line of a batch arrives. Lines that arrive while that flush waits share it, so a burst costs a few
 * writes, and a line that arrives alone is written at once: nothing is held back while idle.
 */
final class LineOutput implements AutoCloseable {
    private final Writer out;
    private final ExecutorService flusher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "vigil-cli-flush");
        t.setDaemon(true);
        return t;
    });
    private boolean flushQueued;
    private IOException failure;

    LineOutput() {
        this(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8));
    }

    LineOutput(Writer out) {
        this.out = new BufferedWriter(out, 1 << 16);
    }

    /** Appends one line; throws the failure of an earlier write (a closed pipe) so the caller can stop. */
    synchronized void line(String text) throws IOException {
        if (failure != null) {
            throw failure;
        }
        out.write(text);
        out.write('\n');
        if (!flushQueued) {
            flushQueued = true;
            flusher.execute(this::flushQueued);
        }
    }

    private synchronized void flushQueued() {
        flushQueued = false;
        try {
            out.flush();
        } catch (IOException e) {
            failure = e;
        }
    }

    /** Writes what is buffered and stops the flush thread. */
    @Override
    public void close() {
        flusher.shutdown();
        synchronized (this) {
            try {
                out.flush();
            } catch (IOException e) {
                failure = e;
            }
        }
    }
}
