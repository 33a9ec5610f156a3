package dev.warden.agent.access;

import dev.warden.tenancy.db.TenantDb;
import dev.warden.tenancy.security.ApiKeyUsed;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import static dev.warden.tenancy.db.Rows.utc;

/**
 * Records when each API key was last used. A request never waits on it: uses are collected in memory and written in
 * one batch per organization at an interval, so a key used a thousand times a second costs one update per interval.
 */
@ApplicationScoped
public class KeyUsageRecorder {

    private static final Logger LOG = Logger.getLogger(KeyUsageRecorder.class);

    private final TenantDb db;
    private final Vertx vertx;
    private final Config config;
    private final Map<UUID, ApiKeyUsed> pending = new ConcurrentHashMap<>();

    public KeyUsageRecorder(TenantDb db, Vertx vertx, Config config) {
        this.db = db;
        this.vertx = vertx;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        vertx.setPeriodic(config.flushInterval().toMillis(), id -> flush().subscribe().with(
                done -> { }, failure -> LOG.warnf("Could not record API key use: %s", failure.getMessage())));
    }

    void onStop(@Observes ShutdownEvent event) {
        flush().await().atMost(Duration.ofSeconds(5));
    }

    void used(@Observes ApiKeyUsed use) {
        pending.merge(use.keyId(), use, (a, b) -> a.at().isAfter(b.at()) ? a : b);
    }

    /** Writes the uses collected so far. */
    public Uni<Void> flush() {
        if (pending.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<ApiKeyUsed> uses = pending.keySet().stream().map(pending::remove).filter(u -> u != null).toList();
        Map<UUID, List<ApiKeyUsed>> byOrg = uses.stream().collect(Collectors.groupingBy(ApiKeyUsed::orgId));
        return Multi.createFrom().iterable(byOrg.entrySet()).onItem()
                .transformToUniAndConcatenate(entry -> db.inOrg(entry.getKey(), conn -> conn.preparedQuery("""
                                UPDATE api_keys SET last_used_at = greatest(coalesce(last_used_at, $2), $2) WHERE id = $1""")
                        .executeBatch(entry.getValue().stream().map(u -> Tuple.of(u.keyId(), utc(u.at()))).toList())))
                .collect().last().replaceWithVoid();
    }

    @ConfigMapping(prefix = "warden.api-keys")
    public interface Config {

        /** How often uses are written; last_used_at is at most this much behind. */
        @WithDefault("30s")
        Duration flushInterval();
    }
}
