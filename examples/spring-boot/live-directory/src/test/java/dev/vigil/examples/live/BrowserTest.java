package dev.vigil.examples.live;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The page in a real headless Chromium (Debian's {@code chromium}): opened with {@code ?report}, it posts what it
 * shows to {@code /page-report} after each event; the test waits for "watching", writes a file, and waits for the
 * page to show its {@code CREATED} line. Runs when {@code chromium} is on the PATH, and always in CI (.ci/run
 * installs it), where its absence fails.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(BrowserTest.PageReports.class)
@EnabledIf("chromiumInstalled")
class BrowserTest {

    @TempDir
    static Path dir;

    @TempDir
    Path profile;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("live.dir", () -> dir.toString());
    }

    @Autowired
    Environment environment;

    @Autowired
    PageReports reports;

    private Process browser;

    /** Also true in CI ({@code CI=true}), where .ci/run installs chromium: there a missing browser fails the test. */
    static boolean chromiumInstalled() {
        return chromium().isPresent() || "true".equals(System.getenv("CI"));
    }

    static Optional<Path> chromium() {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(p -> !p.isEmpty())
                .map(p -> Path.of(p, "chromium"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    @AfterEach
    void closeBrowser() throws InterruptedException {
        if (browser != null) {
            browser.descendants().forEach(ProcessHandle::destroyForcibly);
            browser.destroyForcibly();
            browser.waitFor();
        }
    }

    @Test
    void thePageShowsAFileTheTestWrote() throws IOException {
        String url = "http://localhost:" + environment.getProperty("local.server.port") + "/?report";
        browser = new ProcessBuilder(List.of(chromium().orElseThrow().toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile, url))
                .redirectErrorStream(true)
                .redirectOutput(profile.resolve("chromium.log").toFile())
                .start();
        await("the page says it is watching").atMost(Duration.ofSeconds(60))
                .until(() -> reports.last().contains("watching " + dir));
        Files.writeString(dir.resolve("from-the-test.txt"), "hello, browser");
        await("the page shows the file").atMost(Duration.ofSeconds(30))
                .until(() -> reports.last().contains("CREATED from-the-test.txt"));
    }

    /** Receives what the page shows. */
    @TestConfiguration
    @RestController
    static class PageReports {
        private final AtomicReference<String> last = new AtomicReference<>("");

        @PostMapping("/page-report")
        void report(@RequestBody String shown) {
            last.set(shown);
        }

        String last() {
            return last.get();
        }
    }
}
