package dev.vigil.examples.crashservice;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Example 5, crash reporting in a Spring Boot service: the Vigil starter installs the crash reporter with the
 * application's name; {@code POST /boom/{uncaught,dropped,deadlock}} provokes each kind of crash, and
 * {@code GET /actuator/vigil} lists the events with their dump files.
 */
@SpringBootApplication
public class CrashServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(CrashServiceApplication.class, args);
    }
}
