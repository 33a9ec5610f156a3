package dev.warden.tenancy.security;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Not ready until the API keys published before start are known, so no valid key is refused after a restart. */
@Readiness
@ApplicationScoped
public class AccessDirectoryReadiness implements HealthCheck {

    private final AccessDirectory directory;

    public AccessDirectoryReadiness(AccessDirectory directory) {
        this.directory = directory;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("access-directory").status(directory.caughtUp()).build();
    }
}
