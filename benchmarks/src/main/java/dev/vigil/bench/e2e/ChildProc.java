package dev.vigil.bench.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The driver's handle on one child JVM: its pid, its command channel and the events it printed. */
final class ChildProc implements AutoCloseable {

    /** One {@code EV} line. */
    record Ev(String kind, long nanos, String path) {
    }

    final String peer;
    final Process proc;
    final long pid;
    /** {@link System#nanoTime()} right before the process was started. */
    final long spawnNanos;
    private final Writer stdin;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    private final List<Ev> events = new ArrayList<>();
    final List<String> errors = new ArrayList<>();

    private ChildProc(String peer, Process proc, long spawnNanos) {
        this.peer = peer;
        this.proc = proc;
        this.pid = proc.pid();
        this.spawnNanos = spawnNanos;
        this.stdin = new OutputStreamWriter(proc.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::read, "reader-" + peer);
        reader.setDaemon(true);
        reader.start();
    }

    static ChildProc spawn(String peer, List<String> command, Path errLog) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(errLog.toFile());
        long t = System.nanoTime();
        Process p = pb.start();
        return new ChildProc(peer, p, t);
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("EV ")) {
                    int a = line.indexOf(' ', 3);
                    int b = line.indexOf(' ', a + 1);
                    Ev ev = new Ev(line.substring(3, a), Long.parseLong(line.substring(a + 1, b)), line.substring(b + 1));
                    synchronized (events) {
                        events.add(ev);
                    }
                } else if (line.startsWith("ERROR ")) {
                    synchronized (errors) {
                        errors.add(line.substring(6));
                    }
                    System.err.println("[" + peer + "] " + line);
                } else {
                    replies.add(line);
                }
            }
        } catch (IOException e) {
            // process ended
        }
        replies.add("EOF");
    }

    /** The events printed so far (a copy). */
    List<Ev> events() {
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }

    void clearEvents() {
        synchronized (events) {
            events.clear();
        }
    }

    /** Waits for the next reply line; fails on FAIL/EOF/timeout. */
    String await(String prefix, long timeoutMs) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left > 0 ? replies.poll(left, TimeUnit.NANOSECONDS) : null;
            if (line == null) {
                throw new IOException(peer + ": no '" + prefix + "' reply within " + timeoutMs + " ms");
            }
            if (line.startsWith(prefix)) {
                return line;
            }
            if (line.startsWith("FAIL") || line.equals("EOF")) {
                throw new IOException(peer + " child failed: " + line + " (see its stderr log)");
            }
            System.err.println("[" + peer + "] unexpected line: " + line);
        }
    }

    void send(String command) throws IOException {
        stdin.write(command);
        stdin.write('\n');
        stdin.flush();
    }

    String call(String command, String replyPrefix, long timeoutMs) throws IOException, InterruptedException {
        send(command);
        return await(replyPrefix, timeoutMs);
    }

    @Override
    public void close() throws InterruptedException {
        try {
            send("QUIT");
        } catch (IOException e) {
            // already gone
        }
        if (!proc.waitFor(10, TimeUnit.SECONDS)) {
            proc.destroyForcibly();
            proc.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
