package dev.warden.tenancy.health;

import dev.warden.tenancy.kafka.KafkaClients;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Not ready while the Kafka broker does not describe its cluster within {@code warden.health.timeout}. Quarkus' own
 * Kafka check waits for the admin client's default timeout (a minute) when the broker is down, and is switched off.
 */
@Readiness
@ApplicationScoped
public class KafkaReadiness implements AsyncHealthCheck {

    static final String NAME = "kafka";

    private final HealthConfig config;
    private final Admin admin;

    public KafkaReadiness(KafkaClients kafka, HealthConfig config) {
        this.config = config;
        int timeout = (int) config.timeout().toMillis();
        this.admin = Admin.create(kafka.config(Map.of(
                AdminClientConfig.CLIENT_ID_CONFIG, "warden-readiness",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout)));
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        var nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) config.timeout().toMillis()))
                .nodes().toCompletionStage();
        return Uni.createFrom().completionStage(nodes)
                .map(found -> found.isEmpty()
                        ? HealthCheckResponse.named(NAME).down().withData("reason", "no broker in the cluster").build()
                        : HealthCheckResponse.named(NAME).up().withData("brokers", found.stream()
                                .map(n -> n.host() + ":" + n.port()).collect(Collectors.joining(","))).build())
                // A little beyond the admin client's own deadline, in case it misses it.
                .ifNoItem().after(config.timeout().plusMillis(100)).fail()
                .onFailure().recoverWithItem(e -> DependencyDown.of(NAME, e, config.timeout()));
    }

    @PreDestroy
    void close() {
        admin.close(Duration.ZERO);
    }
}
