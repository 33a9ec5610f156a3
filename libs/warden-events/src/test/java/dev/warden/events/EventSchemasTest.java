package dev.warden.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.events.access.AccessEvents;
import dev.warden.events.access.AccessEvents.ApiKey;
import dev.warden.events.access.AccessEvents.Organization;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventSchemasTest {

    private final UUID org = UUID.randomUUID();

    @Test
    void everyTypesSchemaCompilesAheadOfItsFirstEvent() {
        assertEquals(EventTypes.TOPIC_OF.size() + 1, EventSchemas.prepare());
    }

    @Test
    void aWellFormedEventHasNoViolations() {
        CloudEvent event = CloudEvent.of("/warden/test", EventTypes.ORGANIZATION, "org:" + org, org,
                new Organization(org, "acme", "active", Instant.now(), Instant.now()));

        assertEquals(java.util.List.of(), EventSchemas.violations(EventJson.MAPPER.valueToTree(event)));
    }

    @Test
    void aPayloadThatBreaksItsSchemaIsReported() {
        CloudEvent event = CloudEvent.of("/warden/test", EventTypes.ORGANIZATION, "org:" + org, org,
                new Organization(org, "acme", "sleeping", Instant.now(), Instant.now()));

        var problems = EventSchemas.violations(EventJson.MAPPER.valueToTree(event));

        assertTrue(problems.stream().anyMatch(p -> p.contains("status")), problems.toString());
    }

    /** A revocation names who revoked; a key event published before revoked_by existed still parses and validates. */
    @Test
    void aKeysRevokerIsOptional() {
        UUID key = UUID.randomUUID();
        CloudEvent revoked = CloudEvent.of("/warden/test", EventTypes.API_KEY, AccessEvents.apiKeyKey(key), org,
                new ApiKey(key, org, "ci", "operator", "a".repeat(64), "wdn_abcdef", null, true, Instant.now(),
                        "api-key:creator", "api-key:revoker"));
        ObjectNode json = EventJson.MAPPER.valueToTree(revoked);
        assertEquals(java.util.List.of(), EventSchemas.violations(json));

        ((ObjectNode) json.get("data")).remove("revoked_by");
        assertEquals(java.util.List.of(), EventSchemas.violations(json));
        assertNull(EventJson.MAPPER.convertValue(json.get("data"), ApiKey.class).revokedBy());
    }

    @Test
    void anEnvelopeWithoutOrgIsReported() {
        CloudEvent event = CloudEvent.of("/warden/test", EventTypes.ORGANIZATION, "org:" + org, org,
                new Organization(org, "acme", "active", Instant.now(), Instant.now()));
        ObjectNode json = EventJson.MAPPER.valueToTree(event);
        json.remove("orgid");

        assertTrue(EventSchemas.violations(json).stream().anyMatch(p -> p.contains("orgid")));
    }

    @Test
    void anUnknownTypeIsReported() {
        ObjectNode json = EventJson.MAPPER.valueToTree(
                CloudEvent.of("/warden/test", "dev.warden.nothing.v1", "x", org, java.util.Map.of()));

        assertTrue(EventSchemas.violations(json).contains("unknown event type dev.warden.nothing.v1"));
    }

    @Test
    void aTraceparentIsOptionalKeptThroughJsonAndMustBeW3c() {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        CloudEvent traced = CloudEvent.of("/warden/test", EventTypes.ORGANIZATION, "org:" + org, org,
                new Organization(org, "acme", "active", Instant.now(), Instant.now()), traceparent);
        ObjectNode json = EventJson.MAPPER.valueToTree(traced);

        assertEquals(java.util.List.of(), EventSchemas.violations(json));
        assertEquals(traceparent, EventJson.read(EventJson.write(traced)).traceparent());
        assertFalse(EventJson.MAPPER.valueToTree(CloudEvent.of("/warden/test", EventTypes.ORGANIZATION, "org:" + org,
                org, new Organization(org, "acme", "active", Instant.now(), Instant.now()))).has("traceparent"));

        json.put("traceparent", "not-a-trace");
        assertTrue(EventSchemas.violations(json).stream().anyMatch(p -> p.contains("traceparent")));
    }

    @Test
    void theConstructorWithoutTraceparentStillWorks() {
        CloudEvent event = new CloudEvent(CloudEvent.SPEC_VERSION, UUID.randomUUID(), "/warden/test",
                EventTypes.ORGANIZATION, "org:" + org, Instant.now(), "application/json", org, EventJson.tree("{}"));

        assertNull(event.traceparent());
    }

    @Test
    void canonicalFormIgnoresKeyOrderAndWhitespace() {
        String a = CanonicalJson.sha256Hex(EventJson.tree("{\"b\": [1, {\"y\":1,\"x\":2}], \"a\": \"z\"}"));
        String b = CanonicalJson.sha256Hex(EventJson.tree("{\"a\":\"z\",\"b\":[1,{\"x\":2,\"y\":1}]}"));

        assertEquals(a, b);
    }
}
