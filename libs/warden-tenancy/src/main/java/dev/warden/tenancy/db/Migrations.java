package dev.warden.tenancy.db;

import dev.warden.tenancy.StartupOrder;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Applies the versioned schema: {@code db/warden} (shared by every service: grants, tenancy functions, outbox) then
 * the service's own {@code db/migration}. In dev and test before anything else starts; elsewhere {@link MigrateMain}
 * runs it as a step of its own, so that the running service never holds the owner's credentials.
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
            var m = config.migration();
            List<String> missing = new ArrayList<>();
            if (m.url().isEmpty()) {
                missing.add("warden.db.migration.url");
            }
            if (m.username().isEmpty()) {
                missing.add("warden.db.migration.username (WARDEN_DB_OWNER_USER)");
            }
            if (m.password().isEmpty()) {
                missing.add("warden.db.migration.password (WARDEN_DB_OWNER_PASSWORD)");
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("Migrating at start needs the schema owner's credentials; missing: "
                        + String.join(", ", missing));
            }
            migrate(m.url().get(), m.username().get(), m.password().get(), config.appRole());
        }
    }

    /**
     * Flyway's warning, at every migration, that out-of-order mode is on: on by design here (below), so it said nothing
     * an operator could act on, and it was the only WARNING of a healthy start. Every other warning of Flyway's stays.
     */
    private static final String OUT_OF_ORDER_WARNING = "outOfOrder mode is active";

    static {
        java.util.logging.Logger.getLogger("org.flywaydb.core.internal.command.DbMigrate")
                .setFilter(record -> record.getMessage() == null || !record.getMessage().startsWith(OUT_OF_ORDER_WARNING));
    }

    /** Applies both migration sequences as the schema owner; the runtime role {@code appRole} gets its grants. */
    public static void migrate(String jdbcUrl, String owner, String password, String appRole) {
        var result = Flyway.configure(Thread.currentThread().getContextClassLoader())
                .dataSource(jdbcUrl, owner, password)
                .locations("classpath:db/warden", "classpath:db/migration")
                // Two sequences share one history: the shared V0_x sort before the service's V1..., so a shared
                // migration added later is older than what a running database already has, and must still apply.
                .outOfOrder(true)
                .placeholders(Map.of("app_role", appRole))
                .load()
                .migrate();
        // Flyway names no target when nothing was applied: the version then is the one it found
        LOG.infof("Schema at version %s (%d migrations applied)", result.targetSchemaVersion != null
                ? result.targetSchemaVersion : result.initialSchemaVersion, result.migrationsExecuted);
    }
}
