package dev.vigil.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.watch.internal.polling.PollingBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/** Which backend a watcher gets: the builder's choice, the system property over it, and the errors of both. */
class BackendChoiceTest {

    static final Duration T = Duration.ofSeconds(10);

    @TempDir
    Path root;

    @AfterEach
    void clearProperty() {
        System.clearProperty(Backend.PROPERTY);
    }

    @Test
    void propertyValuesNameEveryBackend() {
        for (Backend b : Backend.values()) {
            assertThat(Backend.fromPropertyValue(" " + b.propertyValue().toUpperCase() + " ")).isSameAs(b);
        }
        assertThat(Backend.WATCH_SERVICE.propertyValue()).isEqualTo("watchservice");
    }

    @Test
    void anUnknownPropertyValueFailsTheBuildListingTheValidOnes() {
        System.setProperty(Backend.PROPERTY, "kqueue");
        assertThatThrownBy(() -> FileWatcher.builder().root(root).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("-Dvigil.watch.backend=kqueue: unknown file-watching backend 'kqueue'; valid values: "
                        + "auto, inotify, windows, fsevents, watchservice, polling");
    }

    @Test
    void theForcedBackendWinsOverTheBuilderAndIsTheOneUsed() throws IOException {
        System.setProperty(Backend.PROPERTY, "polling");
        FileWatcher w = FileWatcher.builder().root(root).backend(Backend.WATCH_SERVICE)
                .pollInterval(Duration.ofMillis(20)).build();
        assertThat(w.backends()).containsExactly(java.util.Map.entry(root, Backend.POLLING));
        long polls = PollingBackend.shared().polls();
        Path a = root.resolve("a");
        StepVerifier.create(w.events())
                .then(() -> assertThat(PollingBackend.shared().openChannels()).isEqualTo(1))
                .then(() -> write(a))
                .expectNextMatches(e -> e.kind() == FileEvent.Kind.CREATED && e.path().equals(a))
                .thenCancel()
                .verify(T);
        assertThat(PollingBackend.shared().polls()).isGreaterThan(polls);
    }

    @Test
    void autoAsAPropertyValueOverridesABuilderChoiceToo() throws IOException {
        System.setProperty(Backend.PROPERTY, "auto");
        FileWatcher w = FileWatcher.builder().root(root).backend(Backend.POLLING).build();
        assertThat(w.backends().get(root)).isNotIn(Backend.AUTO, Backend.POLLING);
    }

    @Test
    void theBuilderChoiceAppliesWhenThePropertyIsNotSet() throws IOException {
        Path other = Files.createDirectory(root.resolve("other"));
        FileWatcher w = FileWatcher.builder().root(root).root(other).backend(Backend.WATCH_SERVICE).build();
        assertThat(w.backends()).containsExactly(java.util.Map.entry(root, Backend.WATCH_SERVICE),
                java.util.Map.entry(other, Backend.WATCH_SERVICE));
        assertThat(w.backends().keySet()).containsExactlyElementsOf(w.roots());
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void autoIsInotifyOnLinux() throws IOException {
        assertThat(FileWatcher.of(root).backends()).containsEntry(root, Backend.INOTIFY);
    }

    @Test
    void aForcedBackendThatDoesNotExistYetFailsTheSessionSayingWhy() {
        System.setProperty(Backend.PROPERTY, "fsevents");
        FileWatcher w = FileWatcher.of(root);
        StepVerifier.create(w.events())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WatchException.class)
                        .hasMessageContaining("'fsevents' (-Dvigil.watch.backend=fsevents) is not available")
                        .hasMessageContaining("FSEvents is macOS only")
                        .hasMessageContaining("unset -Dvigil.watch.backend"))
                .verify(T);
        assertThatThrownBy(w::backends).isInstanceOf(WatchException.class).hasMessageContaining("macOS only");
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void aBackendOfAnotherOsNamedByTheBuilderFailsTheSessionSayingWhy() {
        FileWatcher w = FileWatcher.builder().root(root).backend(Backend.WINDOWS).build();
        StepVerifier.create(w.events())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WatchException.class)
                        .hasMessageContaining("'windows' (FileWatcher.Builder.backend(WINDOWS)) is not available")
                        .hasMessageContaining("Windows only")
                        .hasMessageContaining("choose another Backend"))
                .verify(T);
    }

    @Test
    void pollIntervalIsValidated() {
        FileWatcher.Builder b = FileWatcher.builder();
        for (Duration bad : List.of(Duration.ZERO, Duration.ofMillis(-1), Duration.ofNanos(999_999),
                Duration.ofDays(1).plusNanos(1))) {
            assertThatThrownBy(() -> b.pollInterval(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("pollInterval must be between 1 ms and 1 day, was " + bad);
        }
        assertThatThrownBy(() -> b.pollInterval(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> b.backend((Backend) null)).isInstanceOf(NullPointerException.class);
        b.pollInterval(Duration.ofMillis(1)).pollInterval(Duration.ofDays(1));
    }

    private static void write(Path p) {
        try {
            Files.writeString(p, "x");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
