package dev.vigil.examples.live;

import dev.vigil.spring.boot.VigilWatchers;
import dev.vigil.watch.FileWatcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * {@code GET /events}: one watch session per client, as server-sent events.
 * <ul>
 *   <li>{@code ready} once the session is established: every change made after the client saw it is delivered.
 *       It is also what makes the response start: a stream with no event yet sends no headers, so a client (or a
 *       {@code WebTestClient} test) would wait for the first change.</li>
 *   <li>{@code change} for each {@code FileEvent} (kind, path, relativePath, previous, directory, root, time).</li>
 *   <li>a comment every {@code live.heartbeat} (default 15 s), so that proxies keep an idle stream open.</li>
 * </ul>
 * The stream completes when the context stops (the watcher is closed first), so a graceful shutdown does not wait
 * for the clients.
 */
@RestController
class EventsController {

    private final VigilWatchers watchers;
    private final Duration heartbeat;

    EventsController(VigilWatchers watchers, @Value("${live.dir}") Path dir,
            @Value("${live.heartbeat:15s}") Duration heartbeat) throws IOException {
        this.watchers = watchers;
        this.heartbeat = heartbeat;
        Files.createDirectories(dir);
    }

    @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<ServerSentEvent<Object>> events() {
        FileWatcher watcher = watchers.watcher("live");
        Sinks.Empty<Void> ended = Sinks.empty();
        Flux<ServerSentEvent<Object>> changes = watchers.events("live")
                .map(e -> ServerSentEvent.<Object>builder(e).event("change").build())
                .doFinally(signal -> ended.tryEmitEmpty());
        // merge subscribes to the changes first: ready() then waits for that very session to be established
        List<String> roots = watcher.roots().stream().map(Path::toString).toList();
        Flux<ServerSentEvent<Object>> readyThenHeartbeats = watcher.ready()
                .thenMany(Flux.concat(
                        Mono.just(ServerSentEvent.<Object>builder(Map.of("roots", roots)).event("ready").build()),
                        Flux.interval(heartbeat).map(i -> ServerSentEvent.<Object>builder().comment("heartbeat").build())))
                .takeUntilOther(ended.asMono());
        return Flux.merge(changes, readyThenHeartbeats);
    }
}
