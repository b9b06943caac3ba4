package dev.vigil.cli;

import dev.vigil.watch.FileWatcher;
import dev.vigil.watch.WatchRootException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code vigil watch}: prints the changes under the roots, one line each, until SIGINT or SIGTERM. */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Print changes under each DIR (recursively), one line per event, until Ctrl-C or SIGTERM.",
            "Once the watches are installed, 'vigil watch: ready' is printed on stderr: changes made after it are"
                    + " reported. Lost events are reported as OVERFLOW, followed by what a rescan found."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:after SIGINT/SIGTERM, or once every root is gone",
            "1:the watch failed while running", "2:a bad root, pattern or option"})
final class WatchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", arity = "1..*", description = "Directories to watch.")
    List<Path> roots;

    @Mixin
    WatchScope scope;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "json",
            description = "json (default: one object per line: kind, path, previous, directory, root, time) or text.")
    EventFormat format;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        FileWatcher watcher = scope.build(roots);
        PrintWriter err = spec.commandLine().getErr();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        try (LineOutput out = new LineOutput()) {
            Signals.onTerminate(watcher::close);
            watcher.events().subscribe(e -> {
                try {
                    out.line(format.format(e));
                } catch (IOException closedPipe) { // e.g. `vigil watch . | head -n 1`: the reader is gone
                    watcher.close();
                }
            }, e -> {
                failure.set(e);
                ended.countDown();
            }, ended::countDown);
            watcher.ready().block(Duration.ofMinutes(5));
            if (ended.getCount() > 0) {
                err.println("vigil watch: ready, watching " + watcher.roots().stream().map(Path::toString)
                        .collect(Collectors.joining(", ")));
                err.flush();
            }
            ended.await();
        }
        Throwable e = failure.get();
        if (e instanceof WatchRootException) {
            throw new UserError(e.getMessage());
        }
        if (e != null) {
            err.println("vigil watch: " + Messages.oneLine(e));
            return 1;
        }
        return 0;
    }
}
