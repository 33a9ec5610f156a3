package dev.warden.audit.chain;

import dev.warden.events.EventJson;
import dev.warden.events.audit.AuditEvents.AuditEntry;
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
 * connection, which has the platform scope (every organization's entries).
 */
@ApplicationScoped
public class AuditPublicationRepository {

    /** Up to {@code limit} entries past the watermarks, by organization then sequence. */
    public List<AuditEntry> next(Connection conn, int limit) throws SQLException {
        try (PreparedStatement q = conn.prepareStatement("""
                SELECT e.org_id, e.sequence, e.event_id, e.event_type, e.agent_id, e.actor, e.action_type, e.connector,
                       e.status, e.inputs_hash, e.outputs_hash, e.metadata::text, e.occurred_at, e.recorded_at,
                       e.prev_hash, e.hash
                FROM audit_publication p JOIN audit_entries e ON e.org_id = p.org_id AND e.sequence > p.published_sequence
                ORDER BY e.org_id, e.sequence LIMIT ?""")) {
            q.setInt(1, limit);
            List<AuditEntry> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(new AuditEntry(rs.getObject(1, UUID.class), rs.getLong(2), rs.getObject(3, UUID.class),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                            rs.getString(9), rs.getString(10), rs.getString(11), EventJson.tree(rs.getString(12)),
                            instant(rs.getTimestamp(13)), instant(rs.getTimestamp(14)), rs.getString(15), rs.getString(16)));
                }
            }
            return out;
        }
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
