package dev.vigil.spring.boot;

import dev.vigil.watch.FileWatcher;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * {@link FileWatcher} beans from {@code vigil.watch.<name>.*} (see {@link VigilProperties.Watch}), named
 * {@code vigilFileWatcher_<name>}, and the {@link VigilWatchers} that closes them when the context stops.
 */
@AutoConfiguration
@ConditionalOnClass(FileWatcher.class)
@EnableConfigurationProperties(VigilProperties.class)
public class VigilWatchAutoConfiguration {

    @Bean
    static VigilWatcherRegistrar vigilWatcherRegistrar(Environment environment) {
        return new VigilWatcherRegistrar(environment);
    }

    @Bean
    VigilWatchers vigilWatchers(Environment environment, BeanFactory beanFactory) {
        Map<String, FileWatcher> watchers = new LinkedHashMap<>();
        for (String name : VigilWatcherRegistrar.bind(environment).keySet()) {
            watchers.put(name, beanFactory.getBean(VigilWatchers.BEAN_PREFIX + name, FileWatcher.class));
        }
        return new VigilWatchers(watchers);
    }
}
