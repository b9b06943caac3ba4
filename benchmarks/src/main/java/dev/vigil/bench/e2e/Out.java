package dev.vigil.bench.e2e;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** The child's protocol channel: whole lines on stdout, flushed one by one, from any thread. */
final class Out {
    private final OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);

    synchronized void line(String s) {
        try {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            // the driver went away: nothing sensible left to do
            Runtime.getRuntime().halt(3);
        }
    }
}
