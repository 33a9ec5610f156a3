package dev.warden.outbox;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.util.List;
import java.util.Optional;

/**
 * A service whose consumer has stopped, or has committed nothing for {@code warden.consumer.stuck-after} while events
 * wait, is not ready: its projections or audit log are falling behind. The reason names the consumer and its last
 * failure, so an operator sees at {@code /q/health/ready} what a stalled group is waiting for.
 */
@Readiness
@ApplicationScoped
public class ConsumersReadiness implements HealthCheck {

    private final EventConsumers consumers;

    public ConsumersReadiness(EventConsumers consumers) {
        this.consumers = consumers;
    }

    @Override
    public HealthCheckResponse call() {
        List<String> problems = consumers.started().stream().map(EventConsumerLoop::problem)
                .flatMap(Optional::stream).toList();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("Warden event consumers")
                .withData("consumers", consumers.started().size());
        for (int i = 0; i < problems.size(); i++) {
            response.withData("problem" + (i + 1), problems.get(i));
        }
        return response.status(problems.isEmpty()).build();
    }
}
