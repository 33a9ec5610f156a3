package dev.warden.tenancy.db;

import dev.warden.api.UnavailableException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.mutiny.sqlclient.Tuple;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Organizations' transactions take turns ({@link OrgTurns}, through {@link TenantDb}) on real PostgreSQL, with a pool
 * of two: one organization's flood does not queue another's behind it; a transaction whose caller left while it waited
 * for its turn never runs; and the start deadline covers the wait for a turn.
 */
class OrgTurnsTest {

    private static final String DATABASE = "tenancy_turns";
    private static final int POOL = 2;
    private static final UUID A = UUID.randomUUID();
    private static final UUID B = UUID.randomUUID();

    private MigratedDatabase database;
    private TenantDb db;

    @BeforeEach
    void database() throws SQLException {
        database = MigratedDatabase.create(DATABASE, POOL, Duration.ofSeconds(1),
                "CREATE TABLE done (org_id uuid NOT NULL, name text NOT NULL)", "CALL warden_protect('done')");
        db = database.db;
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void oneOrganizationsFloodDoesNotQueueAnothersBehindIt() {
        List<String> finished = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            all.add(run(B, "b" + i, 0.1, finished));
        }
        all.add(run(A, "a", 0, finished));
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();

        assertEquals(11, finished.size());
        assertTrue(finished.indexOf("a") <= 2,
                "the other organization's transaction waited behind the flood: " + finished);
        assertEquals(10, names(B).size(), "every one of the flood ran");
    }

    @Test
    void aTransactionWhoseCallerLeftWhileItWaitedForItsTurnNeverRuns() {
        List<String> finished = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> first = run(B, "b0", 0.3, finished);
        CompletableFuture<Void> second = run(B, "b1", 0.3, finished);
        AtomicReference<Cancellable> left = new AtomicReference<>();
        left.set(insert(B, "left").subscribe().with(x -> { }, e -> { }));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> db.turnsWaiting(B) == 1);

        left.get().cancel();

        assertEquals(0, db.turnsWaiting(B));
        CompletableFuture.allOf(first, second).join();
        run(B, "b2", 0, finished).join(); // a later marker: what was cancelled would have run before it
        assertEquals(List.of("b0", "b1", "b2"), names(B));
    }

    @Test
    void theStartDeadlineCoversTheWaitForATurn() {
        List<String> finished = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> first = run(B, "b0", 2, finished);
        CompletableFuture<Void> second = run(B, "b1", 2, finished);

        Throwable late = insert(B, "late").onItem().transform(x -> (Throwable) null)
                .onFailure().recoverWithItem(e -> e).await().atMost(Duration.ofSeconds(5));

        assertInstanceOf(UnavailableException.class, late, "no turn within the start deadline: a 503");
        CompletableFuture.allOf(first, second).join();
        assertEquals(List.of("b0", "b1"), names(B));
    }

    /** A transaction of {@code org} that sleeps {@code seconds}, records {@code name}, and notes when it finished. */
    private CompletableFuture<Void> run(UUID org, String name, double seconds, List<String> finished) {
        return db.inOrg(org, conn -> conn.preparedQuery("SELECT pg_sleep($1)").execute(Tuple.of(seconds))
                        .chain(() -> conn.preparedQuery("INSERT INTO done (org_id, name) VALUES ($1, $2)")
                                .execute(Tuple.of(org, name))))
                .invoke(() -> finished.add(name)).replaceWithVoid()
                .subscribeAsCompletionStage();
    }

    private Uni<Void> insert(UUID org, String name) {
        return db.inOrg(org, conn -> conn.preparedQuery("INSERT INTO done (org_id, name) VALUES ($1, $2)")
                .execute(Tuple.of(org, name))).replaceWithVoid();
    }

    private List<String> names(UUID org) {
        return db.inOrg(org, conn -> conn.query("SELECT name FROM done ORDER BY name").execute().map(rows -> {
            List<String> names = new ArrayList<>();
            rows.forEach(r -> names.add(r.getString(0)));
            return names;
        })).await().atMost(Duration.ofSeconds(10));
    }
}
