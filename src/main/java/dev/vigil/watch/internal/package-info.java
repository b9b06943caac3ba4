/**
 * The watch machinery behind {@code dev.vigil.watch}; not exported. Classes here are {@code public} only where a
 * backend package or the public API must reach them (the SPI, {@link dev.vigil.watch.internal.FluxWatch},
 * {@link dev.vigil.watch.internal.WatchSpec}, {@link dev.vigil.watch.internal.PathFilter}).
 *
 * <h2>Layers</h2>
 * <pre>
 *  OS ──► backend (reader thread) ──RawEvent batches──► WatchSession (its Serial executor) ──► EventBuffer ──► FluxWatch
 *          one per JVM per backend      bounded hand-over    │ Tree         model + watches               delivery on the
 *          reads and routes only                             │ RenamePairer rename halves, timed          request thread
 *                                                            │ Resync       dirty subtrees, rescans       or a delivery thread
 *                                                            └ emit()       the one output path
 * </pre>
 * SPI: {@link dev.vigil.watch.internal.WatchBackend} (with its
 * {@link dev.vigil.watch.internal.WatchBackend.Capabilities}: per-directory or recursive, and how renames pair),
 * {@link dev.vigil.watch.internal.WatchChannel}, {@link dev.vigil.watch.internal.RawEventListener},
 * {@link dev.vigil.watch.internal.RawEvent}. Nothing above the backends names an operating system: a backend says
 * itself when a root's file system would hide changes from it ({@code WatchBackend.cannotWatch}), and
 * {@link dev.vigil.watch.internal.Backends} then gives that root to polling. A session holds one channel per backend
 * its roots use ({@code Sources}); each directory of its tree is watched through its root's channel, or through the
 * polling one past a watch limit when asked to.
 *
 * <h2>The threading rule</h2>
 * <ol>
 *   <li>A backend's reader thread only reads the OS and hands batches over; it runs no scan, no model update and
 *       no subscriber code. ({@code FakeWatchBackend} fails a test that adds or removes a watch on it.)</li>
 *   <li>A session's state (tree, pairer, resync) belongs to its {@link dev.vigil.watch.internal.WatchThreads.Serial}
 *       executor on the bounded work pool; {@code WatchSession} asserts it.</li>
 *   <li>Subscriber code ({@code onSubscribe}, {@code onNext}, barrier callbacks) runs on the subscriber's own
 *       {@code request} thread or on an elastic delivery thread, never on a reader thread or a session's executor: a
 *       subscriber that blocks holds up only itself.</li>
 *   <li>The subscribing thread only registers the session and queues its establishment: it never blocks.</li>
 * </ol>
 */
package dev.vigil.watch.internal;
