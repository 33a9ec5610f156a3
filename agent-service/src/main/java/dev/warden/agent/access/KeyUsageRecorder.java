package dev.warden.agent.access;

import dev.warden.tenancy.db.TenantDb;
import dev.warden.tenancy.security.ApiKeyUsed;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Records when each API key was last used. A request never waits on it: uses are collected in memory and written in
 * one batch per organization at an interval, so a key used a thousand times a second costs one update per interval.
 */
@ApplicationScoped
public class KeyUsageRecorder {

    private static final Logger LOG = Logger.getLogger(KeyUsageRecorder.class);

    private final TenantDb db;
    private final AccessRepository repository;
    private final Map<UUID, ApiKeyUsed> pending = new ConcurrentHashMap<>();

    public KeyUsageRecorder(TenantDb db, AccessRepository repository) {
        this.db = db;
        this.repository = repository;
    }

    /** last_used_at is at most this interval behind. */
    @Scheduled(every = "${warden.api-keys.flush-interval:30s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> flushPeriodically() {
        return flush().onFailure().recoverWithItem(failure -> {
            LOG.warnf("Could not record API key use: %s", failure.getMessage());
            return null;
        });
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
                .transformToUniAndConcatenate(entry -> db.inOrg(entry.getKey(), conn -> repository.recordUses(conn, entry.getValue())))
                .collect().last().replaceWithVoid();
    }
}
