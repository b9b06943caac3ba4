package dev.vigil.crash.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jdk.jfr.Configuration;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;

/**
 * The continuous flight recording started at install: JFR's {@code default} settings, bounded by age and size. The
 * first start of JFR in a JVM costs most of a second, so it starts on the given executor and dumps wait for it.
 */
public final class FlightRing implements AutoCloseable {
    /** The name of the recording, visible in {@code jcmd JFR.check}. */
    public static final String NAME = "vigil-crash-ring";

    private final CompletableFuture<Recording> recording = new CompletableFuture<>();
    private volatile boolean closed;

    /** Starts the recording on {@code executor}. */
    public FlightRing(Duration maxAge, long maxBytes, Executor executor) {
        executor.execute(() -> {
            try {
                if (!FlightRecorder.isAvailable()) {
                    throw new UnsupportedOperationException("JDK Flight Recorder is not available in this JVM");
                }
                Recording r = new Recording(Configuration.getConfiguration("default"));
                r.setName(NAME);
                r.setToDisk(true);
                r.setMaxAge(maxAge);
                r.setMaxSize(maxBytes);
                r.setDumpOnExit(false);
                r.start();
                synchronized (this) {
                    if (closed) {
                        r.close();
                    }
                }
                recording.complete(r);
            } catch (IOException | ParseException | RuntimeException e) {
                recording.completeExceptionally(e);
            }
        });
    }

    /** Waits (bounded) for the recording to run, then copies what it holds to {@code target}. */
    public void dump(Path target, Duration wait) throws IOException {
        Recording r;
        try {
            r = recording.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the flight recording to start");
        } catch (TimeoutException e) {
            throw new IOException("the flight recording did not start within " + wait, e);
        } catch (ExecutionException e) {
            throw new IOException("the flight recording could not be started: " + e.getCause(), e.getCause());
        }
        if (closed) {
            throw new IOException("the flight recording was closed with the reporter");
        }
        r.dump(target);
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        Recording r = recording.getNow(null);
        if (r != null) {
            r.close();
        }
    }
}
