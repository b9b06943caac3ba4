package dev.vigil.spring.boot;

import dev.vigil.watch.FileWatcher;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Registers one {@link FileWatcher} bean per {@code vigil.watch.<name>} entry, named
 * {@value VigilWatchers#BEAN_PREFIX}{@code <name>} (never {@code fileWatcher}, a name Boot's SSL auto-configuration
 * uses), whose destroy method is {@link FileWatcher#close()}.
 */
final class VigilWatcherRegistrar implements BeanDefinitionRegistryPostProcessor {

    private final Environment environment;

    VigilWatcherRegistrar(Environment environment) {
        this.environment = environment;
    }

    static Map<String, VigilProperties.Watch> bind(Environment environment) {
        return Binder.get(environment)
                .bind("vigil.watch", Bindable.mapOf(String.class, VigilProperties.Watch.class))
                .orElse(Map.of());
    }

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
        bind(environment).forEach((name, watch) -> {
            RootBeanDefinition definition = new RootBeanDefinition(FileWatcher.class, () -> build(name, watch));
            definition.setDestroyMethodName("close");
            registry.registerBeanDefinition(VigilWatchers.BEAN_PREFIX + name, definition);
        });
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
    }

    static FileWatcher build(String name, VigilProperties.Watch watch) {
        if (watch.getRoots().isEmpty()) {
            throw new IllegalStateException("vigil.watch." + name + ".roots is empty: name at least one directory to "
                    + "watch, e.g. vigil.watch." + name + ".roots[0]=/srv/inbox");
        }
        FileWatcher.Builder builder = FileWatcher.builder()
                .recursive(watch.isRecursive())
                .backend(watch.getBackend());
        for (Path root : watch.getRoots()) {
            builder.root(root);
        }
        watch.getInclude().forEach(builder::include);
        watch.getExclude().forEach(builder::exclude);
        if (watch.getMaxPendingPaths() != null) {
            builder.maxPendingPaths(watch.getMaxPendingPaths());
        }
        try {
            return builder.build();
        } catch (RuntimeException e) {
            throw new IllegalStateException("vigil.watch." + name + ": " + e.getMessage(), e);
        }
    }
}
