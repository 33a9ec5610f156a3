package dev.warden.outbox;

import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.testing.EventTap;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * The relay is woken by each committed write, not by its poll: with a poll of ten minutes, every event a transaction
 * writes is on the broker within seconds of its commit (TenantDb's notification after the commit; the relay waits on
 * it with LISTEN).
 */
@QuarkusTest
@TestProfile(RelayWakeUpTest.PollOfTenMinutes.class)
class RelayWakeUpTest {

    public static class PollOfTenMinutes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("warden.outbox.poll-interval", "10m");
        }
    }

    private static final Duration WITHIN = Duration.ofSeconds(20);

    @Inject
    TenantDb db;

    @Inject
    Outbox outbox;

    @Inject
    MeterRegistry meters;

    private final UUID org = UUID.randomUUID();
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void eachCommittedWriteWakesTheRelayWithinSecondsThoughItPollsEveryTenMinutes() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                meters.get("warden.leader.job.leader").tag(LeaderJobs.JOB_TAG, "outbox-relay").gauge().value() == 1);
        // The first may be taken by the relay's first round as it becomes leader (and makes the topic, which the tap
        // needs); each after it waits for a wake-up.
        UUID first = emit(0);
        try (EventTap tap = new EventTap(OwnBroker.kafka().bootstrapServers(), Topics.AGENTS)) {
            tap.await(r -> first.toString().equals(EventTap.json(r).path("id").asText()), 1, WITHIN);
            for (int n = 1; n < 4; n++) {
                UUID id = emit(n);
                tap.await(r -> id.toString().equals(EventTap.json(r).path("id").asText()), 1, WITHIN);
            }
        }
    }

    private UUID emit(int n) {
        return db.inOrg(org, conn -> outbox.emit(conn, org, EventTypes.CONNECTOR_BOUND, "agent-" + run, binding(n)))
                .await().atMost(WITHIN).id();
    }

    private Map<String, Object> binding(int n) {
        String agent = UUID.randomUUID().toString();
        return Map.of("agent_id", agent, "binding", Map.of("id", UUID.randomUUID().toString(), "agent_id", agent,
                "connector", "wake-up-test", "config", Map.of("run", run, "n", n), "created_at", "2026-01-01T00:00:00Z"));
    }
}
