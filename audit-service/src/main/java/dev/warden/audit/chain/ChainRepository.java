package dev.warden.audit.chain;

import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.tenancy.db.AfterCommit;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.jsonText;
import static dev.warden.tenancy.db.Rows.utc;

/** Writing the chain: its head, under a row lock, and its entries. The audit role may only insert entries. */
@ApplicationScoped
public class ChainRepository {

    /**
     * Locks the organization's chain head until the transaction ends, creating it (and its publication watermark) with
     * the organization's first entry; concurrent appenders for one organization take turns here.
     */
    public Uni<AuditRepository.Head> lockHead(SqlConnection conn, UUID org) {
        return conn.preparedQuery("INSERT INTO audit_chain_heads (org_id, sequence, hash) VALUES ($1, 0, $2) ON CONFLICT DO NOTHING")
                .execute(Tuple.of(org, AuditChain.GENESIS))
                .chain(() -> conn.preparedQuery("INSERT INTO audit_publication (org_id) VALUES ($1) ON CONFLICT DO NOTHING")
                        .execute(Tuple.of(org)))
                .chain(() -> conn.preparedQuery("SELECT sequence, hash FROM audit_chain_heads WHERE org_id = $1 FOR UPDATE")
                        .execute(Tuple.of(org)))
                .map(rows -> {
                    var head = rows.iterator().next();
                    return new AuditRepository.Head(head.getLong("sequence"), head.getString("hash"));
                });
    }

    /** Which of {@code eventIds} the chain holds already. */
    public Uni<Set<UUID>> recorded(SqlConnection conn, UUID org, Collection<UUID> eventIds) {
        return conn.preparedQuery("SELECT event_id FROM audit_entries WHERE org_id = $1 AND event_id = ANY ($2)")
                .execute(Tuple.of(org, eventIds.toArray(UUID[]::new)))
                .map(rows -> {
                    Set<UUID> known = new HashSet<>();
                    rows.forEach(r -> known.add(r.getUUID(0)));
                    return known;
                });
    }

    /** Inserts linked entries and moves the head to the last: one statement for the whole batch, a row per element. */
    public Uni<Void> append(SqlConnection conn, UUID org, List<AuditEntry> linked, String traceparent) {
        AuditEntry last = linked.getLast();
        return conn.preparedQuery("""
                        INSERT INTO audit_entries (org_id, sequence, event_id, event_type, agent_id, actor, action_type,
                            connector, status, inputs_hash, outputs_hash, metadata, occurred_at, recorded_at, prev_hash, hash,
                            traceparent)
                        SELECT $1, x.*, $17 FROM unnest($2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[],
                            $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[]::jsonb[],
                            $13::timestamptz[], $14::timestamptz[], $15::text[], $16::text[]) AS x""")
                .execute(columns(org, linked).addString(traceparent))
                .chain(() -> conn.preparedQuery("UPDATE audit_chain_heads SET sequence = $2, hash = $3 WHERE org_id = $1")
                        .execute(Tuple.of(org, last.sequence(), last.hash())))
                .chain(() -> AfterCommit.notifyListeners(conn, AuditTopicPublisher.CHANNEL));
    }

    private static Tuple columns(UUID org, List<AuditEntry> entries) {
        int n = entries.size();
        Long[] sequence = new Long[n];
        UUID[] eventId = new UUID[n];
        String[][] text = new String[11][n];
        OffsetDateTime[] occurred = new OffsetDateTime[n];
        OffsetDateTime[] recorded = new OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
            AuditEntry e = entries.get(i);
            sequence[i] = e.sequence();
            eventId[i] = e.eventId();
            String[] values = {e.eventType(), e.agentId(), e.actor(), e.actionType(), e.connector(), e.status(),
                    e.inputsHash(), e.outputsHash(), jsonText(e.metadata()), e.prevHash(), e.hash()};
            for (int c = 0; c < values.length; c++) {
                text[c][i] = values[c];
            }
            occurred[i] = utc(e.occurredAt());
            recorded[i] = utc(e.recordedAt());
        }
        return Tuple.from(Arrays.asList(org, sequence, eventId, text[0], text[1], text[2], text[3], text[4],
                text[5], text[6], text[7], text[8], occurred, recorded, text[9], text[10]));
    }
}
