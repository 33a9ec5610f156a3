package dev.warden.audit.chain;

import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.events.audit.AuditEvents.Checkpoint;
import dev.warden.api.PageRequest;
import dev.warden.tenancy.db.ListQuery;
import dev.warden.tenancy.db.ListQuery.Page;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.all;
import static dev.warden.tenancy.db.Rows.first;
import static dev.warden.tenancy.db.Rows.instant;
import static dev.warden.tenancy.db.Rows.json;
import static dev.warden.tenancy.db.Rows.utc;

/** Reading the chain and its checkpoints. Row-Level Security scopes every statement to the transaction's org. */
@ApplicationScoped
public class AuditRepository {

    private static final String ENTRY_COLUMNS = """
            org_id, sequence, event_id, event_type, agent_id, actor, action_type, connector, status, inputs_hash,
            outputs_hash, metadata::text, occurred_at, recorded_at, prev_hash, hash""";
    private static final String CHECKPOINT_COLUMNS = "id, org_id, sequence, head_hash, signed_at, key_id, algorithm, signature";

    /** Filters of {@code GET /v1/audit}; null means no filter. */
    public record EntryFilter(String agentId, String actionType, String connector, String status, Instant from,
                              Instant to, Instant recordedSince, Long afterSequence) {

        /** Whether it selects the whole chain, whose length the head knows without counting. */
        public boolean selectsAll() {
            return agentId == null && actionType == null && connector == null && status == null && from == null && to == null
                    && recordedSince == null;
        }
    }

    /** The entries {@code filter} selects, in chain order. */
    private static ListQuery query(EntryFilter f) {
        return ListQuery.select(ENTRY_COLUMNS, "audit_entries")
                .whereEquals("agent_id", f.agentId())
                .whereEquals("action_type", f.actionType())
                .whereEquals("connector", f.connector())
                .whereEquals("status", f.status())
                .whereIfPresent("occurred_at >= ?", f.from())
                .whereIfPresent("occurred_at < ?", f.to())
                .updatedSince("recorded_at", f.recordedSince())
                .byNumberAfter("sequence", f.afterSequence(), false);
    }

    public Uni<List<AuditEntry>> entries(SqlConnection conn, EntryFilter filter, int limit, int offset) {
        return query(filter).offset(offset).items(conn, limit, AuditRepository::entry);
    }

    /**
     * A page and the total of what the filter selects: the whole chain's is its head's sequence, a filtered one is
     * counted (exact up to {@link ListQuery#TOTAL_BOUND}).
     */
    public Uni<Page<AuditEntry>> page(SqlConnection conn, EntryFilter filter, int limit, int offset) {
        ListQuery query = query(filter).offset(offset);
        if (filter.selectsAll()) {
            query.totalFrom("SELECT coalesce(max(sequence), 0) FROM audit_chain_heads");
        }
        return query.page(conn, limit, AuditRepository::entry);
    }

    /** Entries {@code from..to} by sequence, in order. */
    public Uni<List<AuditEntry>> range(SqlConnection conn, long from, long to) {
        return conn.preparedQuery("SELECT " + ENTRY_COLUMNS
                        + " FROM audit_entries WHERE sequence BETWEEN $1 AND $2 ORDER BY sequence")
                .execute(Tuple.of(from, to)).map(rows -> all(rows, AuditRepository::entry));
    }

    /** The hash before {@code sequence}: the genesis value for the first entry. */
    public Uni<String> hashBefore(SqlConnection conn, long sequence) {
        if (sequence <= 1) {
            return Uni.createFrom().item(AuditChain.GENESIS);
        }
        return conn.preparedQuery("SELECT hash FROM audit_entries WHERE sequence = $1").execute(Tuple.of(sequence - 1))
                .map(rows -> first(rows, r -> r.getString("hash")));
    }

    /** The chain head: sequence 0 and the genesis hash for an organization with no entry yet. */
    public Uni<Head> head(SqlConnection conn) {
        return head(conn, "");
    }

    public record Head(long sequence, String hash) {
    }

    /**
     * {@link #head}, its row locked until the transaction ends, so that two replicas asked to sign the same head at once
     * take turns (the second sees the first's checkpoint).
     */
    public Uni<Head> headLocked(SqlConnection conn) {
        return head(conn, " FOR UPDATE");
    }

    private Uni<Head> head(SqlConnection conn, String lock) {
        return conn.query("SELECT sequence, hash FROM audit_chain_heads" + lock).execute()
                .map(rows -> {
                    Head head = first(rows, r -> new Head(r.getLong("sequence"), r.getString("hash")));
                    return head != null ? head : new Head(0, AuditChain.GENESIS);
                });
    }

    /** Every organization's chain head, in platform scope: what the scrub goes over. */
    public Uni<List<OrgHead>> heads(SqlConnection conn) {
        return conn.query("SELECT org_id, sequence FROM audit_chain_heads ORDER BY org_id").execute()
                .map(rows -> all(rows, r -> new OrgHead(r.getUUID("org_id"), r.getLong("sequence"))));
    }

    public record OrgHead(UUID org, long sequence) {
    }

    public Uni<Void> insertCheckpoint(SqlConnection conn, Checkpoint c) {
        return conn.preparedQuery("INSERT INTO audit_checkpoints (" + CHECKPOINT_COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .execute(Tuple.from(Arrays.asList(c.id(), c.orgId(), c.sequence(), c.headHash(), utc(c.signedAt()),
                        c.keyId(), c.algorithm(), c.signature())))
                .chain(() -> conn.preparedQuery("""
                                UPDATE audit_chain_heads SET checkpointed_sequence = greatest(checkpointed_sequence, $1)
                                WHERE org_id = $2""")
                        .execute(Tuple.of(c.sequence(), c.orgId())))
                .replaceWithVoid();
    }

    /** Checkpoints, newest first by (sequence, id); the cursor's position is a sequence. */
    public Uni<Page<Checkpoint>> checkpoints(SqlConnection conn, PageRequest page) {
        PageRequest.Cursor after = page.after();
        return ListQuery.select(CHECKPOINT_COLUMNS, "audit_checkpoints")
                .updatedSince("signed_at", page.updatedSince())
                .orderBy("sequence DESC, id DESC", after == null ? null : "(sequence, id) < (?, ?)",
                        after == null ? new Object[0] : new Object[]{after.sequence(), after.id()})
                .page(conn, page.limit(), AuditRepository::checkpoint);
    }

    /** The checkpoint, or null when the organization has none of this id. */
    public Uni<Checkpoint> findCheckpoint(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT " + CHECKPOINT_COLUMNS + " FROM audit_checkpoints WHERE id = $1")
                .execute(Tuple.of(id)).map(rows -> first(rows, AuditRepository::checkpoint));
    }

    /** The newest checkpoint at or below {@code atMostSequence} (null: any), or null when there is none. */
    public Uni<Checkpoint> latestCheckpoint(SqlConnection conn, Long atMostSequence) {
        return conn.preparedQuery("SELECT " + CHECKPOINT_COLUMNS + " FROM audit_checkpoints WHERE sequence <= $1"
                        + " ORDER BY sequence DESC, signed_at DESC LIMIT 1")
                .execute(Tuple.of(atMostSequence == null ? Long.MAX_VALUE : atMostSequence))
                .map(rows -> first(rows, AuditRepository::checkpoint));
    }

    /** The first checkpoint at or past {@code sequence}, or null when none is yet. */
    public Uni<Checkpoint> firstCheckpointFrom(SqlConnection conn, long sequence) {
        return conn.preparedQuery("SELECT " + CHECKPOINT_COLUMNS + " FROM audit_checkpoints WHERE sequence >= $1"
                        + " ORDER BY sequence, signed_at LIMIT 1")
                .execute(Tuple.of(sequence))
                .map(rows -> first(rows, AuditRepository::checkpoint));
    }

    /** The entry of the organization's chain the scrub verifies next: 1 before its first round. */
    public Uni<Long> scrubCursor(SqlConnection conn) {
        return conn.preparedQuery("SELECT next_sequence FROM audit_scrub_cursors").execute()
                .map(rows -> {
                    Long next = first(rows, row -> row.getLong(0));
                    return next == null ? 1L : next;
                });
    }

    public Uni<Void> keepScrubCursor(SqlConnection conn, UUID org, long next) {
        return conn.preparedQuery("""
                        INSERT INTO audit_scrub_cursors (org_id, next_sequence, updated_at) VALUES ($1, $2, now())
                        ON CONFLICT (org_id) DO UPDATE SET next_sequence = EXCLUDED.next_sequence, updated_at = now()""")
                .execute(Tuple.of(org, next)).replaceWithVoid();
    }

    /** Keeps a public key that signs checkpoints; a key already kept stays as it is. Needs the platform scope. */
    public Uni<Void> keepSigningKey(SqlConnection conn, String keyId, String algorithm, String publicKeyBase64) {
        return conn.preparedQuery("""
                        INSERT INTO audit_signing_keys (key_id, algorithm, public_key, created_at) VALUES ($1, $2, $3, now())
                        ON CONFLICT (key_id) DO NOTHING""")
                .execute(Tuple.of(keyId, algorithm, publicKeyBase64)).replaceWithVoid();
    }

    /** Organizations whose chain head has no checkpoint yet, across organizations: needs the platform scope. */
    /** Organizations whose head is at least {@code entries} (1 or more) past their last checkpoint, in platform scope. */
    public Uni<List<UUID>> headsPastCheckpoint(SqlConnection conn, long entries) {
        return conn.preparedQuery("SELECT org_id FROM audit_chain_heads WHERE sequence - checkpointed_sequence >= $1")
                .execute(Tuple.of(Math.max(1, entries))).map(rows -> all(rows, r -> r.getUUID(0)));
    }

    public Uni<String> publicKey(SqlConnection conn, String keyId) {
        return conn.preparedQuery("SELECT public_key FROM audit_signing_keys WHERE key_id = $1").execute(Tuple.of(keyId))
                .map(rows -> first(rows, r -> r.getString(0)));
    }

    /** A kept public key: base64 of its X.509 form. */
    public record SigningPublicKey(String keyId, String algorithm, String publicKey) {
    }

    /** The kept public key of this id, current or rotated out, or null when no key of this id ever signed. */
    public Uni<SigningPublicKey> signingKey(SqlConnection conn, String keyId) {
        return conn.preparedQuery("SELECT key_id, algorithm, public_key FROM audit_signing_keys WHERE key_id = $1")
                .execute(Tuple.of(keyId))
                .map(rows -> first(rows, r -> new SigningPublicKey(r.getString(0), r.getString(1), r.getString(2))));
    }

    static AuditEntry entry(Row r) {
        return new AuditEntry(r.getUUID("org_id"), r.getLong("sequence"), r.getUUID("event_id"), r.getString("event_type"),
                r.getString("agent_id"), r.getString("actor"), r.getString("action_type"), r.getString("connector"),
                r.getString("status"), r.getString("inputs_hash"), r.getString("outputs_hash"), json(r, "metadata"),
                instant(r, "occurred_at"), instant(r, "recorded_at"), r.getString("prev_hash"), r.getString("hash"));
    }

    static Checkpoint checkpoint(Row r) {
        return new Checkpoint(r.getUUID("id"), r.getUUID("org_id"), r.getLong("sequence"), r.getString("head_hash"),
                instant(r, "signed_at"), r.getString("key_id"), r.getString("algorithm"), r.getString("signature"));
    }
}
