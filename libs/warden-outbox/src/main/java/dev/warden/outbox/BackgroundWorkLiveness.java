package dev.warden.outbox;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/**
 * A replica whose background work stopped for good is not alive: a leader job whose thread an {@link Error} ended
 * (out of memory), or an event consumer that stopped. It would never relay, sign, sweep or consume again, while its
 * readiness could stay UP (a user trial's relay ran out of memory, and agent-service answered every deploy of every
 * organization with a 503 until it was restarted by hand). DOWN here, naming what stopped and why, the launcher's
 * supervisor and Kubernetes restart it.
 */
@Liveness
@ApplicationScoped
public class BackgroundWorkLiveness implements HealthCheck {

    private final LeaderJobs jobs;
    private final EventConsumers consumers;

    public BackgroundWorkLiveness(LeaderJobs jobs, EventConsumers consumers) {
        this.jobs = jobs;
        this.consumers = consumers;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("Warden background work");
        boolean[] alive = {true};
        jobs.dead().forEach((job, why) -> {
            response.withData("leader job " + job, why);
            alive[0] = false;
        });
        for (EventConsumerLoop loop : consumers.started()) {
            loop.stopped().ifPresent(why -> {
                response.withData("consumer " + loop.group(), why);
                alive[0] = false;
            });
        }
        return response.status(alive[0]).build();
    }
}
