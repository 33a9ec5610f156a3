package dev.warden.tenancy.db;

import dev.warden.api.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kind's limit per organization (V0_9, {@link Limits}) on real PostgreSQL, as the runtime role under Row-Level
 * Security: what a table held before it was counted counts, a statement that would pass the limit writes nothing and
 * is a 403, another organization keeps its own room, a removed row frees room, and a kind the configuration no longer
 * names has no limit. A statement sums an organization's slots only near its limit (V0_11): the limit stays exact where
 * the count is spread over the slots, where it is lowered under an organization, and where it was written before what
 * a table held was counted. One connection, so that the test knows the slot its statements move.
 */
class LimitsTest {

    private static final String DATABASE = "tenancy_limits";
    private static final UUID A = UUID.randomUUID();
    private static final UUID B = UUID.randomUUID();
    private static final UUID C = UUID.randomUUID();
    /** The kinds this test counts, in place of {@link Limits#KINDS}. */
    private static final Set<String> KNOWN = Set.of("things", "other-things", "held");

    private MigratedDatabase database;
    private TenantDb db;

    @BeforeEach
    void database() throws SQLException {
        database = MigratedDatabase.create(DATABASE, 1, Duration.ofSeconds(10),
                "CREATE TABLE things (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), org_id uuid NOT NULL)",
                "CALL warden_protect('things')",
                "INSERT INTO things (org_id) VALUES ('" + A + "'), ('" + A + "')", // before it was counted
                "CALL warden_keep_count('things', 'things')",
                // a kind whose limit is written before what its table held is counted: 31 of 32, all in slot 0
                "CREATE TABLE held (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), org_id uuid NOT NULL)",
                "CALL warden_protect('held')",
                "INSERT INTO held (org_id) SELECT '" + A + "' FROM generate_series(1, 31)",
                "INSERT INTO warden_limits (kind, most) VALUES ('held', 32)",
                "CALL warden_keep_count('held', 'held')");
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
    void theLimitIsExactWithTheCountSpreadOverEverySlot() {
        limits(Map.of("things", 32L)); // a share of 2 per slot
        spread(C, 2); // 30 in the other 15 slots: each at its share, so statements within theirs do not sum
        add(C, 1);
        add(C, 1); // 32, the own slot at its share
        ApiException refused = assertThrows(ApiException.class, () -> add(C, 1));
        assertEquals("quota_exceeded", refused.code());
        assertEquals(2, count(C), "the refused statement wrote nothing");
    }

    @Test
    void aLimitLoweredUnderAnOrganizationHoldsAtItsNextStatement() {
        limits(Map.of("things", 1600L)); // a share of 100
        spread(C, 90); // 1,350 in the other 15 slots
        add(C, 1); // the own slot within its share: no sum
        limits(Map.of("things", 1000L)); // a share of 62: the other slots are past it, the own one is not
        ApiException refused = assertThrows(ApiException.class, () -> add(C, 1),
                "only the mark written with the lower limit makes this statement sum");
        assertEquals("quota_exceeded", refused.code());
        assertEquals(1, count(C));
    }

    @Test
    void whatATableHeldBeforeItWasCountedIsCheckedUnderALimitWrittenEarlier() {
        addHeld(A); // 32 of 32
        ApiException refused = assertThrows(ApiException.class, () -> addHeld(A),
                "all 31 are in slot 0; only the mark warden_keep_count wrote makes another slot's statement sum");
        assertEquals("quota_exceeded", refused.code());
    }

    /** A trial's 30 creates at once with room for 5 made 10 (V0_9's bound of N - 1 for N in flight). */
    @Test
    void createsAtOnceNearTheLimitPassItByNone() throws SQLException {
        try (MigratedDatabase many = MigratedDatabase.create(DATABASE + "_at_once", 8, Duration.ofSeconds(30),
                "CREATE TABLE things (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), org_id uuid NOT NULL)",
                "CALL warden_protect('things')",
                "CALL warden_keep_count('things', 'things')")) {
            many.db.asPlatform(new Limits(many.db, () -> Map.of("things", 5L), KNOWN)::write)
                    .await().atMost(Duration.ofSeconds(10));
            List<Uni<Boolean>> creates = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                creates.add(many.db.inOrg(C, conn -> conn.query("INSERT INTO things (org_id) VALUES ('" + C + "')")
                        .execute().replaceWith(true)).onFailure(ApiException.class).recoverWithItem(false));
            }
            List<Boolean> passed = Uni.join().all(creates).andFailFast().await().atMost(Duration.ofSeconds(60));
            assertEquals(5, passed.stream().filter(p -> p).count());
            assertEquals(5L, many.db.inOrg(C, conn -> conn.query("SELECT count(*) FROM things").execute()
                    .map(rows -> rows.iterator().next().getLong(0))).await().atMost(Duration.ofSeconds(10)));
        }
    }

    @Test
    void aNegativeLimitIsRefusedAtStart() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> new Limits(db, () -> Map.of("things", -1L), KNOWN));
        assertTrue(refused.getMessage().contains("warden.limits.things must be 0 or more, not -1"), refused.getMessage());
    }

    /** A trial's WARDEN_LIMITS_ENROLMENT_TOKENS=1 (the docs' own spelling) started, logged, and bounded nothing. */
    @Test
    void aKindNoServiceCountsIsRefusedAtStart() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> new Limits(db, () -> Map.of("enrolment.tokens", 1L)));
        assertTrue(refused.getMessage().contains("warden.limits.enrolment.tokens names no kind Warden counts"),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("enrollment-tokens"), refused.getMessage());
        new Limits(db, () -> Map.of("enrollment.tokens", 1L, "AGENT_VERSIONS", 2L, "agents", 3L)); // as variables give them
    }

    @Test
    void aServiceWritesOnlyTheKindsItsDatabaseCounts() {
        limits(Map.of("other.things", 7L, "things", 3L)); // the same settings given to every service
        assertEquals(Map.of("things", 3L), db.asPlatform(conn -> conn.query("SELECT kind, most FROM warden_limits")
                .execute().map(rows -> {
                    Map<String, Long> written = new java.util.HashMap<>();
                    rows.forEach(row -> written.put(row.getString("kind"), row.getLong("most")));
                    return written;
                })).await().atMost(Duration.ofSeconds(10)));
    }

    private void limits(Map<String, Long> kinds) {
        Limits limits = new Limits(db, () -> kinds, KNOWN);
        db.asPlatform(limits::write).await().atMost(Duration.ofSeconds(10));
    }

    /**
     * Counts {@code each} of {@code org}'s things in every slot but the one this test's connection moves, as if other
     * connections had added them (without the rows: {@link #count} reads only what the test adds).
     */
    private void spread(UUID org, long each) {
        int own = db.inOrg(org, conn -> conn.query("SELECT pg_backend_pid() & 15").execute()
                .map(rows -> rows.iterator().next().getInteger(0))).await().atMost(Duration.ofSeconds(10));
        db.asPlatform(conn -> conn.preparedQuery("INSERT INTO warden_kept (org_id, kind, slot, n) "
                        + "SELECT $1, 'things', slot, $3 FROM generate_series(0, 15) slot WHERE slot <> $2")
                .execute(Tuple.of(org, own, each)).replaceWithVoid()).await().atMost(Duration.ofSeconds(10));
    }

    private void addHeld(UUID org) {
        db.inOrg(org, conn -> conn.preparedQuery("INSERT INTO held (org_id) VALUES ($1)").execute(Tuple.of(org))
                .replaceWithVoid()).await().atMost(Duration.ofSeconds(10));
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
