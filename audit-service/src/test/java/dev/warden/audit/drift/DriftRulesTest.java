package dev.warden.audit.drift;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.events.EventJson;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static dev.warden.audit.drift.DriftRules.UNAUTHORIZED_ACTION;
import static dev.warden.audit.drift.DriftRules.UNAUTHORIZED_DATA_TYPE;
import static dev.warden.audit.drift.DriftRules.UNAUTHORIZED_SYSTEM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
        DriftRules.Frequency f = new DriftRules.Frequency(Duration.ofSeconds(60), List.of(), List.of());
        Instant t = Instant.parse("2026-12-01T10:00:00Z");
        assertEquals(1, f.add(t));
        assertEquals(2, f.add(t.plusSeconds(30)));
        assertEquals(3, f.add(t.plusSeconds(60)), "the window includes its start");
        assertEquals(3, f.add(t.plusSeconds(61)), "the first action left it");
        assertEquals(3, f.add(t.plusSeconds(100)), "only 60, 61 and 100 remain");
    }

    @Test
    void actionsReportedLateFillAWindowFromEitherSide() {
        Instant t = Instant.parse("2026-12-01T10:00:00Z");
        // Newest first, as a batch of late reports may come: the window after each one fills
        DriftRules.Frequency f = new DriftRules.Frequency(Duration.ofSeconds(300), List.of(), List.of());
        for (int i = 0; i < 6; i++) {
            assertEquals(i + 1, f.add(t.minusSeconds(5L * i)));
        }
        // Recorded before the batch, after the new action's time: counted too
        DriftRules.Frequency recorded = new DriftRules.Frequency(Duration.ofSeconds(300),
                List.of(t.plusSeconds(10), t.plusSeconds(20), t.plusSeconds(400)), List.of());
        assertEquals(3, recorded.add(t), "10 and 20 are in its window, 400 is not");
    }

    @Test
    void aFrequencyDriftIsDueOncePerWindowWhicheverSideTheEarlierOneIs() {
        Instant t = Instant.parse("2026-12-01T10:00:00Z");
        DriftRules.Frequency f = new DriftRules.Frequency(Duration.ofSeconds(300), List.of(), List.of(t.plusSeconds(100)));
        assertFalse(f.driftDue(t), "one reported 100 s later, in an earlier batch");
        assertFalse(f.driftDue(t.plusSeconds(400)), "300 s after it: the window's end is in it");
        assertTrue(f.driftDue(t.plusSeconds(401)));
        assertFalse(f.driftDue(t.plusSeconds(500)), "the one just reported");
        assertTrue(f.driftDue(t.minusSeconds(201)));
    }
}
