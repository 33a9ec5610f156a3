package dev.warden.audit.checkpoint;

import dev.warden.api.PageRequest;
import dev.warden.api.PageRequest.Cursor;
import dev.warden.audit.chain.AuditRepository;
import dev.warden.events.EventTypes;
import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.Checkpoint;
import dev.warden.outbox.Outbox;
import dev.warden.tenancy.db.TenantDb;
import io.quarkus.runtime.StartupEvent;
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
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.all;

/**
 * Signs the head of an organization's chain, {@code {org, sequence, head hash, time, key id}}, with Ed25519: on
 * demand, and on an interval for every organization whose head moved since its last checkpoint.
 */
@ApplicationScoped
public class CheckpointService {

    private static final Logger LOG = Logger.getLogger(CheckpointService.class);

    private final TenantDb db;
    private final AuditRepository repository;
    private final SigningKey key;
    private final Outbox outbox;
    private final Vertx vertx;
    private final SigningKey.Config config;

    public CheckpointService(TenantDb db, AuditRepository repository, SigningKey key, Outbox outbox, Vertx vertx,
                             SigningKey.Config config) {
        this.db = db;
        this.repository = repository;
        this.key = key;
        this.outbox = outbox;
        this.vertx = vertx;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        db.asPlatform(conn -> conn.preparedQuery("""
                        INSERT INTO audit_signing_keys (key_id, algorithm, public_key, created_at) VALUES ($1, $2, $3, now())
                        ON CONFLICT (key_id) DO NOTHING""")
                .execute(Tuple.of(key.keyId(), SigningKey.ALGORITHM, key.publicKeyBase64()))).await().atMost(Duration.ofSeconds(30));
        vertx.setPeriodic(config.checkpointInterval().toMillis(), id -> signDue().subscribe().with(
                n -> LOG.debugf("Signed %d checkpoints", n), e -> LOG.warnf("Checkpoint signing failed: %s", e.getMessage())));
    }

    /** Signs the current head of {@code org}. */
    public Uni<Checkpoint> sign(UUID org) {
        return db.inOrg(org, conn -> repository.head(conn).chain(head -> {
            Checkpoint unsigned = new Checkpoint(UUID.randomUUID(), org, head.sequence(), head.hash(),
                    AuditChain.micros(Instant.now()), key.keyId(), SigningKey.ALGORITHM, null);
            Checkpoint signed = new Checkpoint(unsigned.id(), org, unsigned.sequence(), unsigned.headHash(),
                    unsigned.signedAt(), unsigned.keyId(), unsigned.algorithm(), key.sign(AuditChain.signedBytes(unsigned)));
            return repository.insertCheckpoint(conn, signed)
                    .chain(() -> outbox.emit(conn, org, EventTypes.AUDIT_CHECKPOINT_SIGNED, "org:" + org, org.toString(), signed))
                    .replaceWith(signed);
        }));
    }

    /** Signs every organization whose head has no checkpoint yet; answers how many were signed. */
    public Uni<Integer> signDue() {
        return db.asPlatform(conn -> conn.query("""
                        SELECT h.org_id FROM audit_chain_heads h
                        WHERE h.sequence > 0 AND NOT EXISTS (
                            SELECT 1 FROM audit_checkpoints c WHERE c.org_id = h.org_id AND c.sequence = h.sequence)""")
                        .execute().map(rows -> all(rows, r -> r.getUUID(0))))
                .chain(orgs -> Multi.createFrom().iterable(orgs).onItem().transformToUniAndConcatenate(this::sign)
                        .collect().asList().map(List::size));
    }

    public Uni<CheckpointPage> list(UUID org, PageRequest page) {
        return db.inOrg(org, conn -> repository.checkpoints(conn, page))
                .map(found -> new CheckpointPage(found.items(), found.total(), found.totalExact(),
                        page.nextCursor(found.items(), c -> new Cursor(c.sequence(), c.id()))));
    }

    /** The newest checkpoint of {@code org}, or null. */
    public Uni<Checkpoint> latest(UUID org) {
        return db.inOrg(org, conn -> repository.latestCheckpoint(conn, null));
    }
}
