package dev.vigil.examples.crashservice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Each provoked crash shows up on /actuator/vigil with its dump file, which is on disk. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CrashServiceApplicationTest {

    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() { };

    @TempDir
    static Path dumps;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("vigil.crash.dir", () -> dumps.toString());
    }

    @Autowired
    Environment environment;

    private WebTestClient client;

    @BeforeEach
    void client() {
        client = WebTestClient.bindToServer()
                .baseUrl("http://localhost:" + environment.getProperty("local.server.port"))
                .responseTimeout(Duration.ofSeconds(10))
                .build();
    }

    @Test
    void anUncaughtExceptionIsListedWithItsThreadDump() {
        provokeAndFind("uncaught", "UNCAUGHT_EXCEPTION", "boom-uncaught");
    }

    @Test
    void aDroppedReactorErrorIsListedWithItsThreadDump() {
        provokeAndFind("dropped", "REACTOR_DROPPED_ERROR", null);
    }

    @Test
    void aDeadlockIsListedWithItsThreadDump() {
        Map<String, Object> event = provokeAndFind("deadlock", "DEADLOCK", null);
        assertThat(event.get("message").toString()).contains("boom-deadlock-1").contains("boom-deadlock-2");
    }

    @Test
    @SuppressWarnings("unchecked")
    void healthSaysTheDumpDirectoryIsWritable() {
        Map<String, Object> health = get("/actuator/health");
        @SuppressWarnings("unchecked")
        Map<String, Object> vigil = (Map<String, Object>) ((Map<String, Object>) health.get("components")).get("vigil");
        assertThat(vigil).containsEntry("status", "UP");
        assertThat((Map<String, Object>) vigil.get("details")).containsEntry("dumpDirectoryWritable", true)
                .containsEntry("dumpDirectory", dumps.toString());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> provokeAndFind(String what, String kind, String thread) {
        client.post().uri("/boom/" + what).exchange().expectStatus().isOk();
        Map<String, Object>[] found = new Map[1];
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<String, Object> crash = (Map<String, Object>) get("/actuator/vigil").get("crash");
            List<Map<String, Object>> events = (List<Map<String, Object>>) crash.get("events");
            Map<String, Object> event = events.stream().filter(e -> kind.equals(e.get("kind"))).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + kind + " in " + events));
            List<Map<String, Object>> eventDumps = (List<Map<String, Object>>) event.get("dumps");
            assertThat(eventDumps).as("dumps of %s", event).isNotEmpty();
            Map<String, Object> dump = eventDumps.get(0);
            assertThat(dump).containsEntry("format", "THREAD_DUMP");
            assertThat(Path.of((String) dump.get("path"))).isRegularFile().hasParentRaw(dumps);
            assertThat(dump.get("name").toString()).startsWith("crash-service_");
            List<Map<String, Object>> files = (List<Map<String, Object>>) crash.get("files");
            assertThat(files).extracting(f -> f.get("name")).contains(dump.get("name"));
            found[0] = event;
        });
        if (thread != null) {
            assertThat(found[0]).containsEntry("thread", thread);
        }
        return found[0];
    }

    private Map<String, Object> get(String path) {
        return client.get().uri(path).exchange().expectStatus().isOk().expectBody(JSON).returnResult()
                .getResponseBody();
    }
}
