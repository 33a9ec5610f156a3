package dev.warden.outbox;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/**
 * A replica whose background work stopped for good is not alive: a leader job whose thread an {@link Error} ended
 * (out of memory), or an event consumer that stopped. It would never relay, sign, sweep or consume again, while its
 * readiness could stay UP (a user trial's relay ran out of memory, and agent-service answered every deploy of every
 * organization with a 503 until it was restarted by hand). DOWN here, naming what stopped and why, the launcher's
 * supervisor and Kubernetes restart it.
 *
 * <p>Asynchronous, though it only reads two maps, because SmallRye Health calls a synchronous check on a worker thread:
 * that hop made the liveness endpoint several times dearer than a trivial one (75 µs of the JVM per request against
 * 14-25), and it is the trivial endpoint the request-path benchmark measures every service against
 * (docs/benchmarks.md, section 3). An asynchronous check is called on the request's event loop.
 */
@Liveness
@ApplicationScoped
public class BackgroundWorkLiveness implements AsyncHealthCheck {

    private final LeaderJobs jobs;
    private final EventConsumers consumers;

    public BackgroundWorkLiveness(LeaderJobs jobs, EventConsumers consumers) {
        this.jobs = jobs;
        this.consumers = consumers;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return Uni.createFrom().item(this::now);
    }

    private HealthCheckResponse now() {
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
