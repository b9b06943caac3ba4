package dev.vigil.cli;

import dev.vigil.watch.Backend;
import dev.vigil.watch.FileWatcher;
import dev.vigil.watch.WatchRootException;
import dev.vigil.watch.WatchRootException.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Option;

/** What to watch besides the roots, shared by {@code watch} and {@code exec}: filters and backend. */
final class WatchScope {
    @Option(names = "--include", paramLabel = "GLOB",
            description = "Report only paths (relative to their root) matching GLOB: *, **, ?, [..], {a,b}. Repeatable.")
    List<String> includes = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "GLOB",
            description = "Never report paths matching GLOB; a matching directory is not watched at all. Repeatable.")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--regex", paramLabel = "RE",
            description = "Report only paths whose whole relative path matches the Java regex RE. Repeatable.")
    List<String> regexes = new ArrayList<>();

    @Option(names = "--backend", paramLabel = "B", defaultValue = "auto",
            description = "auto (default), inotify, windows, fsevents, watchservice or polling.")
    String backend;

    /** A watcher of {@code roots} with these filters; bad patterns and backend names are {@link UserError}s. */
    FileWatcher build(List<Path> roots) {
        FileWatcher.Builder b = FileWatcher.builder();
        for (Path root : roots) {
            Path r = root.toAbsolutePath().normalize();
            // checked here as well as by the session, so that "ready" is never printed before this error
            if (!Files.exists(r)) {
                throw new UserError(new WatchRootException(r, Reason.MISSING, null).getMessage());
            }
            if (!Files.isDirectory(r)) {
                throw new UserError(new WatchRootException(r, Reason.NOT_A_DIRECTORY, null).getMessage());
            }
            b.root(r);
        }
        includes.forEach(b::include);
        excludes.forEach(b::exclude);
        regexes.forEach(b::includeRegex);
        try {
            b.backend(Backend.fromPropertyValue(backend));
            return b.build();
        } catch (PatternSyntaxException e) {
            throw new UserError(Messages.pattern(e));
        } catch (IllegalArgumentException e) {
            throw new UserError(Messages.oneLine(e));
        }
    }
}
