/**
 * Crash reporting for the JVM, as Reactor streams: the JVM-era {@code minidumper}.
 *
 * <p>{@link dev.vigil.crash.CrashReporter#install(dev.vigil.crash.CrashReporterOptions)} reports this JVM's
 * crashes (uncaught exceptions, Reactor's dropped and scheduler errors, out-of-memory errors, deadlocks, stalls) and
 * the files dead JVMs left (post-mortem) as a hot {@code Flux<CrashEvent>}; every {@link dev.vigil.crash.CrashEvent}
 * gives its dumps ({@link dev.vigil.crash.DumpFile}: thread dump, flight recording, heap dump, Windows minidump,
 * {@code hs_err} report, core) as a {@code Mono}. {@link dev.vigil.crash.CrashSupervisor} launches a JVM as a child
 * with crash flags and turns its death into events: the only honest way to see a native crash as it happens, since
 * Vigil never takes a fault signal away from HotSpot.
 *
 * <pre>{@code
 * try (CrashReporter reporter = CrashReporter.install(CrashReporterOptions.defaults().withName("example"))) {
 *     reporter.events().subscribe(e -> alert(e.kind() + ": " + e.message()));
 *     runTheApplication();
 * }
 * }</pre>
 */
package dev.vigil.crash;
