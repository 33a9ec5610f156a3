package dev.warden.audit.chain;

import dev.warden.audit.drift.DriftDetector;
import dev.warden.audit.drift.DriftDetector.Chained;
import dev.warden.audit.drift.DriftDetector.Incoming;
import dev.warden.events.EventTypes;
import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.events.audit.AuditEvents.DriftEvent;
import dev.warden.outbox.Outbox;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.jsonText;
import static dev.warden.tenancy.db.Rows.utc;

/**
 * Appends entries to an organization's chain, a whole batch per transaction: lock the chain head, skip events
 * already recorded, add the drift each new action shows, link everything in memory, write it in one round trip and
 * move the head. {@code AuditTopicPublisher} publishes the entries on {@code warden.audit.v1} from the chain itself. The head lock makes concurrent appenders take turns, so the chain
 * never forks and its sequence has no gaps.
 */
@ApplicationScoped
public class ChainAppender {

    private final TenantDb db;
    private final Outbox outbox;
    private final DriftDetector drift;

    public ChainAppender(TenantDb db, Outbox outbox, DriftDetector drift) {
        this.db = db;
        this.outbox = outbox;
        this.drift = drift;
    }

    /**
     * Appends what is new among {@code incoming} (all of {@code org}), each action followed by the drift it shows,
     * and answers the entries appended.
     */
    public Uni<List<AuditEntry>> append(UUID org, List<Incoming> incoming, Instant now) {
        Map<UUID, Incoming> unique = new LinkedHashMap<>();
        incoming.forEach(i -> unique.putIfAbsent(i.event().id(), i));
        return db.inOrg(org, conn -> lockHead(conn, org)
                .chain(head -> alreadyRecorded(conn, org, unique.keySet())
                        .map(known -> unique.values().stream().filter(i -> !known.contains(i.event().id())).toList())
                        .chain(fresh -> fresh.isEmpty() ? Uni.createFrom().item(List.<Chained>of())
                                : drift.expand(conn, org, fresh, now))
                        .chain(chained -> {
                            List<AuditEntry> linked = new ArrayList<>();
                            List<DriftEvent> drifts = new ArrayList<>();
                            long sequence = head.getLong("sequence");
                            String prev = head.getString("hash");
                            for (Chained c : chained) {
                                AuditEntry placed = AuditChain.link(c.entry(), ++sequence, prev);
                                linked.add(placed);
                                prev = placed.hash();
                                if (c.drift() != null) {
                                    drifts.add(at(c.drift(), placed.sequence()));
                                }
                            }
                            return linked.isEmpty() ? Uni.createFrom().item(linked) : write(conn, org, linked, drifts);
                        })));
    }

    private Uni<Row> lockHead(SqlConnection conn, UUID org) {
        return conn.preparedQuery("INSERT INTO audit_chain_heads (org_id, sequence, hash) VALUES ($1, 0, $2) ON CONFLICT DO NOTHING")
                .execute(Tuple.of(org, AuditChain.GENESIS))
                .chain(() -> conn.preparedQuery("INSERT INTO audit_publication (org_id) VALUES ($1) ON CONFLICT DO NOTHING")
                        .execute(Tuple.of(org)))
                .chain(() -> conn.preparedQuery("SELECT sequence, hash FROM audit_chain_heads WHERE org_id = $1 FOR UPDATE")
                        .execute(Tuple.of(org)))
                .map(rows -> rows.iterator().next());
    }

    private Uni<Set<UUID>> alreadyRecorded(SqlConnection conn, UUID org, Set<UUID> eventIds) {
        return conn.preparedQuery("SELECT event_id FROM audit_entries WHERE org_id = $1 AND event_id = ANY ($2)")
                .execute(Tuple.of(org, eventIds.toArray(UUID[]::new)))
                .map(rows -> {
                    Set<UUID> known = new HashSet<>();
                    rows.forEach(r -> known.add(r.getUUID(0)));
                    return known;
                });
    }

    private Uni<List<AuditEntry>> write(SqlConnection conn, UUID org, List<AuditEntry> linked, List<DriftEvent> drifts) {
        AuditEntry last = linked.getLast();
        // Entries reach warden.audit.v1 from the chain itself (AuditTopicPublisher); drift events through the outbox.
        List<Outbox.Message> published = new ArrayList<>();
        drifts.forEach(d -> published.add(new Outbox.Message(EventTypes.AUDIT_DRIFT_DETECTED, d.agentId(), org.toString(), d)));
        // One statement for the whole batch: a row per array element (executeBatch would run one per entry).
        return conn.preparedQuery("""
                        INSERT INTO audit_entries (org_id, sequence, event_id, event_type, agent_id, actor, action_type,
                            connector, status, inputs_hash, outputs_hash, metadata, occurred_at, recorded_at, prev_hash, hash)
                        SELECT $1, x.* FROM unnest($2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::text[], $10::text[], $11::text[], $12::text[]::jsonb[], $13::timestamptz[],
                            $14::timestamptz[], $15::text[], $16::text[]) AS x""")
                .execute(columns(org, linked))
                .chain(() -> insertDrifts(conn, drifts))
                .chain(() -> conn.preparedQuery("UPDATE audit_chain_heads SET sequence = $2, hash = $3 WHERE org_id = $1")
                        .execute(Tuple.of(org, last.sequence(), last.hash())))
                .chain(() -> outbox.emitAll(conn, org, published))
                .replaceWith(linked);
    }

    private static Tuple columns(UUID org, List<AuditEntry> entries) {
        int n = entries.size();
        Long[] sequence = new Long[n];
        UUID[] eventId = new UUID[n];
        String[][] text = new String[11][n];
        java.time.OffsetDateTime[] occurred = new java.time.OffsetDateTime[n];
        java.time.OffsetDateTime[] recorded = new java.time.OffsetDateTime[n];
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
        return Tuple.from(java.util.Arrays.asList(org, sequence, eventId, text[0], text[1], text[2], text[3], text[4],
                text[5], text[6], text[7], text[8], occurred, recorded, text[9], text[10]));
    }

    private Uni<Void> insertDrifts(SqlConnection conn, List<DriftEvent> drifts) {
        if (drifts.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery("""
                        INSERT INTO drift_events (id, org_id, agent_id, drift_type, action_event_id, connector, action,
                            data_type, details, occurred_at, detected_at, sequence)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb, $10, $11, $12)""")
                .executeBatch(drifts.stream().map(d -> Tuple.from(java.util.Arrays.asList(d.id(), d.orgId(), d.agentId(),
                        d.driftType(), d.actionEventId(), d.connector(), d.action(), d.dataType(), jsonText(d.details()),
                        utc(d.occurredAt()), utc(d.detectedAt()), d.sequence()))).toList())
                .replaceWithVoid();
    }

    private static DriftEvent at(DriftEvent d, long sequence) {
        return new DriftEvent(d.id(), d.orgId(), d.agentId(), d.driftType(), d.actionEventId(), d.connector(), d.action(),
                d.dataType(), d.details(), AuditChain.micros(d.occurredAt()), AuditChain.micros(d.detectedAt()), sequence);
    }
}
