package dev.warden.audit.drift;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.events.EventJson;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import static dev.warden.audit.drift.DriftRules.UNAUTHORIZED_ACTION;
import static dev.warden.audit.drift.DriftRules.UNAUTHORIZED_DATA_TYPE;
import static dev.warden.audit.drift.DriftRules.UNAUTHORIZED_SYSTEM;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The drift rules alone, without a database or a broker. */
class DriftRulesTest {

    private static final JsonNode INTENT = EventJson.tree("""
            {"permitted_connectors": ["crowdstrike", "jira"], "permitted_actions": ["detections:read", "issues:create"],
             "data_types": ["detection data"], "rate_limit": {"max_actions": 3, "window_seconds": 60}}""");
    private static final DriftRules.Limit CEILING = new DriftRules.Limit(600, Duration.ofSeconds(60));

    @Test
    void aPermittedActionBreaksNothing() {
        assertEquals(List.of(), DriftRules.broken(INTENT, "jira", "issues:create", "detection data"));
        assertEquals(List.of(), DriftRules.broken(INTENT, "jira", "issues:create", null));
    }

    @Test
    void eachUndeclaredPartIsItsOwnDrift() {
        assertEquals(List.of(UNAUTHORIZED_SYSTEM), DriftRules.broken(INTENT, "slack", "issues:create", null));
        assertEquals(List.of(UNAUTHORIZED_ACTION), DriftRules.broken(INTENT, "jira", "issues:delete", null));
        assertEquals(List.of(UNAUTHORIZED_DATA_TYPE), DriftRules.broken(INTENT, "jira", "issues:create", "pii"));
        assertEquals(List.of(UNAUTHORIZED_SYSTEM, UNAUTHORIZED_ACTION, UNAUTHORIZED_DATA_TYPE),
                DriftRules.broken(INTENT, "slack", "messages:send", "pii"));
    }

    @Test
    void anIntentWithoutAListPermitsNothingOfIt() {
        assertEquals(List.of(UNAUTHORIZED_SYSTEM, UNAUTHORIZED_ACTION),
                DriftRules.broken(EventJson.tree("{}"), "jira", "issues:create", null));
    }

    @Test
    void theIntentsRateLimitWinsOverTheCeiling() {
        assertEquals(new DriftRules.Limit(3, Duration.ofSeconds(60)), DriftRules.limit(INTENT, CEILING));
        assertEquals(CEILING, DriftRules.limit(EventJson.tree("{\"rate_limit\": {\"max_actions\": 3}}"), CEILING));
    }

    @Test
    void theWindowForgetsActionsOlderThanItsLength() {
        Deque<Instant> recent = new ArrayDeque<>();
        Instant t = Instant.parse("2026-12-01T10:00:00Z");
        assertEquals(1, DriftRules.slide(recent, t, Duration.ofSeconds(60)));
        assertEquals(2, DriftRules.slide(recent, t.plusSeconds(30), Duration.ofSeconds(60)));
        assertEquals(3, DriftRules.slide(recent, t.plusSeconds(60), Duration.ofSeconds(60)), "the window includes its start");
        assertEquals(3, DriftRules.slide(recent, t.plusSeconds(61), Duration.ofSeconds(60)), "the first action left it");
        assertEquals(3, DriftRules.slide(recent, t.plusSeconds(100), Duration.ofSeconds(60)), "only 60, 61 and 100 remain");
    }
}
