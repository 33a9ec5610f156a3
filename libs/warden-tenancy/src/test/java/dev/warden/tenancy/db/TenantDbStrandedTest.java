package dev.warden.tenancy.db;

import dev.warden.api.UnavailableException;
import dev.warden.testing.CuttableProxy;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.WardenInfra;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A database that vanishes without closing its connections (a failover behind a network that drops packets), met by
 * the request pool on real PostgreSQL: every connection of a full pool is stranded at once, and once each has cost one
 * transaction its 503 at the start deadline, fresh connections serve again. And the deadline of a healthy connection
 * ends with its BEGIN's answer, whatever became of the transaction that sent it.
 */
class TenantDbStrandedTest {

    private static final int POOL = 3;
    private static final Duration START_TIMEOUT = Duration.ofMillis(500);
    private static final UUID ORG = UUID.randomUUID();

    private CuttableProxy proxy;
    private Vertx vertx;
    private io.vertx.mutiny.sqlclient.Pool pool;
    private TenantDb db;

    @BeforeEach
    void pool() {
        LocalPostgres postgres = WardenInfra.postgres();
        postgres.ensureDatabase("tenancy_stranded", false);
        proxy = CuttableProxy.start(postgres.host(), postgres.port());
        vertx = Vertx.vertx();
        PgConnectOptions connect = new PgConnectOptions().setHost("127.0.0.1").setPort(proxy.port())
                .setDatabase("tenancy_stranded").setUser(LocalPostgres.APP_ROLE).setPassword(postgres.appPassword());
        pool = io.vertx.mutiny.sqlclient.Pool.newInstance(
                DeadlineBoundPool.pool(vertx, new PoolOptions().setMaxSize(POOL), List.of(connect)));
        db = new TenantDb(vertx, pool, START_TIMEOUT, POOL);
    }

    @AfterEach
    void close() {
        proxy.close(); // first: a pool closes its connections gracefully, which a stranded one never finishes
        pool.close().await().atMost(Duration.ofSeconds(10));
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void aFullPoolWhoseServerVanishedServesAgainOnFreshConnections() {
        // Every connection of the pool open and idle in it.
        assertEquals(POOL * 2, inParallel(POOL * 2).succeeded());
        assertTrue(proxy.describe().contains(", " + POOL + " connections open"), proxy.describe());

        proxy.strand();

        // Each stranded connection costs the transaction that meets it a 503 at its start deadline; then fresh ones serve.
        AtomicInteger unavailable = new AtomicInteger();
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollDelay(Duration.ZERO).until(() -> {
            Outcome outcome = inParallel(POOL * 2);
            unavailable.addAndGet(outcome.unavailable());
            return outcome.succeeded() == POOL * 2;
        });
        assertTrue(unavailable.get() > 0, "no transaction met a stranded connection");
        assertTrue(unavailable.get() <= POOL * 2, "stranded connections were handed out again: " + unavailable);
    }

    @Test
    void aStrandedConnectionWhoseCallerGaveUpFirstIsClosedAllTheSame() {
        assertEquals(POOL * 2, inParallel(POOL * 2).succeeded());

        proxy.strand();

        // Callers that stop waiting well before the start deadline (a readiness probe's 500 ms, a client's own
        // timeout): each takes a stranded connection and leaves it.
        for (int i = 0; i < POOL; i++) {
            Uni<Object> impatient = db.inOrg(ORG, conn -> conn.query("SELECT 1").execute()).onItem().<Object>transform(rows -> "ok")
                    .ifNoItem().after(Duration.ofMillis(100)).recoverWithItem("gave up");
            assertEquals("gave up", impatient.await().atMost(Duration.ofSeconds(5)));
        }
        // Their connections are closed at the deadline all the same, and fresh ones serve.
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollDelay(Duration.ZERO)
                .until(() -> inParallel(POOL * 2).succeeded() == POOL * 2);
    }

    @Test
    void aTransactionThatFailsBeforeItsBeginIsAnsweredLeavesNoDeadlineBehindOnItsConnection() {
        // Work that fails before PostgreSQL has answered the BEGIN (a check of its own, before any statement): the
        // transaction ends at once and its connection goes back to the pool; BEGIN's answer comes after.
        for (int i = 0; i < POOL * 2; i++) {
            Object failed = db.inOrg(ORG, conn -> Uni.createFrom().failure(new IllegalStateException("refused")))
                    .onFailure().recoverWithItem(failure -> failure).await().atMost(Duration.ofSeconds(5));
            assertInstanceOf(IllegalStateException.class, failed);
        }
        // The next transactions on those connections outlast the start deadline: a deadline left behind by the failed
        // ones would close a connection under them (a 503 to a request that had nothing to do with it).
        List<Uni<Object>> slow = new ArrayList<>();
        for (int i = 0; i < POOL; i++) {
            slow.add(db.inOrg(ORG, conn -> conn.query("SELECT pg_sleep(" + START_TIMEOUT.multipliedBy(3).toMillis() / 1000.0 + ")")
                    .execute()).onItem().<Object>transform(rows -> "ok").onFailure().recoverWithItem(failure -> failure));
        }
        assertEquals(List.of("ok", "ok", "ok"), Uni.join().all(slow).andFailFast().await().atMost(Duration.ofSeconds(10)));
    }

    @Test
    void aConnectionTheServerEndsMidTransactionFailsItAndPrintsNothingOutsideTheLog() throws Exception {
        // What a leased connection meets (here the server ending its session: 57P01) fails the transaction, and was
        // also printed by Vert.x to standard error, outside the log format (a fault trial's PostgreSQL kill)
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            java.util.concurrent.CompletableFuture<Integer> backend = new java.util.concurrent.CompletableFuture<>();
            Uni<Object> ended = db.inOrg(ORG, conn -> conn.query("SELECT pg_backend_pid()").execute()
                            .invoke(rows -> backend.complete(rows.iterator().next().getInteger(0)))
                            .chain(() -> conn.query("SELECT pg_sleep(10)").execute()))
                    .onItem().<Object>transform(rows -> "ok").onFailure().recoverWithItem(failure -> failure);
            var result = ended.subscribeAsCompletionStage();
            int pid = backend.get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(true, db.inOrg(ORG, conn -> conn.query("SELECT pg_terminate_backend(" + pid + ")").execute()
                    .map(rows -> rows.iterator().next().getBoolean(0))).await().atMost(Duration.ofSeconds(5)));
            Object outcome = result.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(outcome instanceof Throwable, "the transaction failed: " + outcome);
            // A later marker: a batch of transactions after it all succeeding, by when anything printed about the ended
            // one has been. The pool may lend the ended connection once more before its close is seen (the suite found
            // one of a batch failing so under load): a batch again then, each one real work, not a wait
            int succeeded = 0;
            for (int batch = 0; batch < 20 && succeeded < POOL; batch++) {
                succeeded = inParallel(POOL).succeeded();
            }
            assertEquals(POOL, succeeded);
        } finally {
            System.setErr(stderr);
        }
        assertEquals("", printed.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void aTransactionSubscribedAgainRunsAgain() {
        // Retries subscribe to the same Uni again (OutageRetry: a run's outcome, a compliance package): each time is a
        // transaction of its own. The second subscription found the first's state (begun) and failed at once, as an
        // outage, without sending anything: a retry after a connection lost mid-transaction never tried again.
        AtomicInteger runs = new AtomicInteger();
        Uni<Integer> once = db.inOrg(ORG, conn -> conn.query("SELECT 1").execute()
                .map(rows -> runs.incrementAndGet()));
        assertEquals(1, once.await().atMost(Duration.ofSeconds(5)));
        assertEquals(2, once.await().atMost(Duration.ofSeconds(5)));
        assertEquals(List.of(3, 4, 5), once.repeat().atMost(3).collect().asList().await().atMost(Duration.ofSeconds(5)));
    }

    private record Outcome(int succeeded, int unavailable) {
    }

    /** {@code n} one-statement transactions at once; how many succeeded, and how many were a 503. */
    private Outcome inParallel(int n) {
        List<Uni<Object>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(db.inOrg(ORG, conn -> conn.query("SELECT 1").execute()).onItem().<Object>transform(rows -> "ok")
                    .onFailure().recoverWithItem(failure -> failure));
        }
        List<?> results = Uni.join().all(all).andFailFast().await().atMost(Duration.ofSeconds(10));
        int succeeded = 0;
        int unavailable = 0;
        for (Object result : results) {
            if ("ok".equals(result)) {
                succeeded++;
            } else {
                assertInstanceOf(UnavailableException.class, result, "a failure other than a 503");
                unavailable++;
            }
        }
        return new Outcome(succeeded, unavailable);
    }
}
