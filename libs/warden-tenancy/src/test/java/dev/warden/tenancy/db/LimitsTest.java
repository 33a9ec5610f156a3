package dev.warden.tenancy.db;

import dev.warden.api.ApiException;
import io.vertx.mutiny.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kind's limit per organization (V0_9, {@link Limits}) on real PostgreSQL, as the runtime role under Row-Level
 * Security: what a table held before it was counted counts, a statement that would pass the limit writes nothing and
 * is a 403, another organization keeps its own room, a removed row frees room, and a kind the configuration no longer
 * names has no limit.
 */
class LimitsTest {

    private static final String DATABASE = "tenancy_limits";
    private static final UUID A = UUID.randomUUID();
    private static final UUID B = UUID.randomUUID();

    private MigratedDatabase database;
    private TenantDb db;

    @BeforeEach
    void database() throws SQLException {
        database = MigratedDatabase.create(DATABASE, 2, Duration.ofSeconds(10),
                "CREATE TABLE things (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), org_id uuid NOT NULL)",
                "CALL warden_protect('things')",
                "INSERT INTO things (org_id) VALUES ('" + A + "'), ('" + A + "')", // before it was counted
                "CALL warden_keep_count('things', 'things')");
        db = database.db;
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void anOrganizationKeepsAtMostItsLimitAndARefusedStatementWritesNothing() {
        limits(Map.of("things", 3L, "other-things", 10L));

        add(A, 1); // the two it held before the table was counted, and one
        ApiException refused = assertThrows(ApiException.class, () -> add(A, 1));
        assertEquals(403, refused.status());
        assertEquals("quota_exceeded", refused.code());
        assertTrue(refused.getMessage().contains("the most things it may (3)"), refused.getMessage());
        assertTrue(refused.getMessage().contains("warden.limits.things"), refused.getMessage());
        assertEquals(3, count(A));

        add(B, 3); // another organization's room is its own
        assertThrows(ApiException.class, () -> add(B, 2));
        assertEquals(3, count(B), "a statement that would pass the limit adds none of its rows");

        db.inOrg(A, conn -> conn.query("DELETE FROM things WHERE id = (SELECT id FROM things LIMIT 1)").execute())
                .await().atMost(Duration.ofSeconds(10));
        add(A, 1); // a removed row frees its room
        assertEquals(3, count(A));

        limits(Map.of("other-things", 10L)); // no longer named: no limit
        add(A, 5);
        assertEquals(8, count(A));
    }

    @Test
    void aNegativeLimitIsRefusedAtStart() {
        assertThrows(IllegalArgumentException.class, () -> new Limits(db, () -> Map.of("things", -1L)));
    }

    private void limits(Map<String, Long> kinds) {
        Limits limits = new Limits(db, () -> kinds);
        db.asPlatform(limits::write).await().atMost(Duration.ofSeconds(10));
    }

    private void add(UUID org, int rows) {
        db.inOrg(org, conn -> conn.preparedQuery("INSERT INTO things (org_id) SELECT $1 FROM generate_series(1, $2)")
                .execute(Tuple.of(org, rows)).replaceWithVoid()).await().atMost(Duration.ofSeconds(10));
    }

    private long count(UUID org) {
        return db.inOrg(org, conn -> conn.query("SELECT count(*) FROM things").execute()
                .map(rows -> rows.iterator().next().getLong(0))).await().atMost(Duration.ofSeconds(10));
    }
}
