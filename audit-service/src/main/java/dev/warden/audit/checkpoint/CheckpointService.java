package dev.warden.audit.checkpoint;

import dev.warden.api.ApiException;
import dev.warden.api.PageRequest;
import dev.warden.api.PageRequest.Cursor;
import dev.warden.audit.chain.AuditRepository;
import dev.warden.events.EventTypes;
import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.Checkpoint;
import dev.warden.outbox.Outbox;
import dev.warden.tenancy.StartupOrder;
import dev.warden.tenancy.db.TenantDb;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Signs the head of an organization's chain, {@code {org, sequence, head hash, time, key id}}, with Ed25519: on
 * demand, and for every organization whose head moved since its last checkpoint ({@link DueCheckpoints} does that
 * on an interval, on one replica).
 */
@ApplicationScoped
public class CheckpointService {

    private final TenantDb db;
    private final AuditRepository repository;
    private final SigningKey key;
    private final Outbox outbox;

    public CheckpointService(TenantDb db, AuditRepository repository, SigningKey key, Outbox outbox) {
        this.db = db;
        this.repository = repository;
        this.key = key;
        this.outbox = outbox;
    }

    /** Keeps this replica's public key before any job signs with it (checkpoints reference their key). */
    void onStart(@Observes @Priority(StartupOrder.SERVICE_DATA) StartupEvent event) {
        db.asPlatform(conn -> repository.keepSigningKey(conn, key.keyId(), SigningKey.ALGORITHM, key.publicKeyBase64()))
                .await().atMost(Duration.ofSeconds(30));
    }

    /** A checkpoint asked for, and whether it was signed now or the head's checkpoint by this key was there already. */
    public record Signed(Checkpoint checkpoint, boolean now) {
    }

    /**
     * Signs the current head of {@code org}, unless this key has signed that head already: then that checkpoint (a
     * two-replica trial's three rounds of asking both at once signed one head seven times, each one more event on the
     * audit topic, and a round on the interval could meet one asked for). Another key (after a rotation) signs it
     * again.
     */
    public Uni<Signed> signOnce(UUID org) {
        return db.inOrg(org, conn -> repository.headLocked(conn).chain(head -> repository.latestCheckpoint(conn, null)
                .chain(latest -> latest != null && latest.sequence() == head.sequence()
                        && latest.headHash().equals(head.hash()) && latest.keyId().equals(key.keyId())
                        ? Uni.createFrom().item(new Signed(latest, false))
                        : signed(conn, org, head).map(c -> new Signed(c, true)))));
    }

    /** The checkpoint of {@code org}'s current head, signed now or already ({@link #signOnce}). */
    public Uni<Checkpoint> sign(UUID org) {
        return signOnce(org).map(Signed::checkpoint);
    }

    private Uni<Checkpoint> signed(io.vertx.mutiny.sqlclient.SqlConnection conn, UUID org, AuditRepository.Head head) {
        Checkpoint unsigned = new Checkpoint(UUID.randomUUID(), org, head.sequence(), head.hash(),
                AuditChain.micros(Instant.now()), key.keyId(), SigningKey.ALGORITHM, null);
        Checkpoint signed = new Checkpoint(unsigned.id(), org, unsigned.sequence(), unsigned.headHash(),
                unsigned.signedAt(), unsigned.keyId(), unsigned.algorithm(), key.sign(AuditChain.signedBytes(unsigned)));
        return repository.insertCheckpoint(conn, signed)
                .chain(() -> outbox.emit(conn, org, EventTypes.AUDIT_CHECKPOINT_SIGNED, "org:" + org, org.toString(), signed))
                .replaceWith(signed);
    }

    /** Signs every organization whose head is {@code entries} or more past its last checkpoint; answers how many. */
    public Uni<Integer> signPast(long entries) {
        return db.asPlatform(conn -> repository.headsPastCheckpoint(conn, entries))
                .chain(orgs -> Multi.createFrom().iterable(orgs).onItem().transformToUniAndConcatenate(this::sign)
                        .collect().asList().map(List::size));
    }

    public Uni<CheckpointPage> list(UUID org, PageRequest page) {
        return db.inOrg(org, conn -> repository.checkpoints(conn, page))
                .map(found -> new CheckpointPage(found.items(), found.total(), found.totalExact(),
                        found.nextCursor(c -> new Cursor(c.sequence(), c.id()))));
    }

    public Uni<Checkpoint> get(UUID org, UUID id) {
        return db.inOrg(org, conn -> repository.findCheckpoint(conn, id))
                .map(checkpoint -> ApiException.found(checkpoint, "Checkpoint"));
    }

    /** A public key that signed, current or rotated out; a 404 when no key of this id ever signed. */
    public Uni<AuditRepository.SigningPublicKey> keptKey(String keyId) {
        return db.asPlatform(conn -> repository.signingKey(conn, keyId))
                .map(kept -> ApiException.found(kept, "Signing key " + keyId));
    }

    /** The newest checkpoint of {@code org}, or null. */
    public Uni<Checkpoint> latest(UUID org) {
        return db.inOrg(org, conn -> repository.latestCheckpoint(conn, null));
    }
}
