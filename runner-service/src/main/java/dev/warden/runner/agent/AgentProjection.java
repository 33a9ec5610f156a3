package dev.warden.runner.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.outbox.OrgBatches;
import dev.warden.outbox.EventConsumers;
import dev.warden.runner.agent.AgentRepository.DeployedVersion;
import dev.warden.tenancy.StartupOrder;
import dev.warden.tenancy.db.TenantDb;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * runner-service's projection of {@code warden.agents.v1}: each agent's deployed image, version and status, from the
 * snapshot every agent event carries. The image is the one the agent had when its version last changed (a deploy or a
 * rollback): a later {@code PATCH} of {@code image_uri} changes the agent's record, not what runs, until the next
 * deploy. Idempotent by revision (a redelivered or older snapshot changes nothing), so it survives redelivery,
 * reordering and replay from offset zero. Events without an agent snapshot (policies, realms,
 * registrations) are not its business; a message it cannot parse goes to the dead-letter topic.
 */
@ApplicationScoped
public class AgentProjection {

    public static final String GROUP = "runner-service";
    public static final List<String> TOPICS = List.of(Topics.AGENTS);

    private final TenantDb db;
    private final AgentRepository agents;
    private final OrgBatches batches;

    public AgentProjection(TenantDb db, AgentRepository agents, OrgBatches batches) {
        this.db = db;
        this.agents = agents;
        this.batches = batches;
    }

    void onStart(@Observes @Priority(StartupOrder.CONSUMERS) StartupEvent event, EventConsumers consumers) {
        consumers.start(GROUP, TOPICS, this::project);
    }

    public Uni<Void> project(List<ConsumerRecord<String, String>> records) {
        return batches.apply(records, OrgAgents::new, AgentProjection::fold, (org, part) -> db.inOrg(org, conn ->
                agents.upsert(conn, List.copyOf(part.agents.values())).chain(() -> agents.keepVersions(conn, org, part.versions))));
    }

    /** One organization's part of a batch: each agent's newest snapshot, and the versions deployed with their configs. */
    static final class OrgAgents {
        final Map<UUID, RunnableAgent> agents = new LinkedHashMap<>();
        final List<DeployedVersion> versions = new ArrayList<>();
    }

    /** Each organization's part of {@code records}, passing over what cannot be read (the backfill's replay). */
    static Map<UUID, OrgAgents> readable(Iterable<ConsumerRecord<String, String>> records) {
        return OrgBatches.fold(records, OrgAgents::new, AgentProjection::fold, (record, reason) -> {
            // dead-lettered by the projection when it met it: nothing to keep
        });
    }

    /** Adds one event's snapshot and deployed version to its organization's part; reads both before adding either. */
    static void fold(CloudEvent event, OrgAgents part) {
        RunnableAgent agent = snapshot(event);
        if (agent == null) {
            return;
        }
        DeployedVersion deployed = deployment(event, agent.agentId());
        // Within a batch the snapshots of one agent fold in revision order (RunnableAgent.then).
        part.agents.merge(agent.agentId(), agent, (a, b) -> a.revision() <= b.revision() ? a.then(b) : b.then(a));
        if (deployed != null) {
            part.versions.add(deployed);
        }
    }

    /** The agent snapshot an event carries ({@code data.agent} with an id and a revision), else null. */
    static RunnableAgent snapshot(CloudEvent event) {
        JsonNode agent = event.data() == null ? null : event.data().get("agent");
        if (agent == null || !agent.isObject() || !agent.hasNonNull("id") || !agent.hasNonNull("revision")) {
            return null;
        }
        if (event.orgid() == null) {
            throw new IllegalArgumentException("an agent event without orgid");
        }
        UUID id = UUID.fromString(agent.get("id").asText());
        String image = agent.hasNonNull("image_uri") ? agent.get("image_uri").asText() : null;
        String status = agent.hasNonNull("status") ? agent.get("status").asText() : "inactive";
        return new RunnableAgent(event.orgid(), id, image, (int) whole(agent, "agent", "version", 0, Integer.MAX_VALUE),
                status, whole(agent, "agent", "revision", -1, Long.MAX_VALUE));
    }

    /**
     * The version a deployed event made and its config ({@code data.deployment}), else null. A config that is not a
     * JSON object (the event contract's type) is dead-lettered with its event, rather than handed to a container.
     */
    static DeployedVersion deployment(CloudEvent event, UUID agentId) {
        if (!EventTypes.AGENT_DEPLOYED.equals(event.type())) {
            return null;
        }
        JsonNode deployment = event.data().get("deployment");
        if (deployment == null || !deployment.isObject()) {
            throw new IllegalArgumentException("a deployed event without its deployment");
        }
        JsonNode config = deployment.get("config");
        if (config != null && !config.isNull() && !config.isObject()) {
            throw new IllegalArgumentException("deployment.config must be an object");
        }
        return new DeployedVersion(agentId, (int) whole(deployment, "deployment", "version", -1, Integer.MAX_VALUE),
                config == null || config.isNull() ? null : config.toString());
    }

    /**
     * A whole number the snapshot must hold exactly: {@code asLong()} would keep the low bits of {@code 1e30}, and a
     * snapshot with that revision would make every later real one look older, freezing the agent here (a suspension
     * would then stop no run). Such an event is dead-lettered instead.
     */
    private static long whole(JsonNode object, String name, String field, long absent, long max) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            if (absent < 0) {
                throw new IllegalArgumentException(name + "." + field + " is required");
            }
            return absent;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0 || value.longValue() > max) {
            throw new IllegalArgumentException(name + "." + field + " must be a whole number from 0 to " + max + ": " + value);
        }
        return value.longValue();
    }
}
