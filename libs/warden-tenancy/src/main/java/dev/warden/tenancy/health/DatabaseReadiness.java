package dev.warden.tenancy.health;

import dev.warden.tenancy.db.TenantDb;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready while the database does not answer {@code SELECT 1} within {@code warden.health.timeout}, through the same
 * pool and transaction requests use ({@link TenantDb}). Bounded, so readiness answers at once whatever the database
 * does (Quarkus' own check waits up to 20 s, and is switched off); a connection it gave up on is still closed by
 * TenantDb once its {@code BEGIN} has gone unanswered for the start deadline, never left taken.
 */
@Readiness
@ApplicationScoped
public class DatabaseReadiness implements AsyncHealthCheck {

    static final String NAME = "database";

    private final TenantDb db;
    private final HealthConfig config;

    public DatabaseReadiness(TenantDb db, HealthConfig config) {
        this.db = db;
        this.config = config;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return db.asPlatform(conn -> conn.query("SELECT 1").execute())
                .map(rows -> HealthCheckResponse.up(NAME))
                .ifNoItem().after(config.timeout()).fail()
                .onFailure().recoverWithItem(e -> DependencyDown.of(NAME, e, config.timeout()));
    }
}
