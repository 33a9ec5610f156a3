package dev.warden.tenancy.db;

import dev.warden.api.UnavailableException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Two transactions that each hold a row the other wants: PostgreSQL undoes one (SQLSTATE 40P01), and its request is a
 * 503 with Retry-After ({@link UnavailableException}), since sent again it passes; it was a 500. The other commits.
 */
class DeadlockTest {

    private static final UUID ORG = UUID.randomUUID();

    @Test
    void oneOfTwoDeadlockedTransactionsIsUndoneAsUnavailableAndTheOtherCommits() throws SQLException {
        try (MigratedDatabase database = MigratedDatabase.create("tenancy_deadlock", 2, Duration.ofSeconds(10),
                "CREATE TABLE things (id int PRIMARY KEY, org_id uuid NOT NULL, n int NOT NULL)",
                "CALL warden_protect('things')",
                "INSERT INTO things VALUES (1, '" + ORG + "', 0), (2, '" + ORG + "', 0)")) {
            CompletableFuture<Void> firstHolds = new CompletableFuture<>();
            CompletableFuture<Void> secondHolds = new CompletableFuture<>();
            Uni<String> first = database.db.inOrg(ORG, conn -> bump(conn, 1).invoke(() -> firstHolds.complete(null))
                    .chain(() -> Uni.createFrom().completionStage(secondHolds)).chain(() -> bump(conn, 2)));
            Uni<String> second = database.db.inOrg(ORG, conn -> bump(conn, 2)
                    .chain(() -> Uni.createFrom().completionStage(firstHolds)).invoke(() -> secondHolds.complete(null))
                    .chain(() -> bump(conn, 1)));
            List<Object> outcomes = Uni.join().all(outcome(first), outcome(second)).andFailFast()
                    .await().atMost(Duration.ofSeconds(30));

            assertEquals(1, outcomes.stream().filter("committed"::equals).count(), outcomes.toString());
            UnavailableException undone = assertInstanceOf(UnavailableException.class,
                    outcomes.stream().filter(o -> o instanceof Throwable).findFirst().orElseThrow());
            assertEquals("database", undone.dependency());
        }
    }

    private static Uni<String> bump(SqlConnection conn, int id) {
        return conn.query("UPDATE things SET n = n + 1 WHERE id = " + id).execute().replaceWith("committed");
    }

    private static Uni<Object> outcome(Uni<String> transaction) {
        return transaction.map(done -> (Object) done).onFailure().recoverWithItem(failure -> failure);
    }
}
