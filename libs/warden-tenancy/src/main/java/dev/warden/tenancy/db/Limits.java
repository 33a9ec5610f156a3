package dev.warden.tenancy.db;

import dev.warden.api.ApiException;
import dev.warden.tenancy.StartupOrder;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithParentName;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The most an organization may keep of each kind of thing (its agents, its policies, its instances...), so that one
 * organization cannot fill the disk every other shares. A service names its kinds in its configuration,
 * {@code warden.limits.<kind>=<most>} (environment {@code WARDEN_LIMITS_<KIND>}), beside its migration's
 * {@code CALL warden_keep_count('<table>', '<kind>')}; the database counts and refuses ({@code db/warden/V0_9}), so the
 * limit holds on every path that adds rows, across replicas. As it starts the service writes its limits to
 * {@code warden_limits} (every replica the same, from the same configuration; retried while the database is away). A
 * statement that would take an organization past a limit is a 403 {@code quota_exceeded} and its transaction writes
 * nothing.
 */
@ApplicationScoped
public class Limits {

    private static final Logger LOG = Logger.getLogger(Limits.class);

    /** The SQLSTATE {@code warden_kept_added} raises; its message is the kind, its detail the limit. */
    private static final String REACHED = "WDN02";

    @ConfigMapping(prefix = "warden.limits")
    public interface Config {
        /** Each kind's most, per organization. */
        @WithParentName
        Map<String, Long> kinds();
    }

    private final TenantDb db;
    private final Map<String, Long> kinds;

    public Limits(TenantDb db, Config config) {
        this.db = db;
        this.kinds = new TreeMap<>(config.kinds());
        kinds.forEach((kind, most) -> {
            if (most < 0) {
                throw new IllegalArgumentException("warden.limits." + kind + " must be 0 or more, not " + most);
            }
        });
    }

    void onStart(@Observes @Priority(StartupOrder.SERVICE_DATA) StartupEvent event) {
        db.asPlatform(this::write)
                .onFailure().retry().withBackOff(Duration.ofSeconds(1), Duration.ofSeconds(30)).indefinitely()
                .subscribe().with(written -> LOG.infof("Limits per organization: %s", kinds.isEmpty() ? "none" : kinds),
                        failure -> LOG.errorf("Could not write the limits per organization: %s", failure.getMessage()));
    }

    /** Makes {@code warden_limits} this configuration: its kinds, and no other. */
    Uni<Void> write(SqlConnection conn) {
        String[] names = kinds.keySet().toArray(String[]::new);
        Long[] most = kinds.values().toArray(Long[]::new);
        return conn.preparedQuery("DELETE FROM warden_limits WHERE NOT (kind = ANY($1))").execute(Tuple.of(names))
                .chain(() -> conn.preparedQuery("""
                        INSERT INTO warden_limits (kind, most) SELECT * FROM unnest($1::text[], $2::bigint[])
                        ON CONFLICT (kind) DO UPDATE SET most = excluded.most""").execute(Tuple.of(names, most)))
                .replaceWithVoid();
    }

    static boolean reached(Throwable failure) {
        return failure instanceof PgException pg && REACHED.equals(pg.getSqlState());
    }

    static ApiException refusal(Throwable failure) {
        PgException pg = (PgException) failure;
        String kind = pg.getErrorMessage();
        return new ApiException(403, "quota_exceeded", "Your organization keeps the most " + kind.replace('-', ' ')
                + " it may (" + pg.getDetail() + "); the operator sets this limit as warden.limits." + kind, List.of());
    }
}
