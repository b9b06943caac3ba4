package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.watch.FileEvent.Kind;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** {@link FileEvent} as tests and web applications use it: equality, relative path, serialisation. */
class FileEventTest {

    static final Path ROOT = Path.of("/w").toAbsolutePath();
    static final Path A = ROOT.resolve("sub/a.txt");

    @Test
    void equalityLeavesTheTimeOutAndComparesTheCauseByTypeAndMessage() {
        FileEvent observed = new FileEvent(Kind.CREATED, A, null, false, ROOT, Instant.now(), null);
        FileEvent expected = new FileEvent(Kind.CREATED, A, null, false, ROOT, Instant.EPOCH, null);
        assertThat(observed).isEqualTo(expected).hasSameHashCodeAs(expected);
        assertThat(observed).isNotEqualTo(new FileEvent(Kind.MODIFIED, A, null, false, ROOT, Instant.EPOCH, null));
        assertThat(observed).isNotEqualTo(new FileEvent(Kind.CREATED, A, null, true, ROOT, Instant.EPOCH, null));
        assertThat(observed).isNotEqualTo(new FileEvent(Kind.CREATED, A, null, false, A.getParent(), Instant.EPOCH, null));

        FileEvent overflow = new FileEvent(Kind.OVERFLOW, ROOT, null, true, ROOT, Instant.now(),
                new WatchOverflowException("queue overflowed", ROOT, null));
        assertThat(overflow).isEqualTo(new FileEvent(Kind.OVERFLOW, ROOT, null, true, ROOT, Instant.EPOCH,
                new WatchOverflowException("queue overflowed", ROOT, null)));
        assertThat(overflow).isNotEqualTo(new FileEvent(Kind.OVERFLOW, ROOT, null, true, ROOT, Instant.EPOCH,
                new WatchOverflowException("something else", ROOT, null)));
    }

    @Test
    void stepVerifierExpectNextWithABuiltEventMatches() {
        FileEvent observed = new FileEvent(Kind.RENAMED, A, ROOT.resolve("a.txt"), false, ROOT, Instant.now(), null);
        StepVerifier.create(Flux.just(observed))
                .expectNext(new FileEvent(Kind.RENAMED, A, ROOT.resolve("a.txt"), false, ROOT, Instant.EPOCH, null))
                .verifyComplete();
    }

    @Test
    void relativePathIsWhatFiltersMatch() {
        FileEvent e = new FileEvent(Kind.CREATED, A, null, false, ROOT, Instant.EPOCH, null);
        assertThat(e.relativePath()).isEqualTo(Path.of("sub", "a.txt"));
        assertThat(e.getRelativePath()).isEqualTo("sub/a.txt");
        assertThat(new FileEvent(Kind.DELETED, ROOT, null, true, ROOT, Instant.EPOCH, null).relativePath().toString())
                .isEmpty();
    }

    @Test
    void serialisesWithItsFieldsWithJackson2And3() throws Exception {
        FileEvent e = new FileEvent(Kind.RENAMED, A, ROOT.resolve("a.txt"), false, ROOT, Instant.EPOCH, null);
        com.fasterxml.jackson.databind.ObjectMapper jackson2 = new com.fasterxml.jackson.databind.ObjectMapper()
                .findAndRegisterModules();
        @SuppressWarnings("unchecked")
        Map<String, Object> v2 = jackson2.readValue(jackson2.writeValueAsString(e), Map.class);
        tools.jackson.databind.ObjectMapper jackson3 = new tools.jackson.databind.ObjectMapper();
        @SuppressWarnings("unchecked")
        Map<String, Object> v3 = jackson3.readValue(jackson3.writeValueAsString(e), Map.class);
        for (Map<String, Object> json : java.util.List.of(v2, v3)) {
            assertThat(json).containsEntry("kind", "RENAMED")
                    .containsEntry("path", A.toString())
                    .containsEntry("relativePath", "sub/a.txt")
                    .containsEntry("previous", ROOT.resolve("a.txt").toString())
                    .containsEntry("directory", false)
                    .containsEntry("root", ROOT.toString())
                    .containsEntry("time", "1970-01-01T00:00:00Z")
                    .containsEntry("cause", null);
        }
    }
}
