package dev.vigil.bench.e2e;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A child JVM running one peer: {@code Child vigil|jdk|none ROOT}. It establishes the watch at once and prints
 * {@code READY <readyNanos> <mainNanos> <startCallNanos>}, then serves commands on stdin, one per line:
 * <ul>
 *   <li>{@code PING} → {@code PONG <nanoTime>} (clock check);</li>
 *   <li>{@code PRINT 1|0} → {@code OK}: print (or not) one {@code EV <kind> <nanoTime> <path>} line per event;</li>
 *   <li>{@code RESET [prefix]} → {@code OK}: zero the counters; collect created paths under prefix;</li>
 *   <li>{@code STATS} → {@code STATS key=value...};</li>
 *   <li>{@code AGAIN} → {@code AGAIN <nanos>}: a second watcher of ROOT started in this JVM, its start call to ready
 *   ({@code -1}: not supported or failed);</li>
 *   <li>{@code QUIT}: stop watching and exit.</li>
 * </ul>
 * Nothing else is printed on stdout except {@code FAIL <why>} (start failed, then exit 2) and
 * {@code ERROR <why>} (the watch failed later). Diagnostics go to stderr.
 */
public final class Child {

    private Child() {
    }

    public static void main(String[] args) throws Exception {
        long mainNanos = System.nanoTime();
        Out out = new Out();
        if (args.length != 2) {
            out.line("FAIL usage: Child vigil|jdk|none ROOT");
            System.exit(2);
        }
        Recorder rec = new Recorder(out::line);
        Peer peer;
        if (args[0].equals("vigil")) {
            peer = VigilPeer.create();
        } else if (args[0].equals("jdk")) {
            peer = JdkPeer.create();
        } else if (args[0].equals("none")) {
            peer = NonePeer.create();
        } else {
            out.line("FAIL unknown peer " + args[0]);
            System.exit(2);
            return;
        }
        Path root = Path.of(args[1]);
        long startCall = System.nanoTime();
        try {
            peer.start(root, rec);
        } catch (Throwable t) {
            out.line("FAIL " + String.valueOf(t).replace('\n', ' '));
            t.printStackTrace();
            System.exit(2);
        }
        long ready = System.nanoTime();
        out.line("READY " + ready + " " + mainNanos + " " + startCall);
        if (Boolean.getBoolean("bench.timings")) {
            System.err.println("[child " + args[0] + "] main->start " + (startCall - mainNanos) / 1000 + " us, start->ready "
                    + (ready - startCall) / 1000 + " us");
        }

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("PING")) {
                out.line("PONG " + System.nanoTime());
            } else if (line.startsWith("PRINT ")) {
                rec.print(line.endsWith("1"));
                out.line("OK");
            } else if (line.startsWith("RESET")) {
                String p = line.length() > 6 ? line.substring(6).trim() : "";
                rec.reset(p.isEmpty() ? null : Path.of(p));
                out.line("OK");
            } else if (line.equals("STATS")) {
                out.line(rec.stats());
            } else if (line.equals("AGAIN")) {
                try {
                    out.line("AGAIN " + peer.startAgain(root));
                } catch (Throwable t) {
                    out.line("AGAIN -1");
                    t.printStackTrace();
                }
            } else if (line.equals("QUIT")) {
                break;
            } else {
                System.err.println("unknown command: " + line);
            }
        }
        peer.close();
        System.exit(0);
    }
}
