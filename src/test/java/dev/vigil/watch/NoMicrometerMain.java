package dev.vigil.watch;

import dev.vigil.crash.CrashEvent;
import dev.vigil.crash.CrashReporter;
import dev.vigil.crash.CrashReporterOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/** Run by {@link NoMicrometerTest} in a JVM without Micrometer: args root and dump directory; exit 0 when all ran. */
public final class NoMicrometerMain {

    private NoMicrometerMain() {
    }

    public static void main(String[] args) throws Exception {
        try {
            Class.forName("io.micrometer.core.instrument.MeterRegistry");
            System.out.println("micrometer present: the test's class path is wrong");
            System.exit(2);
        } catch (ClassNotFoundException expected) {
            System.out.println("micrometer absent");
        }
        Duration wait = Duration.ofSeconds(20);
        Path root = Files.createDirectories(Path.of(args[0]));
        try (FileWatcher watcher = FileWatcher.of(root)) {
            var first = watcher.events().next().toFuture();
            watcher.ready().block(wait);
            Files.writeString(root.resolve("f"), "x");
            FileEvent e = first.get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            System.out.println("watched " + e.kind() + " " + e.path().getFileName());
        }
        Hooks.onErrorDropped(e -> { });
        try (CrashReporter reporter = CrashReporter.install(CrashReporterOptions.defaults()
                .withDumpDirectory(Path.of(args[1])).withFlightRecorder(false).withPostMortemScan(false))) {
            var first = reporter.events().next().toFuture();
            Operators.onErrorDropped(new IllegalStateException("no metrics"), Context.empty());
            CrashEvent e = first.get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            System.out.println("crash " + e.kind() + " " + e.dump().block(wait).format());
        }
        try {
            Class.forName("dev.vigil.watch.WatchMetrics").getConstructor(FileWatcher[].class)
                    .newInstance((Object) new FileWatcher[] {FileWatcher.of(root)});
            System.out.println("WatchMetrics loaded without Micrometer?");
            System.exit(3);
        } catch (NoClassDefFoundError expected) {
            System.out.println("WatchMetrics unloadable: NoClassDefFoundError");
        }
        System.exit(0);
    }
}
