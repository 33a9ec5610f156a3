package dev.warden.outbox;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

import java.util.Map;

/**
 * A replica whose leader job stopped for good (its thread ended by an {@link Error}, such as running out of memory) is
 * not alive: it would never relay, sign or sweep again, while its readiness stayed UP. A user trial's relay ran out of
 * memory, and agent-service went on answering every deploy of every organization with a 503 until it was restarted by
 * hand. DOWN here, the launcher's supervisor and Kubernetes restart it.
 */
@Liveness
@ApplicationScoped
public class LeaderJobsLiveness implements HealthCheck {

    private final LeaderJobs jobs;

    public LeaderJobsLiveness(LeaderJobs jobs) {
        this.jobs = jobs;
    }

    @Override
    public HealthCheckResponse call() {
        Map<String, String> dead = jobs.dead();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("Warden leader jobs");
        dead.forEach(response::withData);
        return response.status(dead.isEmpty()).build();
    }
}
