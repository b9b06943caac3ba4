package dev.vigil.examples.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** The SSE stream over real HTTP: the "ready" event comes first, then the change a test makes. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LiveDirectoryApplicationTest {

    @TempDir
    static Path dir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("live.dir", () -> dir.toString());
    }

    @Autowired
    Environment environment;

    @Test
    void aFileWrittenAfterReadyArrivesAsAChangeEvent() {
        WebTestClient client = WebTestClient.bindToServer()
                .baseUrl("http://localhost:" + environment.getProperty("local.server.port"))
                .responseTimeout(Duration.ofSeconds(10))
                .build();
        Flux<ServerSentEvent<String>> events = client.get().uri("/events")
                .accept(MediaType.TEXT_EVENT_STREAM)
                .exchange()
                .expectStatus().isOk()
                .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                .getResponseBody();
        StepVerifier.create(events)
                .assertNext(e -> {
                    assertThat(e.event()).isEqualTo("ready");
                    assertThat(e.data()).contains(dir.toString());
                })
                .then(() -> write(dir.resolve("hello.txt")))
                .thenConsumeWhile(e -> !"change".equals(e.event()) || !e.data().contains("hello.txt"))
                .assertNext(e -> assertThat(e.data()).contains("\"kind\":\"CREATED\"")
                        .contains("\"relativePath\":\"hello.txt\""))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    static void write(Path file) {
        try {
            Files.writeString(file, "hello");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
