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
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The most an organization may keep of each kind of thing (its agents, its policies, its instances...), so that one
 * organization cannot fill the disk every other shares. A service names its kinds in its configuration,
 * {@code warden.limits.<kind>=<most>} (environment {@code WARDEN_LIMITS_<KIND>}), beside its migration's
 * {@code CALL warden_keep_count('<table>', '<kind>')}; the database counts and refuses ({@code db/warden/V0_9}), so the
 * limit holds on every path that adds rows, across replicas. As it starts the service writes its limits to
 * {@code warden_limits} (every replica the same, from the same configuration; retried while the database is away). A
 * statement that would take an organization past a limit is a 403 {@code quota_exceeded} and its transaction writes
 * nothing.
 * <p>
 * A configured kind must be one of {@link #KINDS} (written with dots, dashes or underscores alike: an environment
 * variable's {@code AGENT_VERSIONS} arrives as {@code agent.versions} where no property names it): a misspelt one is
 * refused at start, since a limit the operator believes set and no service counts bounds nothing. Each service writes
 * only the kinds its own database counts, so the same settings can be given to every service.
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

    /**
     * Every kind a Warden service counts ({@code CALL warden_keep_count} in its migrations). A service that counts a
     * new kind names it here.
     */
    public static final Set<String> KINDS = Set.of("agents", "agent-versions", "connector-bindings", "policies",
            "policy-versions", "policy-bindings", "api-keys", "realms", "registration-rules", "registrations",
            "instances", "enrollment-tokens");

    /** The kinds this database counts: the argument of each {@code kept_added} trigger. */
    private static final String COUNTED = """
            SELECT DISTINCT split_part(encode(tgargs, 'escape'), '\\000', 1) AS kind FROM pg_trigger
            WHERE tgname = 'kept_added'""";

    private final TenantDb db;
    private final Map<String, Long> kinds;

    @Inject
    public Limits(TenantDb db, Config config) {
        this(db, config, KINDS);
    }

    /** With the kinds {@code known} (tests count kinds of their own). */
    Limits(TenantDb db, Config config, Set<String> known) {
        this.db = db;
        this.kinds = new TreeMap<>();
        config.kinds().forEach((name, most) -> {
            String kind = name.toLowerCase(Locale.ROOT).replace('.', '-').replace('_', '-');
            if (!known.contains(kind)) {
                throw new IllegalArgumentException("warden.limits." + name + " names no kind Warden counts (misspelt?);"
                        + " the kinds are " + String.join(", ", new TreeSet<>(known)));
            }
            if (most < 0) {
                throw new IllegalArgumentException("warden.limits." + name + " must be 0 or more, not " + most);
            }
            Long before = kinds.put(kind, most);
            if (before != null && !before.equals(most)) {
                throw new IllegalArgumentException("warden.limits." + kind + " is set twice, to " + before + " and "
                        + most);
            }
        });
    }

    void onStart(@Observes @Priority(StartupOrder.SERVICE_DATA) StartupEvent event) {
        db.asPlatform(this::write)
                .onFailure().invoke(failure -> LOG.warnf("Could not write the limits per organization yet: %s",
                        failure.getMessage()))
                .onFailure().retry().withBackOff(Duration.ofSeconds(1), Duration.ofSeconds(30)).indefinitely()
                .subscribe().with(written -> LOG.infof("Limits per organization: %s", written.isEmpty() ? "none" : written),
                        failure -> LOG.errorf("Could not write the limits per organization: %s", failure.getMessage()));
    }

    /** Makes {@code warden_limits} this configuration's kinds that this database counts, and no other; answers them. */
    Uni<Map<String, Long>> write(SqlConnection conn) {
        return conn.query(COUNTED).execute().chain(rows -> {
            Map<String, Long> here = new TreeMap<>();
            rows.forEach(row -> {
                Long most = kinds.get(row.getString("kind"));
                if (most != null) {
                    here.put(row.getString("kind"), most);
                }
            });
            String[] names = here.keySet().toArray(String[]::new);
            Long[] most = here.values().toArray(Long[]::new);
            return conn.preparedQuery("DELETE FROM warden_limits WHERE NOT (kind = ANY($1))").execute(Tuple.of(names))
                    .chain(() -> conn.preparedQuery("""
                            INSERT INTO warden_limits (kind, most) SELECT * FROM unnest($1::text[], $2::bigint[])
                            ON CONFLICT (kind) DO UPDATE SET most = excluded.most""").execute(Tuple.of(names, most)))
                    .replaceWith(here);
        });
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
