/**
 * Vigil: file-system events and crashes as Reactor streams. Only {@code dev.vigil.watch} and
 * {@code dev.vigil.crash} are API; every {@code internal} package may change without notice.
 */
module dev.vigil {
    requires transitive reactor.core;
    requires transitive org.reactivestreams;
    requires com.sun.jna;
    requires com.sun.jna.platform;
    requires java.management;
    requires jdk.management;
    requires jdk.jfr;
    // WatchMetrics and CrashMetrics only; every other class loads without it (NoMicrometerTest). Not transitive: a
    // module that binds them requires micrometer.core itself, and one that does not needs no Micrometer to compile.
    requires static micrometer.core;

    exports dev.vigil.watch;
    exports dev.vigil.crash;

    // JNA reads and writes Structure fields and direct-mapped natives reflectively.
    opens dev.vigil.watch.internal.linux to com.sun.jna;
    opens dev.vigil.watch.internal.linux.jna to com.sun.jna;
    opens dev.vigil.watch.internal.windows to com.sun.jna;
    opens dev.vigil.watch.internal.macos to com.sun.jna;
    opens dev.vigil.crash.internal.windows to com.sun.jna;
}
