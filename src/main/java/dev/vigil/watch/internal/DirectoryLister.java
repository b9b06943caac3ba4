package dev.vigil.watch.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists a directory's entries with their type, symbolic links not followed. Backends may supply a faster one
 * than {@link #JDK} (e.g. one that reads the type from the directory itself instead of a {@code stat} per entry).
 * Called on the backend's loop thread only.
 */
public interface DirectoryLister {

    /** Receives one entry. */
    interface Sink {
        /**
         * @param name the entry's name as UTF-8 in {@code name[off, off+len)}; only valid during the call
         * @param directory a real directory, not a link to one
         */
        void entry(byte[] name, int off, int len, boolean directory);
    }

    /**
     * Calls {@code sink} once per entry (never for {@code .} and {@code ..}).
     *
     * @throws NoSuchFileException when {@code dir} vanished
     * @throws java.nio.file.NotDirectoryException when it is not a directory
     * @throws java.nio.file.AccessDeniedException when it cannot be read
     * @throws IOException any other failure, naming the call and the OS error
     */
    void list(Path dir, Sink sink) throws IOException;

    /**
     * The portable lister: {@link Files#newDirectoryStream} plus one attribute read per entry. The directory is open
     * only while its names are read, not while attributes are: on Windows an open handle on a directory can make a
     * concurrent rename or deletion of it fail (under Wine it does).
     */
    DirectoryLister JDK = (dir, sink) -> {
        List<Path> listed = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(listed::add);
        }
        for (Path p : listed) {
            try {
                byte[] name = p.getFileName().toString().getBytes(StandardCharsets.UTF_8);
                sink.entry(name, 0, name.length,
                        Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isDirectory());
            } catch (NoSuchFileException gone) {
                // deleted since it was listed: its event follows
            }
        }
    };
}
