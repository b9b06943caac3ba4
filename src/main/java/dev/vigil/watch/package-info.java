/**
 * File-system events as a Reactor {@link reactor.core.publisher.Flux}.
 *
 * <p>Entry point: {@link dev.vigil.watch.FileWatcher}. Each subscription to
 * {@link dev.vigil.watch.FileWatcher#events()} is one watch session over native OS notifications, recursive by
 * default, filtered by globs and regexes, with renames paired, a bounded coalescing buffer that honours
 * {@code request(n)}, automatic resync when events are lost, and, with a state file, the changes made while no
 * session ran delivered at the next start. Subscribing never blocks; {@code onSubscribe}
 * (or {@link dev.vigil.watch.FileWatcher#ready()}) says the watches are installed. Which OS mechanism serves
 * each platform is listed under "Platform differences" on {@link dev.vigil.watch.FileWatcher}.
 *
 * <pre>{@code
 * FileWatcher watcher = FileWatcher.builder().root(dir).include("logs/*.log").build();
 * Disposable d = watcher.events()
 *         .filter(e -> e.kind() == FileEvent.Kind.MODIFIED)
 *         .subscribe(e -> System.out.println(e.path() + " grew"));
 * // in tests: make changes, then wait until every one of them has been delivered
 * watcher.sync().block(Duration.ofSeconds(5));
 * }</pre>
 *
 * <p>{@link dev.vigil.watch.FileWatcher#close()} ends every stream of a watcher, for owners that shut down. For
 * callback code, {@link dev.vigil.watch.FileSystemWatcher} gives .NET's {@code FileSystemWatcher} shape (listeners
 * for created, changed, deleted, renamed and error; {@code waitForChanged}) on top of {@code FileWatcher}.
 *
 * <p>Errors are typed: {@link dev.vigil.watch.WatchRootException} (bad root),
 * {@link dev.vigil.watch.WatchLimitException} (OS limit reached), {@link dev.vigil.watch.WatchOverflowException}
 * (events lost), {@link dev.vigil.watch.WatchStateException} (unusable state file), all
 * {@link dev.vigil.watch.WatchException}s naming the call, path and OS error.
 */
package dev.vigil.watch;
