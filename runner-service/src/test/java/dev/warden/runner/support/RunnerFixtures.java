package dev.warden.runner.support;

import dev.warden.events.CloudEvent;
import dev.warden.runner.engine.Limits;
import dev.warden.runner.engine.Outcome;
import dev.warden.runner.execution.Execution;
import dev.warden.runner.execution.ExecutionRepository;
import dev.warden.tenancy.db.TenantDb;
import io.quarkus.arc.Arc;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.testing.TestEvents;
import dev.warden.testing.TestOrganizations;
import dev.warden.testing.TestOrganizations.TestOrg;
import dev.warden.testing.WardenInfra;
import io.restassured.specification.RequestSpecification;
import org.awaitility.Awaitility;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Organizations with keys, and agents as agent-service announces them on warden.agents.v1. */
public final class RunnerFixtures {

    private RunnerFixtures() {
    }

    public static String bootstrap() {
        return TestOrganizations.bootstrap();
    }

    /** An organization with admin, operator and viewer keys, usable once this returns. */
    public static TestOrg organization() {
        return organization(UUID.randomUUID());
    }

    /** As {@link #organization()}, of a given id (one the service's configuration names). */
    public static TestOrg organization(UUID id) {
        return TestOrganizations.ready("/v1/executions/" + UUID.randomUUID(), id, "viewer", "admin", "operator");
    }

    public static RequestSpecification as(TestOrg org, String role) {
        return org.as(role);
    }

    /**
     * A new agent of {@code org} at version 1 with {@code image} (null: none), once runner-service knows it: deployed,
     * as agent-service makes a version (its config, none here, comes with the deploy), then given {@code status}.
     */
    public static String agent(TestOrg org, String image, String status) {
        String agent = UUID.randomUUID().toString();
        deployed(org, agent, image, 1, 1, null, false);
        if (!"active".equals(status)) {
            announce(org, agent, image, status, 1, 2);
        }
        awaitKnown(org, agent);
        return agent;
    }

    public static String agent(TestOrg org, String image) {
        return agent(org, image, "active");
    }

    /** The agent's snapshot at {@code revision}, as agent-service publishes it with every change. */
    public static void announce(TestOrg org, String agent, String image, String status, int version, long revision) {
        Map<String, Object> snapshot = snapshot(org, agent, image, status, version, revision);
        TestEvents.publish(bootstrap(), Topics.AGENTS, List.of(CloudEvent.of("/warden/agent-service",
                revision == 1 ? EventTypes.AGENT_CREATED : EventTypes.AGENT_UPDATED, agent, org.id(),
                Map.of("agent", snapshot))));
    }

    /**
     * A deploy of {@code version} with {@code config} (null: none), or a rollback to it ({@code config} is then not
     * sent: the rolled-back event does not carry it), at {@code revision}, as agent-service publishes them.
     */
    public static void deployed(TestOrg org, String agent, String image, int version, long revision, Map<String, Object> config,
                                boolean rollback) {
        Map<String, Object> snapshot = snapshot(org, agent, image, "active", version, revision);
        Map<String, Object> data;
        if (rollback) {
            data = Map.of("agent", snapshot, "from_version", version + 1, "to_version", version, "image_uri", image);
        } else {
            Map<String, Object> deployment = new HashMap<>();
            deployment.put("id", UUID.randomUUID().toString());
            deployment.put("agent_id", agent);
            deployment.put("version", version);
            deployment.put("image_uri", image);
            deployment.put("config", config);
            deployment.put("created_at", java.time.Instant.now().toString());
            data = Map.of("agent", snapshot, "deployment", deployment);
        }
        TestEvents.publish(bootstrap(), Topics.AGENTS, List.of(CloudEvent.of("/warden/agent-service",
                rollback ? EventTypes.AGENT_ROLLED_BACK : EventTypes.AGENT_DEPLOYED, agent, org.id(), data)));
    }

    private static Map<String, Object> snapshot(TestOrg org, String agent, String image, String status, int version,
                                                long revision) {
        Map<String, Object> snapshot = new HashMap<>();
        snapshot.put("id", agent);
        snapshot.put("org_id", org.id().toString());
        snapshot.put("name", "agent-" + agent.substring(0, 8));
        snapshot.put("image_uri", image);
        snapshot.put("status", status);
        snapshot.put("version", version);
        snapshot.put("revision", revision);
        snapshot.put("updated_by", "alice");
        return snapshot;
    }

    public static void awaitKnown(TestOrg org, String agent) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                as(org, "viewer").get("/v1/agents/" + agent + "/executions").statusCode() == 200);
    }

    /** The containers of an execution still in the engine, by its label. */
    public static String containersOf(String executionId) {
        return WardenInfra.podman().podman("ps", "-a", "-q", "--filter",
                "label=dev.warden.runner.execution=" + executionId).trim();
    }

    /**
     * An execution recorded as running by {@code instance}, started at {@code startedAt}, as another replica (or an
     * earlier life of this one) records a run it starts; no container behind it.
     */
    public static Execution recordedRunning(TestOrg org, UUID agent, Instant startedAt, String instance) {
        Execution running = new Execution(UUID.randomUUID(), Outcome.RUNNING, null, null, List.of(), List.of(), false,
                agent, 1, TestImages.HELLO, null, new Limits("test", 0.5, 32, 3000, 32, 65536, false), null, "test",
                startedAt.truncatedTo(ChronoUnit.MICROS), null);
        ExecutionRepository repository = Arc.container().instance(ExecutionRepository.class).get();
        Arc.container().instance(TenantDb.class).get()
                .inOrg(org.id(), conn -> repository.insert(conn, org.id(), running, instance))
                .await().atMost(Duration.ofSeconds(10));
        return running;
    }
}
