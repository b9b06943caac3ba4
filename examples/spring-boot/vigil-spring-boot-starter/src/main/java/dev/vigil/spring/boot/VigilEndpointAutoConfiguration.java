package dev.vigil.spring.boot;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/** The {@code vigil} actuator endpoint, when the actuator is on the class path and the endpoint is available. */
@AutoConfiguration(after = {VigilWatchAutoConfiguration.class, VigilCrashAutoConfiguration.class})
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
public class VigilEndpointAutoConfiguration {

    @Bean
    @ConditionalOnAvailableEndpoint
    VigilEndpoint vigilEndpoint(ObjectProvider<VigilWatchers> watchers, ObjectProvider<VigilCrashLog> crashLog) {
        return new VigilEndpoint(watchers, crashLog);
    }
}
