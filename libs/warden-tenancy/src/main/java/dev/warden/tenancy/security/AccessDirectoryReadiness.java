package dev.warden.tenancy.security;

import io.smallrye.health.api.HealthGroup;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready until the API keys published before start are known, so no valid key is refused after a restart. Also the
 * one check of the {@link #SERVING} group: whether this replica can answer requests rightly, which a Kubernetes
 * readinessProbe asks. Readiness as a whole also names the database, the broker and stalled consumers for an
 * operator; those are shared by every replica, and a probe on them would take every replica out of the gateway at
 * once, whose bare 503 would replace the services' own (in the error shape, with Retry-After, a write kept in the
 * outbox while the broker is away).
 */
@Readiness
@HealthGroup(AccessDirectoryReadiness.SERVING)
@ApplicationScoped
public class AccessDirectoryReadiness implements HealthCheck {

    /** {@code /q/health/group/serving}: what a replica needs to serve, apart from what all replicas share. */
    public static final String SERVING = "serving";

    private final AccessDirectory directory;

    public AccessDirectoryReadiness(AccessDirectory directory) {
        this.directory = directory;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("access-directory").status(directory.caughtUp()).build();
    }
}
