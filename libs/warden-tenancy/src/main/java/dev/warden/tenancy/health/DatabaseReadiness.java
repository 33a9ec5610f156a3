package dev.warden.tenancy.health;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready while the database does not answer {@code SELECT 1} within {@code warden.health.timeout}, through the same
 * pool requests use. Bounded, so readiness answers at once whatever the database does (Quarkus' own check waits up to
 * 20 s, and is switched off).
 */
@Readiness
@ApplicationScoped
public class DatabaseReadiness implements AsyncHealthCheck {

    static final String NAME = "database";

    private final Pool pool;
    private final HealthConfig config;

    public DatabaseReadiness(Pool pool, HealthConfig config) {
        this.pool = pool;
        this.config = config;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return pool.query("SELECT 1").execute()
                .map(rows -> HealthCheckResponse.up(NAME))
                .ifNoItem().after(config.timeout()).fail()
                .onFailure().recoverWithItem(e -> DependencyDown.of(NAME, e, config.timeout()));
    }
}
