package dev.warden.outbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.api.ApiException;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.testing.EventTap;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class OutboxRelayTest {

    private static final String RUN = "/data/binding/config/run";
    private static final String N = "/data/binding/config/n";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    TenantDb db;

    @Inject
    Outbox outbox;

    @Inject
    OutboxRelay relay;

    private final UUID org = UUID.randomUUID();
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void eventsCommittedWhileTheBrokerIsDownWaitAndAreAllPublishedInOrderWhenItReturns() throws Exception {
        emit(0, 30);
        try (EventTap tap = new EventTap(OwnBroker.kafka().bootstrapServers(), Topics.AGENTS)) {
            tap.await(this::ours, 30, WAIT);

            OwnBroker.kafka().stop();
            long attempts = relay.attempted();
            emit(30, 120);
            // The later marker: the relay has read the new events and tried to send them; still none may be gone.
            Awaitility.await().atMost(WAIT).until(() -> relay.attempted() > attempts);
            assertEquals(90, pendingInOutbox(), "events wait in the outbox while the broker is down");

            OwnBroker.kafka().restart();
            List<ConsumerRecord<String, String>> records = tap.await(this::ours, 120, WAIT);

            assertEveryEventOnceAtLeastAndInOrderPerKey(records, 120);
        }
        Awaitility.await().atMost(WAIT).until(() -> pendingInOutbox() == 0);
    }

    @Test
    void aRolledBackChangePublishesNothing() {
        List<UUID> rolledBack = new ArrayList<>();
        assertThrows(IllegalStateException.class, () -> db.inOrg(org, conn ->
                outbox.emit(conn, org, EventTypes.CONNECTOR_BOUND, "agent-" + run, binding(-1))
                        .invoke(e -> rolledBack.add(e.id()))
                        .chain(e -> Uni.createFrom().failure(new IllegalStateException("change failed")))).await().atMost(WAIT));
        emit(0, 1);

        try (EventTap tap = new EventTap(OwnBroker.kafka().bootstrapServers(), Topics.AGENTS)) {
            List<ConsumerRecord<String, String>> seen = tap.await(this::ours, 1, WAIT);
            assertFalse(seen.stream().anyMatch(r -> EventTap.json(r).path("id").asText().equals(rolledBack.getFirst().toString())));
            assertEquals(0, EventTap.json(seen.getFirst()).at(N).asInt());
        }
    }

    @Test
    void anEventThatDoesNotMatchItsSchemaFailsItsChangeWithA400AndNothingOfThatChangeIsPublished() {
        List<UUID> rolledBack = new ArrayList<>();
        Map<String, Object> invalid = Map.of("agent_id", "not-a-uuid", "binding", Map.of("connector", ""));
        ApiException refused = assertThrows(ApiException.class, () -> db.inOrg(org, conn ->
                outbox.emit(conn, org, EventTypes.CONNECTOR_BOUND, "agent-" + run, binding(-1))
                        .invoke(e -> rolledBack.add(e.id()))
                        .chain(() -> outbox.emit(conn, org, EventTypes.CONNECTOR_BOUND, "agent-" + run, invalid)))
                .await().atMost(WAIT));
        assertEquals(400, refused.status());
        assertTrue(refused.getMessage().contains(EventTypes.CONNECTOR_BOUND), refused.getMessage());
        assertTrue(refused.details().stream().anyMatch(d -> d.field().contains("binding")), refused.details().toString());
        emit(0, 1);

        try (EventTap tap = new EventTap(OwnBroker.kafka().bootstrapServers(), Topics.AGENTS)) {
            List<ConsumerRecord<String, String>> seen = tap.await(this::ours, 1, WAIT);
            assertFalse(seen.stream().anyMatch(r -> EventTap.json(r).path("id").asText().equals(rolledBack.getFirst().toString())));
            assertEquals(0, EventTap.json(seen.getFirst()).at(N).asInt());
        }
    }

    /**
     * An event larger than Kafka takes would stop the relay at its row, for every organization, for good (a user trial:
     * every deploy and suspension of every organization then answered 503): it fails its change with a 413 instead,
     * and the events after it are published.
     */
    @Test
    void anEventLargerThanKafkaTakesFailsItsChangeWithA413AndTheRelayGoesOn() {
        List<UUID> rolledBack = new ArrayList<>();
        String agent = UUID.randomUUID().toString();
        Map<String, Object> large = Map.of("agent_id", agent, "binding", Map.of("id", UUID.randomUUID().toString(),
                "agent_id", agent, "connector", "relay-test", "created_at", "2026-01-01T00:00:00Z",
                // 350,000 three-byte characters: 1,050,000 bytes, over both the limit and Kafka's 1,048,576
                "config", Map.of("run", run, "text", "€".repeat(350_000))));
        ApiException refused = assertThrows(ApiException.class, () -> db.inOrg(org, conn ->
                outbox.emit(conn, org, EventTypes.CONNECTOR_BOUND, "agent-" + run, binding(-1))
                        .invoke(e -> rolledBack.add(e.id()))
                        .chain(() -> outbox.emit(conn, org, EventTypes.CONNECTOR_BOUND, "agent-" + run, large)))
                .await().atMost(WAIT));
        assertEquals(413, refused.status());
        assertEquals("payload_too_large", refused.code());
        assertTrue(refused.getMessage().contains(EventTypes.CONNECTOR_BOUND), refused.getMessage());
        emit(0, 1);

        try (EventTap tap = new EventTap(OwnBroker.kafka().bootstrapServers(), Topics.AGENTS)) {
            List<ConsumerRecord<String, String>> seen = tap.await(this::ours, 1, WAIT);
            assertFalse(seen.stream().anyMatch(r -> EventTap.json(r).path("id").asText().equals(rolledBack.getFirst().toString())));
            assertEquals(0, EventTap.json(seen.getFirst()).at(N).asInt());
        }
        Awaitility.await().atMost(WAIT).until(() -> pendingInOutbox() == 0);
    }

    /**
     * A round reads at most warden.outbox.batch-bytes of events beyond its first (64 KiB in these tests): counted by
     * rows alone, a backlog of large events filled the relay's heap (a user trial: 1,000 events of 290 KB, the relay
     * out of memory at every start). Events of 40 KB go one or two a round, every one published, in order per key.
     */
    @Test
    void largeEventsGoInRoundsBoundedByBytesAndAreAllPublishedInOrder() {
        long attempts = relay.attempted();
        Multi.createFrom().range(0, 20).onItem()
                .transformToUniAndConcatenate(n -> db.inOrg(org, conn -> outbox.emit(conn, org, EventTypes.CONNECTOR_BOUND,
                        "agent-" + run + "-" + (n % 5), large(n))))
                .collect().asList().await().atMost(WAIT);
        try (EventTap tap = new EventTap(OwnBroker.kafka().bootstrapServers(), Topics.AGENTS)) {
            assertEveryEventOnceAtLeastAndInOrderPerKey(tap.await(this::ours, 20, WAIT), 20);
        }
        Awaitility.await().atMost(WAIT).until(() -> pendingInOutbox() == 0);
        assertTrue(relay.attempted() - attempts >= 20, "each event sent");
    }

    private Map<String, Object> large(int n) {
        String agent = UUID.randomUUID().toString();
        return Map.of("agent_id", agent, "binding", Map.of("id", UUID.randomUUID().toString(), "agent_id", agent,
                "connector", "relay-test", "config", Map.of("run", run, "n", n, "text", "x".repeat(40_000)),
                "created_at", "2026-01-01T00:00:00Z"));
    }

    private void emit(int from, int to) {
        Multi.createFrom().range(from, to).onItem()
                .transformToUniAndConcatenate(n -> db.inOrg(org, conn -> outbox.emit(conn, org, EventTypes.CONNECTOR_BOUND,
                        "agent-" + run + "-" + (n % 5), binding(n))))
                .collect().asList().await().atMost(WAIT);
    }

    /** A schema-valid event payload that carries this run and a sequence number in its free-form config. */
    private Map<String, Object> binding(int n) {
        String agent = UUID.randomUUID().toString();
        return Map.of("agent_id", agent, "binding", Map.of("id", UUID.randomUUID().toString(), "agent_id", agent,
                "connector", "relay-test", "config", Map.of("run", run, "n", n), "created_at", "2026-01-01T00:00:00Z"));
    }

    private boolean ours(ConsumerRecord<String, String> record) {
        return run.equals(EventTap.json(record).at(RUN).asText());
    }

    /** At least once: duplicates are allowed, gaps are not; within a key the first sighting of each event is in order. */
    private static void assertEveryEventOnceAtLeastAndInOrderPerKey(List<ConsumerRecord<String, String>> records, int count) {
        Map<String, Set<Integer>> firstSeenByKey = new LinkedHashMap<>();
        for (ConsumerRecord<String, String> r : records) {
            JsonNode event = EventTap.json(r);
            assertEquals(event.path("subject").asText(), r.key());
            // Structured mode, as the CloudEvents Kafka binding marks it, so the CloudEvents SDKs read the record
            assertEquals("application/cloudevents+json", new String(r.headers().lastHeader("content-type").value(),
                    java.nio.charset.StandardCharsets.UTF_8));
            firstSeenByKey.computeIfAbsent(r.key(), k -> new LinkedHashSet<>()).add(event.at(N).asInt());
        }
        Set<Integer> all = new java.util.TreeSet<>();
        firstSeenByKey.values().forEach(all::addAll);
        assertEquals(IntStream.range(0, count).boxed().toList(), List.copyOf(all));
        firstSeenByKey.values().forEach(ns -> assertEquals(ns.stream().sorted().toList(), List.copyOf(ns)));
    }

    /**
     * A request waiting for its events to reach the broker ({@link Deliveries}) asks every few milliseconds whether one
     * of its key is still waiting. While the broker is away the outbox grows: the question must not read all of it.
     * The plan is read in a transaction that holds a backlog of 20,000 events and is rolled back (the relay never sees
     * them), as the service's role in one organization's scope.
     */
    @Test
    void aDeliveryWaitReadsItsKeyFromTheOutboxNotTheWholeBacklog() throws Exception {
        LocalPostgres pg = WardenInfra.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("warden_outbox_test"), pg.superUser(), pg.superPassword())) {
            c.setAutoCommit(false);
            try (var statement = c.createStatement()) {
                statement.execute("INSERT INTO warden_outbox (org_id, topic, record_key, event_id, event_type, payload) "
                        + "SELECT '" + org + "', 'warden.agents.v1', gen_random_uuid()::text, gen_random_uuid(), 'x', '{}' "
                        + "FROM generate_series(1, 20000)");
                statement.execute("ANALYZE warden_outbox");
                statement.execute("SET LOCAL ROLE warden_app");
                statement.execute("SELECT set_config('warden.org_id', '" + org + "', true)");
                StringBuilder plan = new StringBuilder();
                try (ResultSet rs = statement.executeQuery("EXPLAIN " + Deliveries.WAITING.replace("$1",
                        "'warden.agents.v1'").replace("$2", "'" + UUID.randomUUID() + "'"))) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
                assertTrue(plan.toString().contains("warden_outbox_by_key"), plan.toString());
                assertFalse(plan.toString().contains("Seq Scan"), plan.toString());
            } finally {
                c.rollback();
            }
        }
    }

    private static long pendingInOutbox() throws Exception {
        LocalPostgres pg = WardenInfra.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("warden_outbox_test"), pg.superUser(), pg.superPassword());
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM warden_outbox")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
