package dev.warden.audit.chain;

import dev.warden.testing.LocalPostgres;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code warden_audit_oldest_waiting}, behind {@code warden_audit_topic_oldest_age_seconds}: the entry after each
 * organization's watermark, read as the runtime role under Row-Level Security, which shows it no organization's
 * entries but the one in scope. Everything is written and read in one transaction rolled back at the end, so the
 * running publisher never sees these chains.
 */
@QuarkusTest
class OldestWaitingTest {

    /** Long before any entry the suite records, so that no real chain waiting beside these is older. */
    private static final Instant LONG_AGO = Instant.now().truncatedTo(ChronoUnit.MICROS).minus(Duration.ofDays(36_500));

    @Test
    void theOldestEntryAfterAnyWatermarkIsFoundInItsOwnOrganizationsScope() throws SQLException {
        // The lowest and highest ids, so that a bound of one organization takes the first of every waiting one
        UUID early = new UUID(0L, 1L);
        UUID late = new UUID(-1L, -1L);
        UUID published = UUID.randomUUID();
        LocalPostgres pg = WardenInfra.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("warden_audit_test"), LocalPostgres.APP_ROLE, pg.appPassword())) {
            c.setAutoCommit(false);
            try {
                // early: entries 1 to 3 recorded 30, 20 and 10 minutes ago, published up to 2: entry 3 waits (10 min)
                chain(c, early, 3, 2, minutesAgo(30));
                // late: entries 1 to 2 recorded 50 and 40 minutes ago, published up to 0: entry 1 waits (50 min)
                chain(c, late, 2, 0, minutesAgo(50));
                // published: every entry on the topic, however old
                chain(c, published, 2, 2, minutesAgo(90));
                scope(c, "warden.platform", "on");
                scope(c, "warden.org_id", published.toString());

                assertEquals(minutesAgo(50), oldestWaiting(c, 1_000), "the older waiting entry, of another organization than the caller's scope");
                assertEquals(minutesAgo(10), oldestWaiting(c, 1), "within the bound: the first organization by id only");
                assertEquals(published.toString(), setting(c, "warden.org_id"), "the caller's scope given back");
                try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM audit_entries WHERE org_id = ?")) {
                    s.setObject(1, late);
                    try (ResultSet rs = s.executeQuery()) {
                        rs.next();
                        assertEquals(0, rs.getLong(1), "Row-Level Security hides another organization's entries");
                    }
                }
                // Everything published: nothing waits
                try (PreparedStatement s = c.prepareStatement(
                        "UPDATE audit_publication p SET published_sequence = h.sequence FROM audit_chain_heads h "
                                + "WHERE h.org_id = p.org_id AND p.org_id IN (?, ?)")) {
                    s.setObject(1, early);
                    s.setObject(2, late);
                    assertEquals(2, s.executeUpdate());
                }
                Instant oldest = oldestWaiting(c, 1_000);
                assertTrue(oldest == null || oldest.isAfter(LONG_AGO), "none of these waits: " + oldest);
            } finally {
                c.rollback();
            }
        }
    }

    private static Instant minutesAgo(int minutes) {
        return LONG_AGO.minus(Duration.ofMinutes(minutes));
    }

    /** Entries 1 to {@code length}, ten minutes apart from {@code first}, published up to {@code publishedUpTo}. */
    private static void chain(Connection c, UUID org, int length, int publishedUpTo, Instant first) throws SQLException {
        scope(c, "warden.platform", "");
        scope(c, "warden.org_id", org.toString());
        for (int sequence = 1; sequence <= length; sequence++) {
            try (PreparedStatement s = c.prepareStatement("""
                    INSERT INTO audit_entries (org_id, sequence, event_id, event_type, action_type, metadata, occurred_at,
                                               recorded_at, prev_hash, hash)
                    VALUES (?, ?, ?, 'test', 'test', '{}', ?, ?, 'prev', 'hash')""")) {
                Timestamp at = Timestamp.from(first.plus(Duration.ofMinutes(10L * (sequence - 1))));
                s.setObject(1, org);
                s.setLong(2, sequence);
                s.setObject(3, UUID.randomUUID());
                s.setTimestamp(4, at);
                s.setTimestamp(5, at);
                s.executeUpdate();
            }
        }
        try (PreparedStatement s = c.prepareStatement("INSERT INTO audit_chain_heads (org_id, sequence, hash) VALUES (?, ?, 'hash')")) {
            s.setObject(1, org);
            s.setLong(2, length);
            s.executeUpdate();
        }
        scope(c, "warden.platform", "on");
        try (PreparedStatement s = c.prepareStatement("INSERT INTO audit_publication (org_id, published_sequence) VALUES (?, ?)")) {
            s.setObject(1, org);
            s.setLong(2, publishedUpTo);
            s.executeUpdate();
        }
    }

    private static Instant oldestWaiting(Connection c, int most) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT warden_audit_oldest_waiting(?)")) {
            s.setInt(1, most);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                Timestamp at = rs.getTimestamp(1);
                return at == null ? null : at.toInstant();
            }
        }
    }

    private static void scope(Connection c, String setting, String value) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT set_config(?, ?, true)")) {
            s.setString(1, setting);
            s.setString(2, value);
            s.execute();
        }
    }

    private static String setting(Connection c, String setting) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT current_setting(?, true)")) {
            s.setString(1, setting);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
