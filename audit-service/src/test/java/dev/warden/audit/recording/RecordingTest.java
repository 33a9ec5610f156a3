package dev.warden.audit.recording;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.audit.support.AuditFixtures;
import dev.warden.audit.support.AuditSpans;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventSchemas;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.execution.ExecutionEvents.ExecutionFinished;
import dev.warden.events.execution.ExecutionEvents.ExecutionLimits;
import dev.warden.events.execution.ExecutionEvents.ExecutionStarted;
import dev.warden.outbox.EventConsumerLoop;
import dev.warden.outbox.EventConsumers;
import dev.warden.testing.EventTap;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static dev.warden.audit.support.AuditFixtures.as;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class RecordingTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    AuditSpans spans;

    @Inject
    EventConsumers consumers;

    @Inject
    AuditRecorder recorder;

    private TestOrg org;
    /** The chain's head before the test: the entries of the organization's own creation. */
    private int base;

    @BeforeEach
    void organization() {
        org = AuditFixtures.organization();
        base = AuditFixtures.head(org);
    }

    @Test
    void deploysAndRollbacksAreRecordedWithTheirFacts() {
        String agent = UUID.randomUUID().toString();
        AuditFixtures.publish(List.of(AuditFixtures.deployed(org.id(), agent, 2, "img:v2"),
                AuditFixtures.rolledBack(org.id(), agent, 2, 1)));

        awaitEntries(2);
        String deployHash = as(org, "auditor").get("/v1/audit?agent_id=" + agent + "&action_type=agent.deployed")
                .then().extract().path("entries[0].hash");
        // The same id in upper case is the same agent, as everywhere else in the API
        as(org, "auditor").get("/v1/audit?agent_id=" + agent.toUpperCase()).then().statusCode(200).body("total", equalTo(2));
        as(org, "auditor").get("/v1/audit?agent_id=" + agent).then().statusCode(200)
                .body("total", equalTo(2))
                .body("entries.sequence", contains(base + 1, base + 2))
                .body("entries.action_type", contains("agent.deployed", "agent.rolled-back"))
                .body("entries[0].metadata.version", equalTo(2))
                .body("entries[0].metadata.image_uri", equalTo("img:v2"))
                .body("entries[0].actor", equalTo("alice"))
                .body("entries[1].metadata.from_version", equalTo(2))
                .body("entries[1].metadata.to_version", equalTo(1))
                .body("entries[1].prev_hash", equalTo(deployHash));
    }

    @Test
    void runnerServicesExecutionsAreChainedWithWhatRanAndWhatItPrinted() {
        String agent = UUID.randomUUID().toString();
        UUID execution = UUID.randomUUID();
        Instant now = Instant.now();
        ExecutionLimits limits = new ExecutionLimits("free", 0.5, 64, 30_000, 64, 262_144, false);
        AuditFixtures.publish(Topics.EXECUTIONS, List.of(
                CloudEvent.of("/warden/runner-service", EventTypes.EXECUTION_STARTED, agent, org.id(),
                        new ExecutionStarted(execution, UUID.fromString(agent), 3, "img:v3", limits, "ops", now)),
                CloudEvent.of("/warden/runner-service", EventTypes.EXECUTION_FINISHED, agent, org.id(),
                        new ExecutionFinished(execution, UUID.fromString(agent), 3, "img:v3", "sha256:" + "a".repeat(64),
                                limits, "success", 0, 4523, 2, 0, "b".repeat(64), "c".repeat(64), false, null, "ops",
                                now, now.plusMillis(4523)))));

        awaitEntries(2);
        as(org, "auditor").get("/v1/audit?agent_id=" + agent).then().statusCode(200)
                .body("entries.action_type", contains("execution.started", "execution.finished"))
                .body("entries[0].status", equalTo("running"))
                .body("entries[1].status", equalTo("success"))
                .body("entries[1].actor", equalTo("ops"))
                .body("entries[1].metadata.execution_id", equalTo(execution.toString()))
                .body("entries[1].metadata.exit_code", equalTo(0))
                .body("entries[1].metadata.duration_ms", equalTo(4523))
                .body("entries[1].metadata.stdout_lines", equalTo(2))
                .body("entries[1].metadata.stderr_lines", equalTo(0))
                .body("entries[1].metadata.stdout_sha256", equalTo("b".repeat(64)))
                .body("entries[1].metadata.image_digest", equalTo("sha256:" + "a".repeat(64)));
    }

    @Test
    void aRedeliveredEventIsRecordedOnce() {
        CloudEvent event = AuditFixtures.deployed(org.id(), UUID.randomUUID().toString(), 1, "img:v1");
        AuditFixtures.publish(List.of(event, event));
        AuditFixtures.publish(List.of(event, AuditFixtures.deployed(org.id(), UUID.randomUUID().toString(), 1, "img:v1")));

        // A later event of the same agent shares the partition: once it is recorded, every copy before it was handled.
        AuditFixtures.publish(List.of(AuditFixtures.deployed(org.id(), event.subject(), 2, "img:v2")));
        awaitEntries(3);
        as(org, "auditor").get("/v1/audit").then().body("total", equalTo(base + 3));
    }

    /**
     * The recorder keeps its positions in audit-service's database, beside the chain, so that after a restore of the
     * database it records again what the restore took out (EventConsumersTest shows the replay itself).
     */
    @Test
    void theRecordersPositionsAreKeptBesideTheChain() throws Exception {
        CloudEvent event = AuditFixtures.deployed(org.id(), UUID.randomUUID().toString(), 1, "img:v1");
        AuditFixtures.publish(List.of(event));
        awaitEntries(1);
        var pg = dev.warden.testing.WardenInfra.postgres();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            try (var c = java.sql.DriverManager.getConnection(pg.jdbcUrl("warden_audit_test"), pg.superUser(), pg.superPassword());
                 var rows = c.createStatement().executeQuery("SELECT count(*) FROM warden_consumer_positions "
                         + "WHERE group_id = '" + AuditRecorder.GROUP + "' AND topic = '" + Topics.AGENTS
                         + "' AND next_offset > 0")) {
                rows.next();
                return rows.getInt(1) > 0;
            }
        });
    }

    /**
     * After a restore of audit-service's database to an earlier point (here: the organization's last two entries taken
     * out of its chain, and the recorder's kept positions set back behind the broker's offsets, as EventConsumersTest
     * restores them), the chain that lost entries says so, in an entry of its own before they are recorded again,
     * naming the partitions applied again with the kept position and the broker's; the chain verifies. A chain that lost
     * nothing gets no mark, though its events are applied again too.
     */
    @Test
    void aRestoreOfTheDatabaseIsMarkedInTheChainsItTookEntriesOutOf() throws Exception {
        TestOrg untouched = AuditFixtures.organization();
        int untouchedBase = AuditFixtures.head(untouched);
        String agent = UUID.randomUUID().toString();
        AuditFixtures.publish(List.of(AuditFixtures.deployed(untouched.id(), UUID.randomUUID().toString(), 1, "img:v1"),
                AuditFixtures.deployed(org.id(), agent, 1, "img:v1")));
        awaitEntries(1);
        AuditFixtures.publish(List.of(AuditFixtures.deployed(org.id(), agent, 2, "img:v2"),
                AuditFixtures.deployed(org.id(), agent, 3, "img:v3")));
        awaitEntries(3);
        AuditFixtures.awaitHead(untouched, untouchedBase + 1);
        // Every record of the agents topic applied and its position kept (a position is kept just after its batch
        // commits, so a restore made before that would be overwritten by it)
        Map<Integer, Long> end = endOfTheAgentsTopic();
        Map<Integer, Long> before = Awaitility.await().atMost(WAIT).until(() -> keptOfTheAgentsTopic(null),
                kept -> end.entrySet().stream().allMatch(e -> kept.getOrDefault(e.getKey(), 0L) >= e.getValue()));

        // The restore: the organization's chain as it was before versions 2 and 3 were recorded, and the recorder's
        // positions of the agents topic before anything (the broker's offsets have gone on)
        long restoredHead = base + 1;
        keptOfTheAgentsTopic("SET session_replication_role = replica; "
                + "DELETE FROM audit_entries WHERE org_id = '" + org.id() + "' AND sequence > " + restoredHead + "; "
                + "DELETE FROM audit_checkpoints WHERE org_id = '" + org.id() + "' AND sequence > " + restoredHead + "; "
                + "UPDATE audit_chain_heads SET sequence = " + restoredHead + ", hash = (SELECT hash FROM audit_entries "
                + "WHERE org_id = '" + org.id() + "' AND sequence = " + restoredHead + ") WHERE org_id = '" + org.id() + "'; "
                + "UPDATE audit_publication SET published_sequence = least(published_sequence, " + restoredHead + ") "
                + "WHERE org_id = '" + org.id() + "'; "
                + "UPDATE warden_consumer_positions SET next_offset = 0 WHERE group_id = '" + AuditRecorder.GROUP
                + "' AND topic = '" + Topics.AGENTS + "'; SET session_replication_role = origin");
        // A second member of the group: its assignment, and the service's own, find their partitions behind
        try (EventConsumerLoop member = consumers.startRecording(AuditRecorder.GROUP, AuditRecorder.TOPICS, recorder::record)) {
            Awaitility.await().atMost(WAIT).until(() -> keptOfTheAgentsTopic(null).entrySet().stream()
                    .allMatch(p -> p.getValue() >= before.getOrDefault(p.getKey(), 0L)));
        }
        awaitEntries(4);
        List<java.util.Map<String, Object>> after = as(org, "auditor").get("/v1/audit?limit=1000").then().statusCode(200)
                .extract().path("entries");
        List<java.util.Map<String, Object>> recorded = after.stream()
                .filter(e -> ((Number) e.get("sequence")).longValue() > restoredHead)
                .sorted(java.util.Comparator.comparingLong(e -> ((Number) e.get("sequence")).longValue())).toList();
        assertEquals(List.of("audit.restore-detected", "agent.deployed", "agent.deployed"),
                recorded.stream().map(e -> e.get("action_type")).toList(), "the mark, then what the restore took out");
        java.util.Map<String, Object> mark = recorded.getFirst();
        assertEquals("audit-service", mark.get("actor"));
        assertEquals(null, mark.get("agent_id"));
        assertEquals("dev.warden.audit.restore-detected.v1", mark.get("event_type"));
        List<java.util.Map<String, Object>> partitions = at(mark, "metadata.partitions");
        assertFalse(partitions.isEmpty());
        for (var partition : partitions) {
            assertEquals(Topics.AGENTS, partition.get("topic"));
            assertEquals(0, partition.get("kept_offset"));
            assertTrue(((Number) partition.get("broker_offset")).longValue() > 0, "behind the broker: " + partition);
        }
        assertEquals(List.of("2", "3"), recorded.subList(1, 3).stream().map(e -> String.valueOf((Object) at(e, "metadata.version"))).toList());
        as(org, "auditor").get("/v1/audit/verify").then().statusCode(200).body("valid", equalTo(true));
        assertEquals(base + 4, AuditFixtures.head(org), "one mark");
        as(untouched, "auditor").get("/v1/audit?action_type=audit.restore-detected").then().statusCode(200)
                .body("entries", empty());
        assertEquals(untouchedBase + 1, AuditFixtures.head(untouched), "a chain that lost nothing is not marked");
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(java.util.Map<String, Object> entry, String path) {
        Object value = entry;
        for (String step : path.split("\\.")) {
            value = ((java.util.Map<String, Object>) value).get(step);
        }
        return (T) value;
    }

    /** The end offset of each partition of the agents topic, read as audit-service's principal. */
    private static Map<Integer, Long> endOfTheAgentsTopic() {
        Map<String, Object> config = new java.util.HashMap<>(dev.warden.testing.WardenInfra.kafkaSecurity("audit-service"));
        config.putAll(Map.of("bootstrap.servers", AuditFixtures.bootstrap(),
                "key.deserializer", StringDeserializer.class.getName(),
                "value.deserializer", StringDeserializer.class.getName()));
        try (var consumer = new KafkaConsumer<String, String>(config)) {
            Map<Integer, Long> end = new java.util.HashMap<>();
            consumer.endOffsets(consumer.partitionsFor(Topics.AGENTS).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition())).toList())
                    .forEach((p, offset) -> end.put(p.partition(), offset));
            return end;
        }
    }

    /** Runs {@code update} (when given), then answers the recorder's kept positions of the agents topic by partition. */
    private static Map<Integer, Long> keptOfTheAgentsTopic(String update) throws Exception {
        var pg = dev.warden.testing.WardenInfra.postgres();
        try (var c = java.sql.DriverManager.getConnection(pg.jdbcUrl("warden_audit_test"), pg.superUser(), pg.superPassword())) {
            if (update != null) {
                c.createStatement().executeUpdate(update);
            }
            Map<Integer, Long> kept = new java.util.HashMap<>();
            try (var rows = c.createStatement().executeQuery("SELECT partition, next_offset FROM warden_consumer_positions "
                    + "WHERE group_id = '" + AuditRecorder.GROUP + "' AND topic = '" + Topics.AGENTS + "'")) {
                while (rows.next()) {
                    kept.put(rows.getInt(1), rows.getLong(2));
                }
            }
            return kept;
        }
    }

    @Test
    void eventsOnEveryPartitionFormOneGapFreeChain() {
        List<CloudEvent> events = new ArrayList<>();
        IntStream.range(0, 300).forEach(i -> events.add(AuditFixtures.deployed(org.id(), "agent-" + (i % 37), i + 1, "img")));
        AuditFixtures.publish(events);

        awaitEntries(300);
        List<Integer> sequences = as(org, "auditor").get("/v1/audit?limit=1000").then().extract().path("entries.sequence");
        assertEquals(LongStream.rangeClosed(1, base + 300).boxed().map(Long::intValue).toList(), sequences);
        List<Integer> deploys = as(org, "auditor").get("/v1/audit?limit=1000&action_type=agent.deployed").then().extract()
                .path("entries.sequence");
        assertEquals(LongStream.rangeClosed(base + 1, base + 300).boxed().map(Long::intValue).toList(), deploys);
        as(org, "auditor").get("/v1/audit/verify").then().statusCode(200)
                .body("valid", equalTo(true)).body("entries_checked", equalTo(base + 300));
    }

    @Test
    void recordedEntriesArePublishedForOutsideConsumers() {
        String agent = UUID.randomUUID().toString();
        AuditFixtures.publish(List.of(AuditFixtures.deployed(org.id(), agent, 1, "img:v1")));

        try (EventTap tap = new EventTap(AuditFixtures.bootstrap(), Topics.AUDIT)) {
            var record = tap.await(r -> agent.equals(EventTap.json(r).path("subject").asText()), 1, WAIT).getFirst();
            JsonNode recorded = EventTap.json(record);
            assertEquals(List.of(), EventSchemas.violations(recorded));
            assertEquals(base + 1, recorded.at("/data/sequence").asInt());
            // A structured-mode CloudEvent, as the CloudEvents Kafka binding marks one for the SDKs' readers
            assertEquals("application/cloudevents+json", new String(record.headers().lastHeader("content-type").value(),
                    java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(org.id().toString(), recorded.path("orgid").asText());
        }
    }

    /** The trace of the change goes on through the audit topic: its consumers continue it. */
    @Test
    void anEntryOnTheAuditTopicCarriesTheTraceOfTheEventItRecords() {
        String agent = UUID.randomUUID().toString();
        String trace = publishDeployedInATrace(agent);

        try (EventTap tap = new EventTap(AuditFixtures.bootstrap(), Topics.AUDIT)) {
            JsonNode recorded = EventTap.json(tap.await(r -> agent.equals(EventTap.json(r).path("subject").asText()), 1, WAIT)
                    .getFirst());
            String traceparent = recorded.path("traceparent").asText();
            assertTrue(traceparent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]"), "W3C traceparent: " + recorded);
            assertEquals(trace, traceparent.split("-")[1], "the event's trace continues on the audit topic");
            assertEquals(List.of(), EventSchemas.violations(recorded));
        }
    }

    @Test
    void theStatementsThatRecordAnEventAreSpansOfTheBatchThatHandledIt() {
        String agent = UUID.randomUUID().toString();
        String trace = publishDeployedInATrace(agent);

        // The batch's span continues the event's trace (a child, or linked to it in a batch of several traces), and
        // the SQL client's spans of the chain's append are its children: before, they ran on the client's event
        // loop, where no span was current, and the trace stopped at the consumer
        Awaitility.await().atMost(WAIT).untilAsserted(() -> {
            List<SpanData> ended = spans.all();
            List<String> batches = ended.stream().filter(s -> s.getKind() == SpanKind.CONSUMER)
                    .filter(s -> s.getTraceId().equals(trace)
                            || s.getLinks().stream().anyMatch(l -> l.getSpanContext().getTraceId().equals(trace)))
                    .map(SpanData::getSpanId).toList();
            assertEquals(1, batches.size(), "one batch span continues the trace");
            assertTrue(ended.stream().anyMatch(s -> s.getKind() == SpanKind.CLIENT
                            && s.getParentSpanId().equals(batches.getFirst())
                            && s.getAttributes().asMap().keySet().stream().anyMatch(k -> k.getKey().startsWith("db."))),
                    "a statement of the batch under its span");
        });
    }

    @Test
    void theAuditTopicCarriesEachChainWholeAndInOrder() {
        List<CloudEvent> events = new ArrayList<>();
        IntStream.range(0, 50).forEach(i -> events.add(AuditFixtures.deployed(org.id(), "agent-" + (i % 7), i + 1, "img")));
        AuditFixtures.publish(events);

        try (EventTap tap = new EventTap(AuditFixtures.bootstrap(), Topics.AUDIT)) {
            // The whole chain: the entries of the organization's creation, then these 50.
            List<JsonNode> entries = tap.await(r -> r.key().equals(org.id().toString())
                    && EventTap.json(r).path("type").asText().equals(dev.warden.events.EventTypes.AUDIT_ENTRY_RECORDED),
                    base + 50, WAIT).stream().map(EventTap::json).toList();
            String prev = dev.warden.events.audit.AuditChain.GENESIS;
            for (int i = 0; i < base + 50; i++) {
                JsonNode data = entries.get(i).get("data");
                assertEquals(i + 1, data.get("sequence").asInt());
                assertEquals(prev, data.get("prev_hash").asText());
                prev = data.get("hash").asText();
            }
        }
    }

    @Test
    void anUnparseableMessageIsDeadLetteredAndRecordingGoesOn() {
        AuditFixtures.publishRaw(Topics.AGENTS, "x", "not an event " + org.id());
        AuditFixtures.publish(List.of(AuditFixtures.deployed(org.id(), UUID.randomUUID().toString(), 1, "img")));

        try (EventTap dlq = new EventTap(AuditFixtures.bootstrap(), Topics.deadLetter(Topics.AGENTS))) {
            dlq.await(r -> r.value().equals("not an event " + org.id()), 1, WAIT);
        }
        awaitEntries(1);
    }

    @Test
    void anotherOrganizationSeesNoneOfTheseEntries() {
        String agent = UUID.randomUUID().toString();
        AuditFixtures.publish(List.of(AuditFixtures.deployed(org.id(), agent, 1, "img")));
        awaitEntries(1);

        // The other organization's chain holds the entries of its own creation, and nothing of this one's.
        TestOrg other = AuditFixtures.organization();
        as(other, "auditor").get("/v1/audit").then().statusCode(200)
                .body("total", equalTo(AuditFixtures.creationEntries(other)))
                .body("entries.org_id", everyItem(equalTo(other.id().toString())));
        as(other, "auditor").get("/v1/audit?agent_id=" + agent).then().statusCode(200).body("total", equalTo(0));
    }

    @Test
    void queryParametersAreChecked() {
        as(org, "auditor").get("/v1/audit?limit=0").then().statusCode(400).body("error.details[0].field", equalTo("limit"));
        as(org, "auditor").get("/v1/audit?limit=1001").then().statusCode(400);
        as(org, "auditor").get("/v1/audit?from=yesterday").then().statusCode(400).body("error.details[0].field", equalTo("from"));
        as(org, "viewer").get("/v1/audit").then().statusCode(403);
        as(org, "admin").get("/v1/audit").then().statusCode(200);
        // A cursor of a time-ordered list (agents, keys, drift events) is no position in the chain: a 400, not an
        // empty page that reads as the end of the log
        String timeCursor = dev.warden.api.PageRequest.Cursor.at(Instant.now(), UUID.randomUUID()).encode();
        as(org, "auditor").get("/v1/audit?cursor=" + timeCursor).then().statusCode(400)
                .body("error.details[0].field", equalTo("cursor"));
        as(org, "auditor").get("/v1/audit/checkpoints?cursor=" + timeCursor).then().statusCode(400);
    }

    /** Waits until {@code count} entries follow the organization's creation in its chain. */
    private void awaitEntries(int count) {
        AuditFixtures.awaitHead(org, base + count);
    }

    /** Publishes a deployment of {@code agent} carrying a new trace's context, as agent-service would; its trace id. */
    private String publishDeployedInATrace(String agent) {
        String trace = UUID.randomUUID().toString().replace("-", "");
        CloudEvent deployed = AuditFixtures.deployed(org.id(), agent, 1, "img:v1");
        AuditFixtures.publish(List.of(new CloudEvent(deployed.specversion(), deployed.id(), deployed.source(),
                deployed.type(), deployed.subject(), deployed.time(), deployed.datacontenttype(), deployed.orgid(),
                deployed.data(), "00-" + trace + "-b7ad6b7169203331-01")));
        return trace;
    }
}
