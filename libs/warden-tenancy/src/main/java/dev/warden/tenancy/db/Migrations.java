package dev.warden.tenancy.db;

import dev.warden.tenancy.StartupOrder;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

import java.util.Map;

/**
 * Applies the versioned schema before anything else starts: {@code db/warden} (shared by every service: grants,
 * tenancy functions, outbox) then the service's own {@code db/migration}.
 */
@ApplicationScoped
public class Migrations {

    private static final Logger LOG = Logger.getLogger(Migrations.class);

    private final DbConfig config;

    public Migrations(DbConfig config) {
        this.config = config;
    }

    void onStart(@Observes @Priority(StartupOrder.MIGRATIONS) StartupEvent event) {
        if (config.migration().atStart()) {
            migrate();
        }
    }

    public void migrate() {
        var result = Flyway.configure(Thread.currentThread().getContextClassLoader())
                .dataSource(config.migration().url(), config.migration().username(), config.migration().password())
                .locations("classpath:db/warden", "classpath:db/migration")
                // Two sequences share one history: the shared V0_x sort before the service's V1..., so a shared
                // migration added later is older than what a running database already has, and must still apply.
                .outOfOrder(true)
                .placeholders(Map.of("app_role", config.appRole()))
                .load()
                .migrate();
        LOG.infof("Schema at version %s (%d migrations applied)", result.targetSchemaVersion, result.migrationsExecuted);
    }
}
