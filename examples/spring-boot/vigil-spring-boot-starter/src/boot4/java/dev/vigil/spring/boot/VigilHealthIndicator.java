package dev.vigil.spring.boot;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/** The {@code vigil} health indicator (see {@link VigilHealth} for what it checks). */
public class VigilHealthIndicator extends AbstractHealthIndicator {

    private final VigilHealth health;

    public VigilHealthIndicator(VigilHealth health) {
        super("Vigil health check failed");
        this.health = health;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        VigilHealth.Report report = health.check();
        (report.up() ? builder.up() : builder.down()).withDetails(report.details());
    }
}
