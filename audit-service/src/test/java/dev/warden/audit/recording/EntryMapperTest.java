package dev.warden.audit.recording;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.access.AccessEvents;
import dev.warden.events.agent.AgentEvents;
import dev.warden.events.access.AccessEvents.ApiKey;
import dev.warden.events.access.AccessEvents.Organization;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.events.fleet.FleetEvents;
import dev.warden.tenancy.security.Identities;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the access topic's events, and fleet enrolment tokens, become entries: the action from the state, the actor,
 * never the secret's hash.
 */
class EntryMapperTest {

    private static final String SHA256 = "f".repeat(64);
    private static final Instant CREATED = Instant.parse("2026-03-01T10:00:00.123456Z");

    private final UUID org = UUID.randomUUID();
    private final UUID key = UUID.randomUUID();

    @Test
    void aKeyIsCreatedByItsCreatorAndRevokedByItsRevokerWithoutItsSecretsHash() {
        AuditEntry created = map(keyEvent(false, null));
        AuditEntry revoked = map(keyEvent(true, "api-key:bob"));

        assertEquals("api-key.created", created.actionType());
        assertEquals("api-key:alice", created.actor());
        assertEquals("api-key.revoked", revoked.actionType());
        assertEquals("api-key:bob", revoked.actor());
        for (AuditEntry entry : List.of(created, revoked)) {
            assertNull(entry.agentId());
            assertEquals(org, entry.orgId());
            assertEquals(Set.of("key_id", "name", "role", "prefix", "expires_at"), Set.copyOf(metadataFields(entry)));
            assertEquals(key.toString(), entry.metadata().get("key_id").asText());
            assertFalse(entry.toString().contains(SHA256), entry.toString());
            assertFalse(entry.metadata().toString().contains(SHA256));
        }
    }

    @Test
    void aRevocationPublishedBeforeRevokedByExistedNamesNoActor() {
        ObjectNode event = (ObjectNode) EventJson.MAPPER.valueToTree(keyEvent(true, null));
        ((ObjectNode) event.get("data")).remove("revoked_by");

        AuditEntry revoked = EntryMapper.map(EventJson.read(event.toString()), Instant.now());

        assertEquals("api-key.revoked", revoked.actionType());
        assertNull(revoked.actor());
    }

    @Test
    void anOrganizationIsCreatedDisabledAndEnabledByThePlatform() {
        Instant later = CREATED.plusSeconds(60);

        assertEquals("organization.created", map(orgEvent("active", CREATED)).actionType());
        assertEquals("organization.disabled", map(orgEvent("disabled", later)).actionType());
        AuditEntry enabled = map(orgEvent("active", later.plusSeconds(1)));
        assertEquals("organization.enabled", enabled.actionType());
        assertEquals(Identities.PLATFORM_ACTOR, enabled.actor());
        assertNull(enabled.agentId());
        assertEquals(org, enabled.orgId());
        assertEquals("active", enabled.metadata().get("status").asText());
    }

    @Test
    void anEnrolmentTokenIsIssuedAndRevokedByItsActorsAboutTheAgentItIsPinnedTo() {
        UUID token = UUID.randomUUID();
        UUID agent = UUID.randomUUID();
        AuditEntry issued = map(tokenEvent(EventTypes.FLEET_ENROLLMENT_TOKEN_ISSUED, token, agent, "api-key:alice"));
        AuditEntry revoked = map(tokenEvent(EventTypes.FLEET_ENROLLMENT_TOKEN_REVOKED, token, null, "api-key:bob"));

        assertEquals("fleet.enrollment-token-issued", issued.actionType());
        assertEquals("api-key:alice", issued.actor());
        assertEquals(agent.toString(), issued.agentId());
        assertEquals("fleet.enrollment-token-revoked", revoked.actionType());
        assertEquals("api-key:bob", revoked.actor());
        assertNull(revoked.agentId(), "an unpinned token is about no agent, whatever the event's subject");
        assertEquals(Set.of("token_id", "max_uses", "expires_at"), Set.copyOf(metadataFields(issued)));
        assertEquals(token.toString(), issued.metadata().get("token_id").asText());
    }

    @Test
    void aRegistrationDecisionNamesWhoDecidedWhatAndTheAgentItMade() {
        UUID registration = UUID.randomUUID();
        UUID agent = UUID.randomUUID();
        var asked = new AgentEvents.Registration(registration, org, "walk-in", "1.0", "did:key:z6Mk", "z6Mk",
                List.of("api_call", "file_access"), "approved", CREATED, "api-key:carol", null, 25);
        AuditEntry approved = map(CloudEvent.of("/warden/agent-service", EventTypes.REGISTRATION_APPROVED,
                registration.toString(), org, new AgentEvents.RegistrationApproved(asked, List.of("api_call"), agent,
                        "api-key:alice", CREATED.plusSeconds(60), null)));
        AuditEntry rejected = map(CloudEvent.of("/warden/agent-service", EventTypes.REGISTRATION_REJECTED,
                registration.toString(), org, new AgentEvents.RegistrationRejected(asked, "not ours", "api-key:bob",
                        CREATED.plusSeconds(60))));
        AuditEntry requested = map(CloudEvent.of("/warden/agent-service", EventTypes.REGISTRATION_REQUESTED,
                registration.toString(), org, new AgentEvents.RegistrationRequested(asked)));

        assertEquals("api-key:alice", approved.actor());
        assertEquals(agent.toString(), approved.agentId(), "the approved agent, so its history starts at its approval");
        assertEquals(registration.toString(), approved.metadata().get("registration_id").asText());
        assertEquals("[\"api_call\"]", approved.metadata().get("granted_capabilities").toString());
        assertEquals("api-key:bob", rejected.actor());
        assertEquals("not ours", rejected.metadata().get("reason").asText());
        assertNull(rejected.agentId(), "no agent came of it");
        assertEquals("api-key:carol", requested.actor());
        assertEquals("walk-in", requested.metadata().get("name").asText());
    }

    @Test
    void anAgentActionHappenedWhenTheAgentSaysNotWhenItWasReported() {
        Instant acted = CREATED.minusSeconds(300);
        CloudEvent reported = CloudEvent.of("/warden/audit-service", EventTypes.AGENT_ACTION, UUID.randomUUID().toString(),
                org, java.util.Map.of("agent_id", UUID.randomUUID().toString(), "connector", "jira", "action", "issues:read",
                        "status", "success", "occurred_at", acted.toString()));
        assertEquals(acted, map(reported).occurredAt());
        assertTrue(EntryMapper.reservedActionType("agent.deployed"));
        // What reads as a reserved name is reserved: case, surrounding space, compatibility forms of the dot.
        assertTrue(EntryMapper.reservedActionType("Agent.deployed"));
        assertTrue(EntryMapper.reservedActionType(" agent.deployed"));
        assertTrue(EntryMapper.reservedActionType("agent\u2024deployed"));
        assertTrue(EntryMapper.reservedActionType("\uff41gent.deployed"));
        assertFalse(EntryMapper.reservedActionType("issues:read"));
        // Marks and invisible characters change the bytes, not the reading
        assertTrue(EntryMapper.reservedActionType("a\u0301gent.deployed"));
        assertTrue(EntryMapper.reservedActionType("agent\u200b.deployed"));
        assertTrue(EntryMapper.reservedActionType("\ufeffagent.deployed"));
        assertTrue(EntryMapper.reservedActionType("agent\u00ad.deployed"));
        // Look-alikes of other scripts read as their Latin letters (Unicode's confusables): Cyrillic, Armenian,
        // Cherokee, dotless i, and names spelt in one other script alone
        for (String spoof : List.of("\u0430gent.suspended", "p\u0585licy.bound", "\u13aagent.suspended",
                "pol\u0131cy.bound", "\ua4eegent.x", "\u0440\u043e\u04cf\u0456\u0441\u0443.x")) {
            assertTrue(EntryMapper.reservedActionType(spoof), spoof);
        }
        for (String plain : List.of("issues:read", "\u0441\u043e\u0437\u0434\u0430\u0442\u044c_\u0437\u0430\u0434\u0430\u0447\u0443",
                "\u30c1\u30b1\u30c3\u30c8\u4f5c\u6210", "agents:list", "policy-check")) {
            assertFalse(EntryMapper.reservedActionType(plain), plain);
        }
    }

    /** Every action type Warden records of its own events is reserved, so a new event type cannot slip past. */
    @Test
    void everyActionTypeOfWardensOwnEventsIsReserved() throws IllegalAccessException {
        for (var field : EventTypes.class.getFields()) {
            if (!(field.get(null) instanceof String type)) {
                continue;
            }
            if (!type.equals(EventTypes.AGENT_ACTION)) {
                assertTrue(EntryMapper.reservedActionType(EntryMapper.actionType(type)), type);
            }
        }
        assertTrue(EntryMapper.reservedActionType("organization.disabled"));
        assertTrue(EntryMapper.reservedActionType("api-key.revoked"));
    }

    @Test
    void aDeployOrRollbackThatLiftedASuspensionSaysSo() {
        ObjectNode data = EventJson.MAPPER.createObjectNode();
        data.put("from_version", 2).put("to_version", 1).put("image_uri", "img:v1").put("lifted_suspension", true);
        AuditEntry lifted = map(CloudEvent.of("/warden/agent-service", EventTypes.AGENT_ROLLED_BACK,
                UUID.randomUUID().toString(), org, data));
        assertTrue(lifted.metadata().get("lifted_suspension").asBoolean());
        data.put("lifted_suspension", false);
        AuditEntry plain = map(CloudEvent.of("/warden/agent-service", EventTypes.AGENT_ROLLED_BACK,
                UUID.randomUUID().toString(), org, data));
        assertFalse(plain.metadata().has("lifted_suspension"));
    }

    /** The entry of an intent says who vouches for it: the agent's own key with its JWS, or the admin who set it. */
    @Test
    void anIntentsEntrySaysWhetherTheAgentSignedItOrAnAdminSetIt() {
        ObjectNode signed = EventJson.MAPPER.createObjectNode();
        signed.putObject("agent").put("declared_intent_digest", "ab12").put("updated_by", "api-key:alice")
                .put("declared_intent_signed_by", "did:key:z6MkTest").put("declared_intent_jws", "eyJhbGciOiJFZERTQSJ9..c2ln");
        AuditEntry byAgent = map(CloudEvent.of("/warden/agent-service", EventTypes.AGENT_INTENT_DECLARED,
                UUID.randomUUID().toString(), org, signed));
        assertEquals("did:key:z6MkTest", byAgent.metadata().get("declared_intent_signed_by").asText());
        assertEquals("eyJhbGciOiJFZERTQSJ9..c2ln", byAgent.metadata().get("declared_intent_jws").asText());
        assertEquals("ab12", byAgent.metadata().get("declared_intent_digest").asText());

        ObjectNode set = EventJson.MAPPER.createObjectNode();
        set.putObject("agent").put("declared_intent_digest", "cd34").put("updated_by", "api-key:alice")
                .put("declared_intent_signed_by", "api-key:alice").putNull("declared_intent_jws");
        AuditEntry byAdmin = map(CloudEvent.of("/warden/agent-service", EventTypes.AGENT_INTENT_DECLARED,
                UUID.randomUUID().toString(), org, set));
        assertEquals("api-key:alice", byAdmin.metadata().get("declared_intent_signed_by").asText());
        assertFalse(byAdmin.metadata().hasNonNull("declared_intent_jws"));
    }

    @Test
    void anAllowListChangeKeepsTheListOrNullForEveryCapability() {
        AuditEntry narrowed = map(CloudEvent.of("/warden/agent-service", EventTypes.REGISTRATION_CAPABILITIES_CHANGED,
                org.toString(), org, new AgentEvents.RegistrationCapabilitiesChanged(org, List.of("api_call"), "api-key:bob", CREATED)));
        assertEquals("agent.registration-capabilities-changed", narrowed.actionType());
        assertEquals("api-key:bob", narrowed.actor());
        assertNull(narrowed.agentId());
        assertEquals("[\"api_call\"]", narrowed.metadata().get("available_capabilities").toString());
        AuditEntry widened = map(CloudEvent.of("/warden/agent-service", EventTypes.REGISTRATION_CAPABILITIES_CHANGED,
                org.toString(), org, new AgentEvents.RegistrationCapabilitiesChanged(org, null, "api-key:bob", CREATED)));
        assertTrue(widened.metadata().get("available_capabilities").isNull());
    }

    /**
     * Who bound, unbound or removed a policy is named: a binding's event named nobody, and a removal's the policy's last
     * editor (an integration trial found an admin's unbinding of a deny policy chained with a null actor).
     */
    @Test
    void aPolicysBindingAndRemovalNameWhoMadeThem() {
        UUID policy = UUID.randomUUID();
        UUID agent = UUID.randomUUID();
        AgentEvents.Policy edited = new AgentEvents.Policy(policy, org, "no-pii-export", null, "enforce",
                EventJson.MAPPER.createArrayNode(), 2, List.of(agent), CREATED, "api-key:alice", CREATED, "api-key:alice");
        AuditEntry removed = map(CloudEvent.of("/warden/agent-service", EventTypes.POLICY_REMOVED, policy.toString(), org,
                new AgentEvents.PolicyChanged(edited, "api-key:bob")));
        assertEquals("api-key:bob", removed.actor());
        for (String type : List.of(EventTypes.POLICY_BOUND, EventTypes.POLICY_UNBOUND)) {
            AuditEntry binding = map(CloudEvent.of("/warden/agent-service", type, agent.toString(), org,
                    new AgentEvents.PolicyBindingChanged(agent, edited.reference(), "api-key:bob")));
            assertEquals("api-key:bob", binding.actor(), type);
            assertEquals(agent.toString(), binding.agentId(), type);
            assertEquals(policy.toString(), binding.metadata().get("policy_id").asText(), type);
        }
    }

    @Test
    void aRealmChangeNamesWhoChangedItAndTheRealmNotAnAgent() {
        UUID realm = UUID.randomUUID();
        AuditEntry deleted = map(CloudEvent.of("/warden/agent-service", EventTypes.REALM_DELETED, realm.toString(), org,
                new AgentEvents.RealmChanged(new AgentEvents.Realm(realm, org, "Engineering", "eng", "#3b82f6", CREATED,
                        "api-key:alice", CREATED, "api-key:alice"), "api-key:bob")));
        assertEquals("realm.deleted", deleted.actionType());
        assertEquals("api-key:bob", deleted.actor());
        assertNull(deleted.agentId());
        assertEquals(realm.toString(), deleted.metadata().get("realm_id").asText());
        assertEquals("eng", deleted.metadata().get("realm_slug").asText());
    }

    private CloudEvent tokenEvent(String type, UUID token, UUID agent, String actor) {
        return CloudEvent.of("/warden/fleet-service", type, "enrollment-token:" + token, org,
                new FleetEvents.EnrollmentTokenChanged(token, org, agent, 5, CREATED.plusSeconds(3600), CREATED,
                        "api-key:alice", actor, CREATED.plusSeconds(10)));
    }

    private CloudEvent keyEvent(boolean revoked, String revokedBy) {
        return CloudEvent.of("/warden/agent-service", EventTypes.API_KEY, AccessEvents.apiKeyKey(key), org,
                new ApiKey(key, org, "ci", "operator", SHA256, "wdn_abcdef", CREATED.plusSeconds(86_400), revoked, CREATED,
                        "api-key:alice", revokedBy));
    }

    private CloudEvent orgEvent(String status, Instant updatedAt) {
        return CloudEvent.of("/warden/agent-service", EventTypes.ORGANIZATION, AccessEvents.organizationKey(org), org,
                new Organization(org, "acme", status, CREATED, updatedAt));
    }

    /** Through JSON, as the recorder reads it. */
    private static AuditEntry map(CloudEvent event) {
        return EntryMapper.map(EventJson.read(EventJson.write(event)), Instant.now());
    }

    private static List<String> metadataFields(AuditEntry entry) {
        List<String> names = new ArrayList<>();
        entry.metadata().fieldNames().forEachRemaining(names::add);
        return names;
    }
}
