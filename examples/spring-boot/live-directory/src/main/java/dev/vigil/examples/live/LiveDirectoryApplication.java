package dev.vigil.examples.live;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Example 1, a live directory in the browser: the changes under {@code live.dir} (the watcher {@code live} of
 * {@code application.yml}) streamed as server-sent events to the page at {@code /}.
 */
@SpringBootApplication
public class LiveDirectoryApplication {

    public static void main(String[] args) {
        SpringApplication.run(LiveDirectoryApplication.class, args);
    }
}
