package dev.warden.outbox;

import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.testing.EventTap;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one way a handler applies a batch, on a real broker for its dead letters. */
@QuarkusTest
class OrgBatchesTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    OrgBatches batches;

    @Inject
    RelayProducer relay;

    /** A real topic, as events are trusted only on their own (OrgBatches.checkTopic); records told apart by key. */
    private final String topic = Topics.AGENTS;
    private final String key = "org-batches-" + UUID.randomUUID();
    private final UUID orgA = UUID.randomUUID();
    private final UUID orgB = UUID.randomUUID();

    @Test
    void eachOrganizationsEventsAreAppliedInOrderAndWhatCannotBeUsedIsDeadLetteredAfterThem() {
        relay.ensureTopic(Topics.deadLetter(topic));
        Map<UUID, List<String>> applied = new ConcurrentHashMap<>();
        List<ConsumerRecord<String, String>> records = List.of(
                record(0, event(orgA, "a-1")), record(1, "not an event"), record(2, event(orgB, "b-1")),
                record(3, null), record(4, event(orgA, "a-2")), record(5, event(null, "no-org")),
                record(6, event(orgB, "refused")),
                record(7, event(orgA, "elsewhere", EventTypes.EXECUTION_FINISHED)),
                record(8, event(orgA, "unknown", "dev.warden.agent.suspended.v2")),
                record(9, event(orgA, "no-data").replace("\"data\":{\"n\":1}", "\"data\":null")));

        try (EventTap dlq = new EventTap(OwnBroker.kafka().bootstrapServers(), Topics.deadLetter(topic))) {
            batches.apply(records, ArrayList::new, (CloudEvent event, List<String> part) -> {
                if (event.subject().equals("refused")) {
                    throw new IllegalArgumentException("refused by the consumer");
                }
                part.add(event.subject());
            }, (org, part) -> Uni.createFrom().item(() -> {
                applied.put(org, part);
                return null;
            })).await().atMost(WAIT);

            assertEquals(Map.of(orgA, List.of("a-1", "a-2"), orgB, List.of("b-1")), applied);
            List<ConsumerRecord<String, String>> dead = dlq.await(r -> key.equals(r.key()), 6, WAIT);
            assertEquals(List.of(1L, 5L, 6L, 7L, 8L, 9L), dead.stream().map(OrgBatchesTest::origin).toList(),
                    "the tombstone is skipped");
            assertTrue(reason(dead.get(1)).contains("orgid are required"), reason(dead.get(1)));
            assertEquals("refused by the consumer", reason(dead.get(2)));
            // A type trusted only on its own topic, and one no Warden service publishes
            assertTrue(reason(dead.get(3)).contains("travels on " + Topics.EXECUTIONS + " only"), reason(dead.get(3)));
            assertTrue(reason(dead.get(4)).contains("no event type a Warden service publishes"), reason(dead.get(4)));
            // Every Warden event carries its data: one without is refused as it is read, not met by a consumer's code
            // as a null (registry-service's NullPointerException, retried, in a user trial)
            assertTrue(reason(dead.get(5)).contains("data must be an object"), reason(dead.get(5)));
        }
    }

    @Test
    void anOrganizationWhoseApplyFailsFailsTheBatchOnlyOnceEveryOtherHasEnded() {
        List<UUID> ended = new CopyOnWriteArrayList<>();
        List<ConsumerRecord<String, String>> records = List.of(record(0, event(orgA, "a-1")), record(1, event(orgB, "b-1")));

        RuntimeException failure = assertThrows(RuntimeException.class, () -> batches.applyEvents(records, (org, events) ->
                org.equals(orgA)
                        ? Uni.createFrom().failure(new IllegalStateException("database refused"))
                        : Uni.createFrom().item(() -> {
                            ended.add(org);
                            return (Void) null;
                        }).onItem().delayIt().by(Duration.ofMillis(200))).await().atMost(WAIT));

        assertTrue(failure.getMessage().contains("database refused"), failure.getMessage());
        assertEquals(List.of(orgB), ended, "the other organization's apply ended before the batch failed");
    }

    private String event(UUID org, String subject) {
        return event(org, subject, EventTypes.AGENT_CREATED);
    }

    private String event(UUID org, String subject, String type) {
        return EventJson.write(CloudEvent.of("/test", type, subject, org, Map.of("n", 1)));
    }

    private ConsumerRecord<String, String> record(long offset, String value) {
        return new ConsumerRecord<>(topic, 0, offset, key, value);
    }

    private static long origin(ConsumerRecord<String, String> dead) {
        String origin = header(dead, DeadLetters.ORIGIN);
        return Long.parseLong(origin.substring(origin.lastIndexOf('/') + 1));
    }

    private static String reason(ConsumerRecord<String, String> dead) {
        return header(dead, DeadLetters.REASON);
    }

    private static String header(ConsumerRecord<String, String> dead, String name) {
        return new String(dead.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
