package dev.warden.tenancy.db;

import dev.warden.testing.LocalPostgres;
import dev.warden.testing.WardenInfra;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AfterCommit#notifyListeners} on real PostgreSQL, heard by a listener as the leader jobs listen: a transaction's
 * notification comes once it has committed, never for one that rolled back, and many transactions at once are each
 * followed by one.
 */
class NotifyAfterCommitTest {

    private static final String DATABASE = "tenancy_notify";
    private static final String CHANNEL = "warden_test_wakeup";
    private static final UUID ORG = UUID.randomUUID();

    private MigratedDatabase database;
    private TenantDb db;
    private Connection listener;

    @BeforeEach
    void database() throws SQLException {
        database = MigratedDatabase.create(DATABASE, 4, Duration.ofSeconds(10),
                "CREATE TABLE things (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), org_id uuid NOT NULL)",
                "CALL warden_protect('things')");
        db = database.db;
        LocalPostgres pg = WardenInfra.postgres();
        listener = DriverManager.getConnection(pg.jdbcUrl(DATABASE), pg.superUser(), pg.superPassword());
        try (Statement s = listener.createStatement()) {
            s.execute("LISTEN " + CHANNEL);
        }
    }

    @AfterEach
    void close() throws SQLException {
        listener.close();
        database.close();
    }

    @Test
    void aTransactionsNotificationComesOnceItHasCommittedAndNeverForOneRolledBack() throws SQLException {
        assertThrows(IllegalStateException.class, () -> db.inOrg(ORG, conn -> add(conn)
                .chain(() -> AfterCommit.notifyListeners(conn, CHANNEL))
                .chain(() -> Uni.createFrom().failure(new IllegalStateException("rolled back"))))
                .await().atMost(Duration.ofSeconds(10)));

        db.inOrg(ORG, conn -> add(conn).chain(() -> AfterCommit.notifyListeners(conn, CHANNEL))
                        .chain(() -> AfterCommit.notifyListeners(conn, CHANNEL)))
                .await().atMost(Duration.ofSeconds(10));
        // The committed one's: the only one, though it asked twice; the rolled-back one, before it, sent none.
        List<PGNotification> heard = heard(1);
        assertEquals(1, heard.size());
        assertEquals(CHANNEL, heard.getFirst().getName());
        assertEquals("", heard.getFirst().getParameter());
        // Nothing more: a notification of our own, sent now, is the next one heard.
        try (Statement s = listener.createStatement()) {
            s.execute("NOTIFY " + CHANNEL + ", 'marker'");
        }
        assertEquals("marker", heard(1).getFirst().getParameter());
    }

    @Test
    void everyOneOfManyTransactionsAtOnceIsFollowedByANotificationSentAfterItsCommit() throws SQLException {
        int transactions = 40;
        Uni.join().all(IntStream.range(0, transactions)
                        .mapToObj(i -> db.inOrg(ORG, conn -> add(conn).chain(() -> AfterCommit.notifyListeners(conn, CHANNEL))))
                        .toList())
                .andFailFast().await().atMost(Duration.ofSeconds(30));
        // At most one is in flight at a time, so at most one per transaction, and at least one after the last commit.
        List<PGNotification> heard = heard(1);
        assertTrue(heard.size() <= transactions, heard.size() + " notifications");
        // Nothing more after that: a notification of our own, sent now, is the next one heard.
        try (Statement s = listener.createStatement()) {
            s.execute("NOTIFY " + CHANNEL + ", 'marker'");
        }
        assertEquals("marker", heard(1).getFirst().getParameter());
    }

    @Test
    void onAConnectionOutsideTenantDbsTransactionsTheNotificationGoesInItsOwnTransaction() throws SQLException {
        database.pool().withTransaction(conn -> AfterCommit.notifyListeners(conn, CHANNEL))
                .await().atMost(Duration.ofSeconds(10));
        assertEquals(CHANNEL, heard(1).getFirst().getName());
    }

    private static Uni<Void> add(io.vertx.mutiny.sqlclient.SqlConnection conn) {
        return conn.query("INSERT INTO things (org_id) VALUES (warden_current_org())").execute().replaceWithVoid();
    }

    /** What the listener hears, waiting up to 10 s for at least {@code atLeast} notifications and then 200 ms more. */
    private List<PGNotification> heard(int atLeast) throws SQLException {
        PGConnection pg = listener.unwrap(PGConnection.class);
        List<PGNotification> heard = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (heard.size() < atLeast && System.nanoTime() < deadline) {
            PGNotification[] got = pg.getNotifications(500);
            if (got != null) {
                heard.addAll(List.of(got));
            }
        }
        PGNotification[] more = pg.getNotifications(200);
        if (more != null) {
            heard.addAll(List.of(more));
        }
        assertTrue(heard.size() >= atLeast, "heard " + heard.size() + " notifications");
        return heard;
    }
}
