package dev.vigil.examples;

import dev.vigil.crash.CrashEvent;
import dev.vigil.crash.CrashReporter;
import dev.vigil.crash.CrashReporterOptions;
import dev.vigil.crash.DumpFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import reactor.core.scheduler.Schedulers;

/**
 * The 2011 {@code minidumper} idea on the JVM: install a reporter, let a task fail on a Reactor worker (an error
 * that never reaches the default uncaught-exception handler), and print the event with the dump it made
 * ({@code demo_<yyyyMMdd-HHmmss>.tdump}) in a temp directory.
 * Run it with {@code mvn -q test-compile exec:java -Dexec.mainClass=dev.vigil.examples.CrashDemo
 * -Dexec.classpathScope=test}.
 */
public final class CrashDemo {
    private CrashDemo() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("vigil-crash-demo");
        try (CrashReporter reporter = CrashReporter.install(CrashReporterOptions.defaults()
                .withName("demo")
                .withDumpDirectory(dir))) {
            reporter.events()
                    .subscribe(e -> System.out.println("crash: " + e.kind() + " on " + e.thread().orElse("?") + ": "
                            + e.message()));
            Schedulers.single().schedule(() -> {
                throw new IllegalStateException("the demo task gave up");
            });
            // the replaying stream hands the event to this late subscriber too
            CrashEvent event = reporter.events().filter(e -> e.kind() == CrashEvent.Kind.REACTOR_SCHEDULER_ERROR)
                    .blockFirst(Duration.ofSeconds(10));
            DumpFile threads = event.dump(DumpFile.Format.THREAD_DUMP).block(Duration.ofSeconds(10));
            System.out.println("thread dump: " + threads.path() + " (" + threads.size() + " bytes)");
        }
        try (var files = Files.list(dir)) {
            files.forEach(f -> System.out.println("left in " + dir + ": " + f.getFileName()));
        }
    }
}
