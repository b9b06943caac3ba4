package dev.vigil.bench.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The driver's handle on one watcher process: its pid, its command channel and the events it printed. A Java
 * {@link Child} speaks the protocol itself; {@code inotifywait} only prints events, so for it the driver plays the
 * child's part: it stamps each line as it reads it, feeds a {@link Recorder} and answers the commands locally.
 */
final class ChildProc implements AutoCloseable {

    /**
     * One {@code EV} line: {@code nanos} is the watcher's own stamp (for {@code inotifywait}, the driver's reading
     * of its line), {@code received} the driver's {@code nanoTime} when it read the line.
     */
    record Ev(String kind, long nanos, long received, String path) {
    }

    final String peer;
    final Process proc;
    final long pid;
    /** {@link System#nanoTime()} right before the process was started. */
    final long spawnNanos;
    /** {@link System#nanoTime()} when the driver read the child's readiness line. */
    volatile long readyReceived;
    private final Writer stdin;
    /** Not null for a tool that does not speak the protocol ({@code inotifywait}): the driver records for it. */
    private final Recorder local;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    private final List<Ev> events = new ArrayList<>();
    final List<String> errors = new ArrayList<>();

    private ChildProc(String peer, Process proc, long spawnNanos, Path errLog) {
        this.peer = peer;
        this.proc = proc;
        this.pid = proc.pid();
        this.spawnNanos = spawnNanos;
        this.stdin = new OutputStreamWriter(proc.getOutputStream(), StandardCharsets.UTF_8);
        boolean tool = errLog != null;
        this.local = tool ? new Recorder(line -> handle(line, -1)) : null;
        Thread reader = new Thread(tool ? this::readTool : this::read, "reader-" + peer);
        reader.setDaemon(true);
        reader.start();
        if (tool) {
            Thread err = new Thread(() -> readToolErrors(errLog), "stderr-" + peer);
            err.setDaemon(true);
            err.start();
        }
    }

    /** A {@link Child} JVM; its stderr goes to {@code errLog}. */
    static ChildProc spawn(String peer, List<String> command, Path errLog) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(errLog.toFile());
        long t = System.nanoTime();
        Process p = pb.start();
        return new ChildProc(peer, p, t, null);
    }

    /** {@code inotifywait -m --format '%e %w%f' ...}: ready when it says "Watches established." on stderr. */
    static ChildProc spawnTool(String peer, List<String> command, Path errLog) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        long t = System.nanoTime();
        Process p = pb.start();
        return new ChildProc(peer, p, t, errLog);
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                handle(line, System.nanoTime());
            }
        } catch (IOException e) {
            // process ended
        }
        replies.add("EOF");
    }

    private void handle(String line, long received) {
        if (line.startsWith("EV ")) {
            int a = line.indexOf(' ', 3);
            int b = line.indexOf(' ', a + 1);
            long nanos = Long.parseLong(line.substring(a + 1, b));
            // a tool's line is stamped by the driver as it reads it: that stamp is also its receipt
            Ev ev = new Ev(line.substring(3, a), nanos, received < 0 ? nanos : received, line.substring(b + 1));
            synchronized (events) {
                events.add(ev);
            }
        } else if (line.startsWith("ERROR ")) {
            synchronized (errors) {
                errors.add(line.substring(6));
            }
            System.err.println("[" + peer + "] " + line);
        } else {
            if (line.startsWith("READY ")) {
                readyReceived = received;
            }
            replies.add(line);
        }
    }

    /** {@code EVENTS PATH}, events comma-separated ({@code CREATE,ISDIR}, {@code MODIFY}, {@code Q_OVERFLOW}, ...). */
    private void readTool() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                long now = System.nanoTime();
                int sp = line.indexOf(' ');
                String flags = sp < 0 ? line : line.substring(0, sp);
                String path = sp < 0 ? "" : line.substring(sp + 1);
                boolean dir = flags.contains("ISDIR");
                int kind = flags.contains("Q_OVERFLOW") ? Recorder.OVERFLOW
                        : flags.startsWith("CREATE") ? Recorder.CREATED
                        : flags.startsWith("MODIFY") ? Recorder.MODIFIED
                        : flags.startsWith("DELETE") ? Recorder.DELETED
                        : flags.startsWith("MOVED") ? Recorder.RENAMED : -1;
                if (kind >= 0) {
                    local.event(kind, Path.of(path.isEmpty() ? "/" : path), dir, now);
                }
            }
        } catch (IOException e) {
            // process ended
        }
        replies.add("EOF");
    }

    private void readToolErrors(Path errLog) {
        try (InputStream in = proc.getErrorStream();
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
             Writer log = Files.newBufferedWriter(errLog)) {
            String line;
            while ((line = r.readLine()) != null) {
                long now = System.nanoTime();
                log.write(line);
                log.write('\n');
                log.flush();
                if (line.startsWith("Watches established")) {
                    handle("READY " + now + " 0 0", now);
                } else if (line.startsWith("Couldn't") || line.startsWith("Failed")) {
                    replies.add("FAIL " + line);
                }
            }
        } catch (IOException e) {
            // process ended
        }
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
        if (local != null) {
            answerLocally(command);
            return;
        }
        stdin.write(command);
        stdin.write('\n');
        stdin.flush();
    }

    /** The child's part of the protocol, for a tool that only prints events. */
    private void answerLocally(String command) {
        if (command.equals("PING")) {
            replies.add("PONG " + System.nanoTime());
        } else if (command.startsWith("PRINT ")) {
            local.print(command.endsWith("1"));
            replies.add("OK");
        } else if (command.startsWith("RESET")) {
            String p = command.length() > 6 ? command.substring(6).trim() : "";
            local.reset(p.isEmpty() ? null : Path.of(p));
            replies.add("OK");
        } else if (command.equals("STATS")) {
            replies.add(local.stats());
        } else if (command.equals("AGAIN")) {
            replies.add("AGAIN -1");
        } else if (command.equals("QUIT")) {
            proc.destroy();
        }
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
