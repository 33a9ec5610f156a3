package dev.warden.audit.recording;

import dev.warden.audit.support.AuditFixtures;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.audit.AuditEvents.AgentAction;
import dev.warden.outbox.DeadLetters;
import dev.warden.testing.EventTap;
import dev.warden.testing.TestEvents;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static dev.warden.audit.support.AuditFixtures.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An event that parses but that the chain refuses fails its batch every time; it must end on the dead-letter topic
 * while the events after it are recorded (test config: 3 attempts, short backoff).
 */
@QuarkusTest
class PoisonEventTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private TestOrg org;
    private final UUID agent = UUID.randomUUID();

    @BeforeEach
    void organization() {
        org = AuditFixtures.organization();
    }

    @Test
    void anActionWithoutItsActionIsDeadLetteredAndTheNextEventIsRecorded() {
        // action_type is NOT NULL in the chain.
        deadLetteredWhileTheNextEventIsRecorded(action(null, "jira"), "action_type");
    }

    @Test
    void aNulCharacterIsDeadLetteredAndTheNextEventIsRecorded() {
        // PostgreSQL refuses 0x00 in text: "invalid byte sequence for encoding UTF8: 0x00".
        deadLetteredWhileTheNextEventIsRecorded(action("issues:create", "ji\u0000ra"), "0x00");
    }

    @Test
    void anUnparseableRecordInAFailingBatchIsDeadLetteredOnceNotOnEveryRetry() {
        CloudEvent poison = action("issues:create", "ji\u0000ra");
        CloudEvent next = action("issues:read", "jira");
        String unparseable = "not json " + UUID.randomUUID();
        // One key, one partition, one send: the three usually arrive in one batch, which fails whole until the
        // poison is isolated. Only then, with the rest recorded, is the unparseable record dead-lettered.
        TestEvents.publishRaw(AuditFixtures.bootstrap(), Topics.AGENT_ACTIONS, agent.toString(), unparseable,
                EventJson.write(poison), EventJson.write(next));

        try (EventTap dlq = new EventTap(AuditFixtures.bootstrap(), Topics.deadLetter(Topics.AGENT_ACTIONS))) {
            // The poison is dead-lettered after the unparseable record: the first two of either are one of each.
            List<ConsumerRecord<String, String>> dead = dlq.await(r -> r.value().equals(unparseable)
                    || r.value().contains(poison.id().toString()), 2, WAIT);
            assertEquals(1, dead.stream().filter(r -> r.value().equals(unparseable)).count(), "dead-lettered once");
        }
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() ->
                as(org, "auditor").get("/v1/audit?agent_id=" + agent).then().extract().<Integer>path("total") >= 1);
    }

    /**
     * An event read from a topic other than its own is dead-lettered, never recorded: the broker lets each service's
     * principal write only its own topics, and a user trial's runner-service principal wrote agent events of another
     * organization to warden.executions.v1, which audit-service chained (and signed in a compliance package) as
     * agent-service's. The real event on its own topic after it is recorded, alone.
     */
    @Test
    void anEventOnATopicNotItsOwnIsDeadLetteredAndNotRecorded() {
        String known = AuditFixtures.knownAgent(org);
        int head = AuditFixtures.head(org);
        CloudEvent forged = AuditFixtures.deployed(org.id(), known, 2, "forged.example/evil:v2");
        AuditFixtures.publish(Topics.EXECUTIONS, List.of(forged));
        try (EventTap dlq = new EventTap(AuditFixtures.bootstrap(), Topics.deadLetter(Topics.EXECUTIONS))) {
            ConsumerRecord<String, String> dead = dlq.await(r -> r.value().contains(forged.id().toString()), 1, WAIT)
                    .getFirst();
            String reason = new String(dead.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8);
            assertTrue(reason.contains(Topics.AGENTS + " only"), reason);
        }
        AuditFixtures.publish(List.of(AuditFixtures.deployed(org.id(), known, 2, "registry.example/real:v2")));
        AuditFixtures.awaitHead(org, head + 1);
        as(org, "auditor").get("/v1/audit?agent_id=" + known).then().statusCode(200)
                .body("total", equalTo(2)) // its creation and the real deploy
                .body("entries.metadata.image_uri", not(hasItem("forged.example/evil:v2")))
                .body("entries.metadata.image_uri", hasItem("registry.example/real:v2"));
        as(org, "auditor").get("/v1/audit?limit=1").then().body("total", equalTo(head + 1));
    }

    private void deadLetteredWhileTheNextEventIsRecorded(CloudEvent poison, String reasonMentions) {
        CloudEvent next = action("issues:read", "jira");
        // Same agent, same key, same partition: the next event comes after the poison.
        AuditFixtures.publish(Topics.AGENT_ACTIONS, List.of(poison, next));

        try (EventTap dlq = new EventTap(AuditFixtures.bootstrap(), Topics.deadLetter(Topics.AGENT_ACTIONS))) {
            ConsumerRecord<String, String> dead = dlq.await(r -> r.value().contains(poison.id().toString()), 1, WAIT)
                    .getFirst();
            String reason = new String(dead.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8);
            assertTrue(reason.contains(reasonMentions) && reason.contains("attempts"), reason);
        }
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() ->
                as(org, "auditor").get("/v1/audit?agent_id=" + agent).then().extract().<Integer>path("total") >= 1);
        as(org, "auditor").get("/v1/audit?agent_id=" + agent).then().statusCode(200)
                .body("total", equalTo(1))
                .body("entries[0].action_type", equalTo("issues:read"));
    }

    private CloudEvent action(String action, String connector) {
        return CloudEvent.of("/warden/audit-service", EventTypes.AGENT_ACTION, agent.toString(), org.id(),
                new AgentAction(agent, "agent-runner", connector, action, "issue data", "success", null, null,
                        Instant.now().minusSeconds(5)));
    }
}
