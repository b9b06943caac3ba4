package dev.vigil.examples.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * Closing the context while a client holds the event stream open: the watcher is closed before the web server's
 * graceful shutdown, the stream completes, and the close takes well under the 30 s shutdown timeout.
 */
class GracefulShutdownTest {

    @TempDir
    Path dir;

    private ConfigurableApplicationContext context;

    @AfterEach
    void close() {
        if (context != null) {
            context.close();
        }
    }

    @RepeatedTest(3)
    void closingWithALiveStreamDoesNotWaitForTheShutdownTimeout() {
        context = new SpringApplicationBuilder(LiveDirectoryApplication.class)
                .properties("server.port=0", "server.shutdown=graceful", "live.dir=" + dir)
                .run();
        int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
        Flux<ServerSentEvent<String>> events = WebClient.create("http://localhost:" + port).get().uri("/events")
                .accept(MediaType.TEXT_EVENT_STREAM)
                .retrieve()
                .bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() { });
        long[] took = new long[1];
        StepVerifier.create(events)
                .assertNext(e -> assertThat(e.event()).isEqualTo("ready"))
                .then(() -> {
                    long start = System.nanoTime();
                    context.close();
                    took[0] = System.nanoTime() - start;
                })
                .expectComplete()
                .verify(Duration.ofSeconds(20));
        assertThat(Duration.ofNanos(took[0])).isLessThan(Duration.ofSeconds(5));
    }
}
