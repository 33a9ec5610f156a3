package dev.warden.outbox;

import dev.warden.api.UnavailableException;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/**
 * For an answer that promises more than "recorded": waits until the relay has handed an organization's events about
 * one record key to the broker, so that a consumer reading the topic from then on sees them ({@link
 * ReplayOffsets#applied} is the consumer's half). A suspension's answer is one: after it, no run may start.
 * Past {@code warden.outbox.delivery-timeout} (the broker or the relay is away) it fails with a 503: the change is
 * committed and will be delivered, but its answer cannot promise that yet; asking again waits again.
 */
@ApplicationScoped
public class Deliveries {

    /** Whether an event of the key is still waiting, in the organization's scope (index {@code warden_outbox_by_key}). */
    static final String WAITING = "SELECT NOT EXISTS (SELECT 1 FROM warden_outbox WHERE topic = $1 AND record_key = $2)";

    private final TenantDb db;
    private final Vertx vertx;
    private final OutboxConfig config;

    public Deliveries(TenantDb db, Vertx vertx, OutboxConfig config) {
        this.db = db;
        this.vertx = vertx;
        this.config = config;
    }

    /**
     * Completes once no event of {@code org} keyed {@code key} on {@code topic} waits in the outbox. Asked after a
     * change committed, so however it fails (the wait's bound, or the database lost while it asks), its 503 says the
     * change is committed: a client told only "the database is unavailable" would send a deploy or a rollback again
     * and make it twice (a user trial killing PostgreSQL under load got that answer to a deploy that had committed).
     */
    public Uni<Void> delivered(UUID org, String topic, String key) {
        return Await.until(vertx, () -> db.inOrg(org, conn -> conn.preparedQuery(WAITING).execute(Tuple.of(topic, key))
                        .map(rows -> rows.iterator().next().getBoolean(0))))
                .ifNoItem().after(config.deliveryTimeout()).failWith(() -> new UnavailableException("event stream", null,
                        UnavailableException.COMMITTED))
                .onFailure(e -> !(e instanceof UnavailableException u && u.done() != null))
                .transform(e -> new UnavailableException(e instanceof UnavailableException u ? u.dependency() : "database",
                        e, UnavailableException.COMMITTED));
    }
}
