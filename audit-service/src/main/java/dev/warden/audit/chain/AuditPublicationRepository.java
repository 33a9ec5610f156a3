package dev.warden.audit.chain;

import dev.warden.events.EventJson;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.outbox.MeasuredPublisher;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * How far each organization's chain is published on {@code warden.audit.v1}: plain JDBC on the publisher's leader
 * connection, which has the platform scope for the watermarks and takes each organization's scope for its entries;
 * the backlog for the metrics on the reactive client.
 */
@ApplicationScoped
public class AuditPublicationRepository {

    /**
     * Up to {@code limit} entries past the watermarks, by organization then sequence. Each organization's entries are
     * read under that organization's own scope: {@code audit_entries} has no cross-organization policy, so its
     * Row-Level Security stays a plain {@code org_id = ...} that every index of the table serves (an OR with a
     * platform policy made every list of the audit log scan and sort the whole table).
     */
    public List<Published> next(Connection conn, int limit) throws SQLException {
        List<Published> out = new ArrayList<>();
        try {
            for (Pending p : pending(conn)) {
                if (out.size() >= limit) {
                    break;
                }
                scope(conn, p.org().toString());
                readAfter(conn, p.published(), limit - out.size(), out);
            }
        } finally {
            scope(conn, "");
        }
        return out;
    }

    private record Pending(UUID org, long published) {
    }

    /** An entry to publish, with the trace context it was recorded in (null when that was not traced). */
    public record Published(AuditEntry entry, String traceparent) {
    }

    /** Organizations whose head is past their watermark (platform scope: both tables admit it). */
    private static List<Pending> pending(Connection conn) throws SQLException {
        try (PreparedStatement q = conn.prepareStatement("""
                SELECT p.org_id, p.published_sequence FROM audit_publication p JOIN audit_chain_heads h USING (org_id)
                WHERE h.sequence > p.published_sequence ORDER BY p.org_id""");
             ResultSet rs = q.executeQuery()) {
            List<Pending> pending = new ArrayList<>();
            while (rs.next()) {
                pending.add(new Pending(rs.getObject(1, UUID.class), rs.getLong(2)));
            }
            return pending;
        }
    }

    private static void scope(Connection conn, String org) throws SQLException {
        try (PreparedStatement s = conn.prepareStatement("SELECT set_config('warden.org_id', ?, false)")) {
            s.setString(1, org);
            s.execute();
        }
    }

    private static void readAfter(Connection conn, long after, int limit, List<Published> out) throws SQLException {
        try (PreparedStatement q = conn.prepareStatement("""
                SELECT org_id, sequence, event_id, event_type, agent_id, actor, action_type, connector, status,
                       inputs_hash, outputs_hash, metadata::text, occurred_at, recorded_at, prev_hash, hash, traceparent
                FROM audit_entries WHERE sequence > ? ORDER BY sequence LIMIT ?""")) {
            q.setLong(1, after);
            q.setInt(2, limit);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(new Published(new AuditEntry(rs.getObject(1, UUID.class), rs.getLong(2), rs.getObject(3, UUID.class),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                            rs.getString(9), rs.getString(10), rs.getString(11), EventJson.tree(rs.getString(12)),
                            instant(rs.getTimestamp(13)), instant(rs.getTimestamp(14)), rs.getString(15), rs.getString(16)),
                            rs.getString(17)));
                }
            }
        }
    }

    /**
     * Organizations whose entries {@link #waiting} reads one by one for the oldest: past this many waiting at once, the
     * oldest age is a lower bound (of the last by id, which the publisher serves last), and the statement stays bounded.
     */
    static final int OLDEST_AMONG = 1_000;

    /**
     * The entries recorded and not yet published, over every organization (platform scope: the watermarks and the
     * heads, one row per organization), and how long the oldest has waited: the entry after each watermark, read in its
     * organization's scope by {@code warden_audit_oldest_waiting} (migration V14), for at most {@link #OLDEST_AMONG}
     * organizations. The age is taken on the clock, as the outbox's is ({@code OutboxMetrics}).
     */
    public Uni<MeasuredPublisher.Waiting> waiting(SqlConnection conn) {
        return conn.query("""
                        SELECT (SELECT COALESCE(sum(h.sequence - p.published_sequence), 0)::bigint
                                FROM audit_publication p JOIN audit_chain_heads h USING (org_id)
                                WHERE h.sequence > p.published_sequence) AS backlog,
                               GREATEST(COALESCE(EXTRACT(EPOCH FROM clock_timestamp()
                                   - warden_audit_oldest_waiting(%d)), 0), 0)::float8 AS oldest_age"""
                        .formatted(OLDEST_AMONG)).execute()
                .map(rows -> rows.iterator().next())
                .map(row -> new MeasuredPublisher.Waiting(row.getLong("backlog"), row.getDouble("oldest_age")));
    }

    /** Moves each organization's watermark up to the sequence given (never down). */
    public void advance(Connection conn, Map<UUID, Long> published) throws SQLException {
        if (published.isEmpty()) {
            return;
        }
        try (PreparedStatement u = conn.prepareStatement(
                "UPDATE audit_publication SET published_sequence = ? WHERE org_id = ? AND published_sequence < ?")) {
            for (Map.Entry<UUID, Long> p : published.entrySet()) {
                u.setLong(1, p.getValue());
                u.setObject(2, p.getKey());
                u.setLong(3, p.getValue());
                u.addBatch();
            }
            u.executeBatch();
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
