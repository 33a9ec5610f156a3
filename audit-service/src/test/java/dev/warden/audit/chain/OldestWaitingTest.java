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
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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
        // Ids in order: published first in the function's order (the highest: it reads the last by id first), then
        // late, then early, so that a bound of one finds late's entry only if published's chain does not count
        UUID published = new UUID(-1L, -1L);
        UUID late = new UUID(-1L, -2L);
        UUID early = new UUID(0L, 1L);
        LocalPostgres pg = WardenInfra.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("warden_audit_test"), LocalPostgres.APP_ROLE, pg.appPassword())) {
            c.setAutoCommit(false);
            try {
                // early: entries 1 to 3 recorded at -50, -40 and -30 minutes, published up to 1: entry 2 waits (-40)
                chain(c, early, 3, 1, minutes(-50));
                // late: entries 1 and 2 recorded at -20 and -10 minutes, none published: entry 1 waits (-20)
                chain(c, late, 2, 0, minutes(-20));
                // published: every entry on the topic, however old
                chain(c, published, 2, 2, minutes(-90));
                scope(c, "warden.platform", "on");
                scope(c, "warden.org_id", published.toString());

                assertEquals(minutes(-40), oldestWaiting(c, 1_000), "the oldest waiting entry, of another organization than the caller's scope");
                assertEquals(minutes(-20), oldestWaiting(c, 1),
                        "within a bound of one: the last waiting organization by id only, one all published not counted");
                assertEquals(published.toString(), one(c, String.class, "SELECT current_setting('warden.org_id', true)"),
                        "the caller's scope given back");
                assertEquals(0L, one(c, Long.class, "SELECT count(*) FROM audit_entries WHERE org_id = ?", late),
                        "Row-Level Security hides another organization's entries");

                assertEquals(2, update(c, "UPDATE audit_publication p SET published_sequence = h.sequence "
                        + "FROM audit_chain_heads h WHERE h.org_id = p.org_id AND p.org_id IN (?, ?)", early, late));
                Instant oldest = oldestWaiting(c, 1_000);
                assertTrue(oldest == null || oldest.isAfter(LONG_AGO), "all published, none of these waits: " + oldest);
            } finally {
                c.rollback();
            }
        }
    }

    private static Instant minutes(int offset) {
        return LONG_AGO.plus(Duration.ofMinutes(offset));
    }

    /** Entries 1 to {@code length}, ten minutes apart from {@code first}, published up to {@code publishedUpTo}. */
    private static void chain(Connection c, UUID org, int length, int publishedUpTo, Instant first) throws SQLException {
        scope(c, "warden.platform", "");
        scope(c, "warden.org_id", org.toString());
        for (int sequence = 1; sequence <= length; sequence++) {
            OffsetDateTime at = first.plus(Duration.ofMinutes(10L * (sequence - 1))).atOffset(ZoneOffset.UTC);
            update(c, """
                    INSERT INTO audit_entries (org_id, sequence, event_id, event_type, action_type, metadata, occurred_at,
                                               recorded_at, prev_hash, hash)
                    VALUES (?, ?, ?, 'test', 'test', '{}', ?, ?, 'prev', 'hash')""", org, sequence, UUID.randomUUID(), at, at);
        }
        update(c, "INSERT INTO audit_chain_heads (org_id, sequence, hash) VALUES (?, ?, 'hash')", org, length);
        scope(c, "warden.platform", "on");
        update(c, "INSERT INTO audit_publication (org_id, published_sequence) VALUES (?, ?)", org, publishedUpTo);
    }

    private static Instant oldestWaiting(Connection c, int most) throws SQLException {
        OffsetDateTime at = one(c, OffsetDateTime.class, "SELECT warden_audit_oldest_waiting(?)", most);
        return at == null ? null : at.toInstant();
    }

    private static void scope(Connection c, String setting, String value) throws SQLException {
        one(c, String.class, "SELECT set_config(?, ?, true)", setting, value);
    }

    private static int update(Connection c, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement s = prepared(c, sql, parameters)) {
            return s.executeUpdate();
        }
    }

    /** The one value a statement answers. */
    private static <T> T one(Connection c, Class<T> type, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement s = prepared(c, sql, parameters); ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getObject(1, type);
        }
    }

    private static PreparedStatement prepared(Connection c, String sql, Object... parameters) throws SQLException {
        PreparedStatement s = c.prepareStatement(sql);
        for (int i = 0; i < parameters.length; i++) {
            s.setObject(i + 1, parameters[i]);
        }
        return s;
    }
}
