package dev.vigil.cli;

import dev.vigil.watch.FileWatcher;
import dev.vigil.watch.WatchRootException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/** {@code vigil exec}: runs a command whenever files change, watchexec's job. */
@Command(name = "exec", mixinStandardHelpOptions = true,
        description = {"Run CMD each time files change under the watched directories, once the changes have"
                + " paused for the debounce period. CMD's output goes to the terminal; each run's exit status is"
                + " reported on stderr. 'vigil exec: ready' on stderr says the watches are installed."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:after SIGINT/SIGTERM (the running CMD is stopped first)",
            "1:the watch failed while running", "2:a bad root, pattern or option"})
final class ExecCommand implements Callable<Integer> {
    @Option(names = {"-w", "--watch"}, paramLabel = "DIR",
            description = "A directory to watch (recursively). Repeatable; default: the current directory.")
    List<Path> roots = new ArrayList<>();

    @Option(names = "--debounce", paramLabel = "DURATION", defaultValue = "100ms", converter = Durations.class,
            description = "Quiet period after the last change before CMD runs (default 100ms).")
    Duration debounce;

    @Option(names = {"-r", "--restart"},
            description = "Stop a running CMD when files change and start it again. Without it, changes during a"
                    + " run queue one more run.")
    boolean restart;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "2s", converter = Durations.class,
            description = "How long a CMD stopped by --restart or Ctrl-C has after SIGTERM before SIGKILL (default 2s).")
    Duration grace;

    @Option(names = {"-v", "--verbose"},
            description = "Say on stderr what each change (the last of its quiet period) does: start, queue or stop a run.")
    boolean verbose;

    @Mixin
    WatchScope scope;

    @Parameters(paramLabel = "CMD", arity = "1..*", description = "The command and its arguments, after --.")
    List<String> command;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        FileWatcher watcher = scope.build(roots.isEmpty() ? List.of(Path.of("")) : roots);
        PrintWriter err = spec.commandLine().getErr();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        try (Runner runner = new Runner(command, restart, grace, err, verbose)) {
            Signals.onTerminate(() -> {
                runner.refuse();
                watcher.close();
            });
            Disposable watch = watcher.events()
                    .switchMap(e -> Mono.delay(debounce).thenReturn(e)) // each change restarts the quiet period
                    .subscribe(e -> runner.trigger(e.kind() + " " + e.path()), e -> {
                        failure.set(e);
                        ended.countDown();
                    }, ended::countDown);
            watcher.ready().block(Duration.ofMinutes(5));
            if (ended.getCount() > 0) {
                err.println("vigil exec: ready, watching " + watcher.roots());
                err.flush();
            }
            ended.await();
            watch.dispose();
        }
        Throwable e = failure.get();
        if (e instanceof WatchRootException) {
            throw new UserError(e.getMessage());
        }
        if (e != null) {
            err.println("vigil exec: " + Messages.oneLine(e));
            return 1;
        }
        return 0;
    }
}
