package dev.vigil.watch.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.watch.Backend;
import dev.vigil.watch.WatchException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The early probe that {@code FileWatcher.Builder.build()} starts: one short-lived daemon thread that fails nothing. */
class BackendsPrepareTest {

    @AfterEach
    void clearProperty() {
        System.clearProperty(Backend.PROPERTY);
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void theProbeRunsOnADaemonThreadThatEndsWithTheBackendProbed() throws Exception {
        Thread t = Backends.startProbe(Backend.AUTO);
        assertThat(t.getName()).isEqualTo("vigil-probe");
        assertThat(t.isDaemon()).isTrue();
        t.join(30_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(Backends.select(Backend.AUTO).kind()).isEqualTo(Backend.INOTIFY);
    }

    @Test
    void aBackendThatIsNotAvailableEndsTheProbeQuietlyAndTheSessionsOwnChoiceStillSaysWhy() throws Exception {
        System.setProperty(Backend.PROPERTY, "fsevents");
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Throwable[] uncaught = new Throwable[1];
        Thread.setDefaultUncaughtExceptionHandler((th, e) -> uncaught[0] = e);
        try {
            Thread t = Backends.startProbe(Backend.AUTO);
            t.join(30_000);
            assertThat(t.isAlive()).isFalse();
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
        assertThat(uncaught[0]).isNull();
        assertThatThrownBy(() -> Backends.select(Backend.AUTO)).isInstanceOf(WatchException.class)
                .hasMessageContaining("not implemented yet");
    }
}
