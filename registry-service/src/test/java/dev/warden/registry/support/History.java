package dev.warden.registry.support;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.agent.AgentEvents;
import dev.warden.events.agent.AgentEvents.AgentChanged;
import dev.warden.events.agent.AgentEvents.ConnectorBinding;
import dev.warden.events.agent.AgentEvents.ConnectorChanged;
import dev.warden.events.agent.AgentEvents.Policy;
import dev.warden.events.agent.AgentEvents.PolicyBindingChanged;
import dev.warden.events.agent.AgentSnapshot;
import dev.warden.events.agent.AgentStatus;
import dev.warden.events.agent.AgentType;
import dev.warden.events.agent.Capabilities;
import dev.warden.events.agent.McpIntegration;
import dev.warden.events.agent.Notifications;
import dev.warden.events.agent.RiskConfig;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.events.audit.AuditEvents.CompliancePackageCreated;
import dev.warden.events.audit.AuditEvents.DriftEvent;
import dev.warden.testing.TestEvents;
import dev.warden.testing.TestOrganizations;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.restassured.specification.RequestSpecification;
import org.awaitility.Awaitility;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/** A scripted history: events as agent-service and audit-service publish them, put on the real broker. */
public final class History {

    public static final Instant T0 = Instant.parse("2026-03-15T10:00:00Z");
    /** The platform admin's key: its SHA-256 is the test profile's {@code warden.security.platform-api-key-sha256}. */
    public static final String PLATFORM_KEY = "wdn_test_platform_admin_key_for_tests_only";

    private History() {
    }

    public static String bootstrap() {
        return TestOrganizations.bootstrap();
    }

    /** An organization with admin, auditor, viewer and instance keys, usable once this returns. */
    public static TestOrg organization() {
        return TestOrganizations.ready("/v1/registry", "viewer", "admin", "auditor", "instance");
    }

    public static RequestSpecification as(TestOrg org, String role) {
        return org.as(role);
    }

    public static RequestSpecification asPlatformAdmin() {
        return given().header("X-API-Key", PLATFORM_KEY);
    }

    /** Once no rebuild runs: a test that started one leaves the projection whole for the next. */
    public static void awaitNoRebuildRunning() {
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() ->
                !"running".equals(asPlatformAdmin().get("/v1/registry/rebuilds?limit=1").then().statusCode(200)
                        .extract().path("rebuilds[0].state")));
    }

    public static void publish(String topic, CloudEvent... events) {
        TestEvents.publish(bootstrap(), topic, List.of(events));
    }

    /** An agent as agent-service would describe it; {@code change} adjusts the defaults. */
    public static AgentSnapshot agent(UUID org, UUID id, String name, AgentStatus status, int version, long revision) {
        return new AgentSnapshot(id, org, name, name + " does its job", "user:alice", "docker",
                version == 0 ? null : "registry.example.com/" + name + ":v" + version, status, version, null, null, null, null,
                AgentType.SUPERVISED, new RiskConfig(50, 30, 80, 70, 20, 60),
                new Capabilities(List.of("detections:read"), List.of("crowdstrike"), List.of("customer-pii")),
                McpIntegration.NONE, Notifications.NONE, List.of("production", "soc"),
                JsonNodeFactory.instance.objectNode().put("team", "soc"), revision, T0, "user:alice",
                T0.plus(revision, ChronoUnit.MINUTES), "user:bob", null, null, List.of(), null, null, null, null, null,
                null, null);
    }

    public static CloudEvent changed(AgentSnapshot agent) {
        String type = agent.revision() == 1 ? EventTypes.AGENT_CREATED : EventTypes.AGENT_SUSPENDED;
        return CloudEvent.of("/warden/agent-service", type, agent.id().toString(), agent.orgId(), new AgentChanged(agent));
    }

    public static CloudEvent connectorBound(UUID org, UUID agent, UUID binding, String connector) {
        return CloudEvent.of("/warden/agent-service", EventTypes.CONNECTOR_BOUND, agent.toString(), org,
                new ConnectorChanged(agent, new ConnectorBinding(binding, agent, connector, null, null, "user:alice", T0)));
    }

    public static CloudEvent connectorUnbound(UUID org, UUID agent, UUID binding, String connector) {
        return CloudEvent.of("/warden/agent-service", EventTypes.CONNECTOR_UNBOUND, agent.toString(), org,
                new ConnectorChanged(agent, new ConnectorBinding(binding, agent, connector, null, null, "user:alice", T0)));
    }

    public static CloudEvent policyBound(UUID org, UUID agent, UUID policy) {
        return CloudEvent.of("/warden/agent-service", EventTypes.POLICY_BOUND, agent.toString(), org,
                new PolicyBindingChanged(agent, policy(org, policy, agent).reference(), "test"));
    }

    public static CloudEvent policyUnbound(UUID org, UUID agent, UUID policy) {
        return CloudEvent.of("/warden/agent-service", EventTypes.POLICY_UNBOUND, agent.toString(), org,
                new PolicyBindingChanged(agent, policy(org, policy, agent).reference(), "test"));
    }

    private static Policy policy(UUID org, UUID policy, UUID agent) {
        return new Policy(policy, org, "policy-" + policy, null, "enforce",
                JsonNodeFactory.instance.arrayNode().add(JsonNodeFactory.instance.objectNode().put("effect", "deny")), 1,
                List.of(agent), T0, "user:alice", T0, "user:alice");
    }

    /** An audit entry of the organization's chain, keyed by the organization as audit-service publishes them. */
    public static CloudEvent entry(UUID org, long sequence, UUID agent, Instant occurredAt) {
        AuditEntry entry = new AuditEntry(org, sequence, UUID.randomUUID(), EventTypes.AGENT_ACTION,
                agent == null ? null : agent.toString(), "api-key:1", "issues:create", "jira", "success", null, null,
                JsonNodeFactory.instance.objectNode(), occurredAt, occurredAt, "0".repeat(64), "1".repeat(64));
        return new CloudEvent(CloudEvent.SPEC_VERSION, UUID.nameUUIDFromBytes((org + ":" + sequence).getBytes()),
                "/warden/audit-service", EventTypes.AUDIT_ENTRY_RECORDED, org.toString(), occurredAt, "application/json",
                org, dev.warden.events.EventJson.MAPPER.valueToTree(entry));
    }

    public static CloudEvent drift(UUID org, UUID id, UUID agent, Instant occurredAt, long sequence) {
        return CloudEvent.of("/warden/audit-service", EventTypes.AUDIT_DRIFT_DETECTED, agent.toString(), org,
                new DriftEvent(id, org, agent.toString(), "unauthorized_connector", UUID.randomUUID(), "slack", "messages:post",
                        null, JsonNodeFactory.instance.objectNode(), occurredAt, occurredAt, sequence));
    }

    public static CloudEvent compliance(UUID org, UUID id, UUID agent) {
        return CloudEvent.of("/warden/audit-service", EventTypes.AUDIT_COMPLIANCE_PACKAGE_CREATED, agent.toString(), org,
                new CompliancePackageCreated(id, org, agent.toString(), T0, T0.plusSeconds(3600), 10, 1, 10,
                        "a".repeat(64), "key-1"));
    }

    public static CloudEvent realmCreated(UUID org, UUID realm, String name, String slug) {
        return CloudEvent.of("/warden/agent-service", EventTypes.REALM_CREATED, realm.toString(), org,
                new AgentEvents.RealmChanged(new AgentEvents.Realm(realm, org, name, slug, "#3b82f6", T0, "user:alice", T0,
                        "user:alice"), "user:alice"));
    }

    public static CloudEvent registrationRequested(UUID org, UUID id, String name) {
        return CloudEvent.of("/warden/agent-service", EventTypes.REGISTRATION_REQUESTED, id.toString(), org,
                new AgentEvents.RegistrationRequested(new AgentEvents.Registration(id, org, name, "1.0.0",
                        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                        "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", List.of("api_call"), "pending", T0, "user:alice",
                        null, 10)));
    }

    /** A new agent of {@code org}, once the registry shows it; answers its id. */
    public static String knownAgent(TestOrg org) {
        UUID id = UUID.randomUUID();
        publish(Topics.AGENTS, changed(agent(org.id(), id, "agent-" + id.toString().substring(0, 8), AgentStatus.ACTIVE, 1, 1)));
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                as(org, "viewer").get("/v1/registry/agents/" + id).statusCode() == 200);
        return id.toString();
    }

    /** A finished run of the agent, as runner-service publishes it (keyed by the agent). */
    public static CloudEvent executionFinished(UUID org, UUID agent, String status, Instant finishedAt) {
        var limits = new dev.warden.events.execution.ExecutionEvents.ExecutionLimits("standard", 0.5, 256, 30_000, 64,
                1_048_576, false);
        return CloudEvent.of("/warden/runner-service", EventTypes.EXECUTION_FINISHED, agent.toString(), org,
                new dev.warden.events.execution.ExecutionEvents.ExecutionFinished(UUID.randomUUID(), agent, 1,
                        "localhost/warden/demo-agent:1", null, limits, status, "success".equals(status) ? 0 : 1, 120, 2, 0,
                        "a".repeat(64), "b".repeat(64), false, null, "user:alice", finishedAt.minusMillis(120), finishedAt));
    }

    /** A liveness transition of an instance running {@code agent}, as fleet-service publishes it. */
    public static CloudEvent transition(UUID org, String instance, UUID agent, String previous, String state,
                                        Instant lastHeartbeat, Instant at) {
        String type = switch (state) {
            case "online" -> previous == null ? EventTypes.FLEET_INSTANCE_REGISTERED : EventTypes.FLEET_INSTANCE_ONLINE;
            case "stale" -> EventTypes.FLEET_INSTANCE_STALE;
            case "offline" -> EventTypes.FLEET_INSTANCE_OFFLINE;
            default -> EventTypes.FLEET_INSTANCE_DEREGISTERED;
        };
        var i = new dev.warden.events.fleet.FleetEvents.Instance(instance, org, agent, "web-1", "linux", "1.2.0",
                "10.0.0.7", List.of("production"), T0, lastHeartbeat);
        return CloudEvent.of("/warden/fleet-service", type, instance, org,
                new dev.warden.events.fleet.FleetEvents.InstanceTransition(i, previous, state,
                        java.time.Duration.between(lastHeartbeat, at).toMillis(), at, null, null));
    }
}
