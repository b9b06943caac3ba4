package dev.vigil.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.examples.ConfigReload.Applied;
import dev.vigil.examples.ConfigReload.Rejected;
import dev.vigil.examples.ConfigReload.Result;
import dev.vigil.examples.ConfigReload.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * {@link ConfigReload} on real files with the machine's backend. The quiet period runs in virtual time: each test
 * saves, waits for {@link ConfigReload#sync()} (every event has reached the debounce), then advances the clock, so
 * that "one burst, one reload" is exact and no timing of the machine matters.
 */
class ConfigReloadTest {
    private static final Duration QUIET = Duration.ofMillis(200);

    @TempDir
    Path dir;

    private Path conf;
    private final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    private final BlockingQueue<Result<ServerConfig>> results = new LinkedBlockingQueue<>();
    private ConfigReload<ServerConfig> reload;
    private Disposable subscription;

    @BeforeEach
    void start() throws Exception {
        conf = dir.resolve("server.conf");
        Files.writeString(conf, "host = localhost\nport = 8080\n");
        reload = ConfigReload.builder(conf, ServerConfig::parse).quietPeriod(QUIET).scheduler(clock).build();
        subscription = reload.results().subscribe(results::add);
        assertThat(next()).isEqualTo(applied("localhost", 8080));
    }

    @AfterEach
    void stop() {
        subscription.dispose();
        clock.dispose();
    }

    @Test
    void anAtomicSaveWriteTemporaryThenRenameOverIsOneReload() throws Exception {
        Path tmp = dir.resolve("server.conf.tmp");
        Files.writeString(tmp, "host = localhost\nport = 8081\n");
        Files.move(tmp, conf, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertThat(afterQuietPeriod()).isEqualTo(applied("localhost", 8081));
        assertNothingMore();
    }

    @Test
    void vimsBackupRenameDanceIsOneReload() throws Exception {
        // vim with 'writebackup' and 'backupcopy=no': probe the directory, rename the original to the backup name,
        // write a new file, delete the backup
        Files.writeString(dir.resolve("4913"), "");
        Files.delete(dir.resolve("4913"));
        Path backup = dir.resolve("server.conf~");
        Files.move(conf, backup);
        Files.writeString(conf, "host = 0.0.0.0\n");
        Files.writeString(conf, "port = 9000\ntimeout = PT5S\n", java.nio.file.StandardOpenOption.APPEND);
        Files.delete(backup);
        assertThat(afterQuietPeriod()).isEqualTo(new Applied<>(new ServerConfig("0.0.0.0", 9000, Duration.ofSeconds(5))));
        assertNothingMore();
    }

    @Test
    void deleteThenCreateIsOneReload() throws Exception {
        Files.delete(conf);
        Files.writeString(conf, "host = ::1\nport = 8084\n");
        assertThat(afterQuietPeriod()).isEqualTo(applied("::1", 8084));
        assertNothingMore();
    }

    @Test
    void aBadFileKeepsTheLastGoodConfigurationAndSaysWhyThenTheFixIsApplied() throws Exception {
        Files.writeString(conf, "host = localhost\nport = 80800\n");
        Result<ServerConfig> bad = afterQuietPeriod();
        assertThat(bad).isInstanceOf(Rejected.class);
        Rejected<ServerConfig> rejected = (Rejected<ServerConfig>) bad;
        assertThat(rejected.reason()).contains(conf.toString()).contains("'port' must be between 1 and 65535, was 80800");
        assertThat(rejected.kept()).contains(new ServerConfig("localhost", 8080, Duration.ofSeconds(30)));
        assertThat(reload.current()).contains(new ServerConfig("localhost", 8080, Duration.ofSeconds(30)));

        Files.writeString(conf, "host = localhost\nport 8082\n");
        assertThat(afterQuietPeriod()).isEqualTo(new Rejected<>(conf + ": line 2: expected 'key = value', found 'port 8082'",
                Optional.of(new ServerConfig("localhost", 8080, Duration.ofSeconds(30)))));

        Files.writeString(conf, "host = localhost\nport = 8082\n");
        assertThat(afterQuietPeriod()).isEqualTo(applied("localhost", 8082));
        assertThat(reload.current()).contains(new ServerConfig("localhost", 8082, Duration.ofSeconds(30)));
        assertNothingMore();
    }

    @Test
    void aFileDeletedAndNotRecreatedIsRejectedAndTheConfigurationKept() throws Exception {
        Files.delete(conf);
        Result<ServerConfig> r = afterQuietPeriod();
        assertThat(r).isInstanceOf(Rejected.class);
        assertThat(((Rejected<ServerConfig>) r).reason()).contains("does not exist");
        assertThat(reload.current()).contains(new ServerConfig("localhost", 8080, Duration.ofSeconds(30)));
    }

    @Test
    void aBurstOfWritesIsMergedIntoOneReloadOfTheLastContent() throws Exception {
        for (int port = 9001; port <= 9010; port++) {
            Files.writeString(conf, "host = localhost\nport = " + port + "\n");
            reload.sync().block(Duration.ofSeconds(10)); // each write is seen apart from the others
        }
        clock.advanceTimeBy(QUIET.minusMillis(1));
        assertThat(results).as("nothing before the quiet period has passed").isEmpty();
        clock.advanceTimeBy(Duration.ofMillis(1));
        assertThat(next()).isEqualTo(applied("localhost", 9010));
        assertNothingMore();
    }

    @Test
    void entriesAreParsedWithLineNumbersInErrors() {
        assertThat(ConfigReload.entries("# comment\n\n a = 1 \nb=two words\n"))
                .containsExactly(java.util.Map.entry("a", "1"), java.util.Map.entry("b", "two words"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigReload.entries("a = 1\na = 2\n"))
                .hasMessage("line 2: 'a' is set twice");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerConfig.parse(ConfigReload.entries("host=h\nprot=1\n")))
                .hasMessage("unknown key 'prot' (known: host, port, timeout)");
    }

    private static Applied<ServerConfig> applied(String host, int port) {
        return new Applied<>(new ServerConfig(host, port, Duration.ofSeconds(30)));
    }

    /** Waits until every change has reached the debounce, lets the quiet period pass, and takes the one reload. */
    private Result<ServerConfig> afterQuietPeriod() throws InterruptedException {
        reload.sync().block(Duration.ofSeconds(10));
        clock.advanceTimeBy(QUIET);
        return next();
    }

    private void assertNothingMore() throws InterruptedException {
        reload.sync().block(Duration.ofSeconds(10));
        clock.advanceTimeBy(QUIET);
        assertThat(results.poll(50, TimeUnit.MILLISECONDS)).as("one burst, one reload").isNull();
    }

    private Result<ServerConfig> next() throws InterruptedException {
        Result<ServerConfig> r = results.poll(10, TimeUnit.SECONDS);
        assertThat(r).as("a reload within 10 s").isNotNull();
        return r;
    }

    @Test
    void theDemoShowsEachSaveAsOneReload() throws Exception {
        assertThat(IngestTest.printedBy(ConfigReload::main))
                .filteredOn(l -> l.contains(": Applied") || l.contains(": Rejected") || l.contains("(nothing"))
                .hasSize(6) // the initial load and five saves
                .anyMatch(l -> l.startsWith("reload: Rejected") && l.contains("was 80800"))
                .anyMatch(l -> l.startsWith("reload: Applied") && l.contains("port=8084"))
                .noneMatch(l -> l.contains("(nothing"));
    }
}
