package dev.vigil.smoke;

import dev.vigil.crash.CrashEvent;
import dev.vigil.crash.CrashReporter;
import dev.vigil.crash.CrashReporterOptions;
import dev.vigil.crash.DumpFile;
import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileWatcher;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Run by {@code ModulePathTest} in a child JVM whose module path holds Vigil, Reactor and JNA: watches a directory
 * (native backend through JNA, ready, sync), installs and closes the crash reporter, and checks that close put back
 * the uncaught-exception handler and Reactor's dropped-error hook it found. Prints {@code OK} or exits non-zero with
 * what failed.
 */
public final class Smoke {
    private static final Duration T = Duration.ofSeconds(30);

    private Smoke() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        check(FileWatcher.class.getModule().isNamed() && Smoke.class.getModule().isNamed(),
                "not on the module path: " + FileWatcher.class.getModule() + ", " + Smoke.class.getModule());
        watch(dir.resolve("watched"));
        crash(dir.resolve("dumps"));
        System.out.println("OK");
    }

    private static void watch(Path root) throws Exception {
        Files.createDirectories(root);
        FileWatcher watcher = FileWatcher.of(root);
        BlockingQueue<FileEvent> events = new LinkedBlockingQueue<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Disposable subscription = watcher.events().subscribe(events::add, errors::add);
        watcher.ready().block(T);
        Path file = Files.writeString(root.resolve("hello.txt"), "hi");
        watcher.sync().block(T);
        subscription.dispose();
        check(errors.isEmpty(), "the watch failed: " + errors);
        check(events.stream().anyMatch(e -> e.kind() == FileEvent.Kind.CREATED && e.path().equals(file)),
                "no CREATED " + file + " after sync; got " + events);
    }

    private static void crash(Path dumps) throws Exception {
        Thread.UncaughtExceptionHandler mine = (t, e) -> { };
        Thread.setDefaultUncaughtExceptionHandler(mine);
        List<Throwable> droppedToMine = new CopyOnWriteArrayList<>();
        Consumer<Throwable> myHook = droppedToMine::add;
        Hooks.onErrorDropped(myHook);
        Object hookBefore = droppedHook();

        CrashReporter reporter = CrashReporter.install(CrashReporterOptions.defaults().withDumpDirectory(dumps)
                .withAutomaticDumps(Set.of(DumpFile.Format.THREAD_DUMP)).withFlightRecorder(false));
        BlockingQueue<CrashEvent> events = new LinkedBlockingQueue<>();
        Disposable subscription = reporter.events().subscribe(events::add);
        Thread dying = new Thread(() -> {
            throw new IllegalStateException("smoke: uncaught");
        }, "smoke-dying");
        dying.start();
        dying.join(T.toMillis());
        CrashEvent uncaught = events.poll(T.toSeconds(), TimeUnit.SECONDS);
        check(uncaught != null && uncaught.kind() == CrashEvent.Kind.UNCAUGHT_EXCEPTION,
                "no UNCAUGHT_EXCEPTION event; got " + uncaught);
        DumpFile dump = uncaught.dump().block(T);
        check(dump != null && Files.size(dump.path()) > 0, "no thread dump for the uncaught exception: " + dump);
        Operators.onErrorDropped(new IllegalStateException("smoke: dropped"), Context.empty());
        CrashEvent dropped = events.poll(T.toSeconds(), TimeUnit.SECONDS);
        check(dropped != null && dropped.kind() == CrashEvent.Kind.REACTOR_DROPPED_ERROR,
                "no REACTOR_DROPPED_ERROR event; got " + dropped);
        check(droppedToMine.size() == 1, "the hook in place before install was not chained: " + droppedToMine);
        subscription.dispose();
        reporter.close();

        check(Thread.getDefaultUncaughtExceptionHandler() == mine,
                "close left " + Thread.getDefaultUncaughtExceptionHandler() + " as the uncaught-exception handler");
        check(droppedHook() == hookBefore, "close left " + droppedHook() + " as Reactor's dropped-error hook instead of "
                + hookBefore);
    }

    /** Reactor's current dropped-error hook (Reactor is an automatic module: its packages are open). */
    private static Object droppedHook() throws ReflectiveOperationException {
        Field f = Hooks.class.getDeclaredField("onErrorDroppedHook");
        f.setAccessible(true);
        return f.get(null);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.out.println("FAILED " + what);
            System.exit(2);
        }
    }
}
