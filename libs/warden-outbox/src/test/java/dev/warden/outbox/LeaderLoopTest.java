package dev.warden.outbox;

import dev.warden.testing.CuttableProxy;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two replicas of one job on one database: each a {@link LeaderLoop} with its own connections, as two processes would
 * have. The job's work records which replica ran each round, on which backend, and how many rounds ran at once.
 */
@QuarkusTest
class LeaderLoopTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    OutboxConfig config;

    @Inject
    EventConsumers consumers;

    @ConfigProperty(name = "quarkus.datasource.reactive.url")
    String reactiveUrl;

    @ConfigProperty(name = "quarkus.datasource.username")
    String username;

    @ConfigProperty(name = "quarkus.datasource.password")
    String password;

    /** A lock of this test alone: no other job of the test JVM uses it. */
    private final long lockId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    private final List<Round> rounds = new CopyOnWriteArrayList<>();
    private final AtomicInteger working = new AtomicInteger();
    private final AtomicInteger mostAtOnce = new AtomicInteger();
    private final List<LeaderLoop> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(LeaderLoop::stop);
    }

    @Test
    void oneReplicaWorksAtATimeAndTheOtherTakesOverWhenTheLeaderStops() {
        LeaderLoop a = replica(new Recording("a"));
        Awaitility.await().atMost(WAIT).until(() -> ran("a"));
        LeaderLoop b = replica(new Recording("b"));

        // The later marker: the standby has tried the lock three times, and been refused each time, while a worked on.
        Awaitility.await().atMost(WAIT).until(() -> b.refusals() >= 3);
        int roundsSoFar = rounds.size();
        Awaitility.await().atMost(WAIT).until(() -> rounds.size() > roundsSoFar);
        assertTrue(rounds.stream().allMatch(r -> r.replica().equals("a")), "only the leader worked: " + replicas());
        assertTrue(a.isLeader());
        assertFalse(b.isLeader());
        assertTrue(b.refused(), "the standby knows another replica holds the lock");
        assertFalse(a.refused());
        assertTrue(new LeaderConnection(reactiveUrl, username, password, config.leaderReadTimeout())
                .holder(lockId).orElseThrow().startsWith("'warden leader-test-"),
                "the server says who holds it");

        a.stop();
        Awaitility.await().atMost(WAIT).until(() -> ran("b"));
        assertTrue(b.isLeader());
        assertFalse(b.refused());
        Round firstOfB = rounds.stream().filter(r -> r.replica().equals("b")).findFirst().orElseThrow();
        assertTrue(rounds.stream().filter(r -> r.replica().equals("a")).allMatch(r -> r.ended() < firstOfB.started()),
                "the new leader started after the old one's last round");
        assertEquals(1, mostAtOnce.get(), "never two rounds at once");
        assertTrue(rounds.stream().allMatch(Round::heldTheLock), "every round ran holding the lock: " + rounds);
    }

    /** A job that declines the lock it is given (its lead throws RetryLater) gives it back, and takes it later. */
    @Test
    void aJobThatDeclinesTheLockGivesItBackAndTakesItLater() {
        java.util.concurrent.atomic.AtomicBoolean declining = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger declined = new java.util.concurrent.atomic.AtomicInteger();
        LeaderLoop a = replica(new Recording("a") {
            @Override
            public void lead(Connection conn) {
                if (declining.get()) {
                    declined.incrementAndGet();
                    throw new RetryLater("not yet (the test's)");
                }
            }
        });
        Awaitility.await().atMost(WAIT).until(() -> declined.get() >= 1);
        LeaderLoop b = replica(new Recording("b"));
        Awaitility.await().atMost(WAIT).until(() -> ran("b")); // a gave the lock back
        assertFalse(a.isLeader());
        assertFalse(ran("a"));

        declining.set(false);
        b.stop();
        Awaitility.await().atMost(WAIT).until(() -> ran("a"));
        assertTrue(a.isLeader());
    }

    @Test
    void aJobDoneOncePerProcessRunsOneRoundOnEachReplicaInTurn() {
        LeaderLoop a = replica(new Recording("a", true));
        Awaitility.await().atMost(WAIT).until(() -> ran("a"));
        // b takes the lock only if a let it go after its round
        LeaderLoop b = replica(new Recording("b", true));
        Awaitility.await().atMost(WAIT).until(() -> ran("b"));
        // The later marker: a third replica's round, by which time a and b have not run again
        replica(new Recording("c", true));
        Awaitility.await().atMost(WAIT).until(() -> ran("c"));

        assertEquals(List.of("a", "b", "c"), rounds.stream().map(Round::replica).toList());
        assertFalse(a.isLeader());
        assertFalse(b.isLeader());
        assertEquals(1, mostAtOnce.get(), "never two rounds at once");
        assertTrue(rounds.stream().allMatch(Round::heldTheLock), "every round ran holding the lock: " + rounds);
    }

    @Test
    void aLeaderWhoseConnectionDiesLosesTheLockAndTheWorkGoesOn() throws SQLException {
        replica(new Recording("a"));
        replica(new Recording("b"));
        Awaitility.await().atMost(WAIT).until(() -> !rounds.isEmpty());
        int leaderBackend = rounds.getLast().backend();

        terminate(leaderBackend);

        Awaitility.await().atMost(WAIT).until(() -> rounds.getLast().backend() != leaderBackend);
        assertEquals(1, mostAtOnce.get(), "never two rounds at once");
        assertTrue(rounds.stream().allMatch(Round::heldTheLock), "every round ran holding the lock: " + rounds);
    }

    @Test
    void aRoundThatFailsOutsideTheDatabaseIsRetriedWithoutGivingUpTheLock() {
        AtomicInteger failuresLeft = new AtomicInteger(3);
        AtomicInteger leaderships = new AtomicInteger();
        replica(new Recording("a") {
            @Override
            public void lead(Connection conn) {
                leaderships.incrementAndGet();
            }

            @Override
            public boolean runOnce(Connection conn) throws SQLException {
                if (failuresLeft.getAndDecrement() > 0) {
                    rounds.add(new Round("a (failed)", backend(conn), System.nanoTime(), System.nanoTime(), true));
                    throw new RetryLater("the broker is away");
                }
                return super.runOnce(conn);
            }
        });

        Awaitility.await().atMost(WAIT).until(() -> ran("a"));
        List<Round> firstFour = List.copyOf(rounds).subList(0, 4);
        assertEquals(List.of("a (failed)", "a (failed)", "a (failed)", "a"), firstFour.stream().map(Round::replica).toList());
        assertEquals(1, firstFour.stream().map(Round::backend).distinct().count(),
                "the failed rounds and the next one ran on the same connection: " + firstFour);
        assertEquals(1, leaderships.get());
    }

    @Test
    void aLeaderWhoseServerVanishesWithoutClosingTheConnectionReconnectsOnceItsReadTimesOut() {
        LocalPostgres pg = WardenInfra.postgres();
        try (CuttableProxy proxy = CuttableProxy.start(pg.host(), pg.port())) {
            // The only replica, as in a single-replica deployment: no standby would take over if it hung.
            replica(new Recording("a"), reactiveUrl.replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.port() + "/"));
            Awaitility.await().atMost(WAIT).until(() -> ran("a"));
            int vanished = rounds.getLast().backend();

            // Its session ends on the server (and the lock with it); its socket stays open and silent.
            proxy.strand();

            Awaitility.await().atMost(WAIT).until(() -> rounds.getLast().backend() != vanished);
            assertTrue(rounds.getLast().heldTheLock(), "the new session leads with the lock: " + rounds.getLast());
            assertEquals(1, mostAtOnce.get(), "never two rounds at once");
        }
    }

    /**
     * A job's thread ended by an Error (a user trial's relay ran out of memory) is dead on that replica for good: the
     * lock goes with its connection, another replica leads, and this one's liveness check is DOWN naming the job, so
     * that it is restarted (agent-service answered every deploy with a 503 for good while its health stayed UP).
     */
    @Test
    void aJobStoppedByAnErrorMakesItsReplicasLivenessDownAndAnotherReplicaLeads() {
        AtomicInteger roundsOfA = new AtomicInteger();
        LeaderJob dying = new Recording("a") {
            @Override
            public boolean runOnce(Connection conn) throws SQLException {
                if (roundsOfA.incrementAndGet() == 3) {
                    throw new OutOfMemoryError("Java heap space (the test's)");
                }
                return super.runOnce(conn);
            }
        };
        LeaderJobs jobs = new LeaderJobs(List.of(dying), config, new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                reactiveUrl, Optional.of(username), Optional.of(password));
        BackgroundWorkLiveness liveness = new BackgroundWorkLiveness(jobs, consumers);
        jobs.onStart(null);
        try {
            Awaitility.await().atMost(WAIT).until(() -> !jobs.dead().isEmpty());
            var down = liveness.call().await().indefinitely();
            assertEquals(org.eclipse.microprofile.health.HealthCheckResponse.Status.DOWN, down.getStatus());
            assertTrue(down.getData().orElseThrow().get("leader job leader-test-a").toString().contains("OutOfMemoryError"),
                    down.getData().toString());

            replica(new Recording("b"));
            Awaitility.await().atMost(WAIT).until(() -> ran("b"));
            assertEquals(3, roundsOfA.get(), "no round of the dead loop after the error");
        } finally {
            jobs.onStop(null);
        }
        assertEquals(org.eclipse.microprofile.health.HealthCheckResponse.Status.UP,
                new BackgroundWorkLiveness(new LeaderJobs(List.of(), config, new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                        reactiveUrl, Optional.of(username), Optional.of(password)), consumers).call().await().indefinitely().getStatus());
    }

    /**
     * A leader's session says which job on which host holds the lock ({@code pg_stat_activity}), and the server probes
     * its peer, so that a leader cut off without its connection closed does not keep the lock for the server's default
     * two hours.
     */
    @Test
    void aLeadersSessionIsNamedForItsJobAndHostAndItsPeerIsProbedByTheServer() throws SQLException {
        LeaderConnection database = new LeaderConnection(reactiveUrl, username, password, config.leaderReadTimeout());
        try (Connection conn = database.open(null, lockId, "test-job")) {
            org.junit.jupiter.api.Assertions.assertNotNull(conn, "the test's own lock");
            try (ResultSet rs = conn.createStatement().executeQuery("SELECT name, setting FROM pg_settings WHERE name IN"
                    + " ('tcp_keepalives_idle', 'tcp_keepalives_interval', 'tcp_keepalives_count', 'tcp_user_timeout') ORDER BY name")) {
                List<String> settings = new ArrayList<>();
                while (rs.next()) {
                    settings.add(rs.getString(1) + "=" + rs.getString(2));
                }
                assertEquals(List.of("tcp_keepalives_count=3", "tcp_keepalives_idle=10", "tcp_keepalives_interval=5",
                        "tcp_user_timeout=25000"), settings);
            }
            LocalPostgres pg = WardenInfra.postgres();
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("warden_outbox_test"), pg.superUser(), pg.superPassword());
                 PreparedStatement s = c.prepareStatement("SELECT application_name FROM pg_stat_activity WHERE pid = ?")) {
                s.setInt(1, backend(conn));
                try (ResultSet rs = s.executeQuery()) {
                    assertTrue(rs.next());
                    assertTrue(rs.getString(1).matches("warden test-job pid \\d+ on .+"), rs.getString(1));
                }
            }
        }
    }

    private LeaderLoop replica(LeaderJob job) {
        return replica(job, reactiveUrl);
    }

    private LeaderLoop replica(LeaderJob job, String url) {
        LeaderLoop loop = new LeaderLoop(job, new LeaderConnection(url, username, password, config.leaderReadTimeout()), config);
        started.add(loop);
        loop.start();
        return loop;
    }

    private boolean ran(String replica) {
        return rounds.stream().anyMatch(r -> r.replica().equals(replica));
    }

    private List<String> replicas() {
        return rounds.stream().map(Round::replica).distinct().toList();
    }

    private static int backend(Connection conn) throws SQLException {
        try (ResultSet rs = conn.createStatement().executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void terminate(int backend) throws SQLException {
        LocalPostgres pg = WardenInfra.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("warden_outbox_test"), pg.superUser(), pg.superPassword());
             PreparedStatement s = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
            s.setInt(1, backend);
            s.execute();
        }
    }

    private record Round(String replica, int backend, long started, long ended, boolean heldTheLock) {
    }

    /** Whether the round's own backend holds the job's advisory lock: asked of PostgreSQL, not inferred from timing. */
    private boolean holdsLock(Connection conn) throws SQLException {
        try (PreparedStatement q = conn.prepareStatement("""
                SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
                    AND ((classid::bigint << 32) | objid::bigint) = ?""")) {
            q.setLong(1, lockId);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 1;
            }
        }
    }

    /** The job of one replica: a short round, then idle for a short interval. */
    private class Recording implements LeaderJob {

        private final String replica;
        private final boolean once;

        Recording(String replica) {
            this(replica, false);
        }

        Recording(String replica, boolean once) {
            this.replica = replica;
            this.once = once;
        }

        @Override
        public boolean once() {
            return once;
        }

        @Override
        public String name() {
            return "leader-test-" + replica;
        }

        @Override
        public long lockId() {
            return lockId;
        }

        @Override
        public Optional<Duration> interval() {
            return Optional.of(Duration.ofMillis(20));
        }

        @Override
        public boolean runOnce(Connection conn) throws SQLException {
            mostAtOnce.accumulateAndGet(working.incrementAndGet(), Math::max);
            try {
                long started = System.nanoTime();
                int backend = backend(conn);
                rounds.add(new Round(replica, backend, started, System.nanoTime(), holdsLock(conn)));
                return false;
            } finally {
                working.decrementAndGet();
            }
        }
    }
}
