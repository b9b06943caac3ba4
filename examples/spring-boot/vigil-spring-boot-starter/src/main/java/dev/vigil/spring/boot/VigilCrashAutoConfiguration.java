package dev.vigil.spring.boot;

import dev.vigil.crash.CrashReporter;
import dev.vigil.crash.CrashReporterOptions;
import java.io.IOException;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The crash reporter, installed with the context ({@code vigil.crash.enabled}, default {@code true}) and closed with
 * it, and the {@link VigilCrashLog} of its recent events. Its name is {@code vigil.crash.name}, else
 * {@code spring.application.name} (characters outside {@code [A-Za-z0-9._-]} become {@code -}), else
 * {@code application}; its dump directory is {@code vigil.crash.dir}, else {@code crash-dumps}.
 */
@AutoConfiguration
@ConditionalOnClass(CrashReporter.class)
@ConditionalOnProperty(prefix = "vigil.crash", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(VigilProperties.class)
public class VigilCrashAutoConfiguration {

    @Bean(destroyMethod = "close")
    CrashReporter vigilCrashReporter(VigilProperties properties, Environment environment) throws IOException {
        return CrashReporter.install(options(properties.getCrash(), environment));
    }

    @Bean(destroyMethod = "close")
    VigilCrashLog vigilCrashLog(CrashReporter vigilCrashReporter, VigilProperties properties) {
        return new VigilCrashLog(vigilCrashReporter, properties.getCrash().getRecentEvents());
    }

    static CrashReporterOptions options(VigilProperties.Crash crash, Environment environment) {
        String name = crash.getName();
        if (name == null) {
            String app = environment.getProperty("spring.application.name", "application")
                    .replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^\\.+", "");
            name = app.isEmpty() ? "application" : app.substring(0, Math.min(64, app.length()));
        }
        CrashReporterOptions options = CrashReporterOptions.defaults()
                .withName(name)
                .withAutomaticDumps(crash.getAutomaticDumps())
                .withFlightRecorder(crash.isFlightRecorder());
        return crash.getDir() == null ? options : options.withDumpDirectory(crash.getDir());
    }
}
