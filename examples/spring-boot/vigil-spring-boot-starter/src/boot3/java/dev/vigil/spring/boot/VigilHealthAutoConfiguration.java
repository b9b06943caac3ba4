package dev.vigil.spring.boot;

import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code vigil} health indicator, when the application has Boot's health support
 * ({@code org.springframework.boot.actuate.health}) and {@code management.health.vigil.enabled} is not {@code false}.
 */
@AutoConfiguration(after = {VigilWatchAutoConfiguration.class, VigilCrashAutoConfiguration.class})
@ConditionalOnClass(name = {"org.springframework.boot.actuate.health.HealthIndicator", "org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator"})
public class VigilHealthAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnEnabledHealthIndicator("vigil")
    static class Indicator {

        @Bean
        VigilHealthIndicator vigilHealthIndicator(ObjectProvider<VigilWatchers> watchers,
                ObjectProvider<VigilCrashLog> crashLog, ObjectProvider<VigilProperties> properties) {
            VigilProperties p = properties.getIfAvailable(VigilProperties::new);
            return new VigilHealthIndicator(new VigilHealth(watchers, crashLog, p));
        }
    }
}
