package dev.warden.tenancy.health;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How long readiness waits for each dependency before calling it DOWN: readiness must answer within a second. */
@ConfigMapping(prefix = "warden.health")
public interface HealthConfig {

    @WithDefault("500ms")
    Duration timeout();
}
