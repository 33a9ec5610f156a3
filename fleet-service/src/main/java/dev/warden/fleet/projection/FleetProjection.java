package dev.warden.fleet.projection;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.fleet.projection.ProjectionRepository.AgentState;
import dev.warden.fleet.projection.ProjectionRepository.Binding;
import dev.warden.fleet.projection.ProjectionRepository.Drift;
import dev.warden.fleet.projection.ProjectionRepository.PolicyChange;
import dev.warden.fleet.projection.ProjectionRepository.PolicyState;
import dev.warden.outbox.EventConsumers;
import dev.warden.outbox.OrgBatches;
import dev.warden.tenancy.StartupOrder;
import dev.warden.tenancy.db.TenantDb;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What fleet-service knows of other services, from their events: the governed agents of each organization (and the
 * status of each, by its revision, so that a suspended agent enrols no instance), the policy changes concerning
 * each, and each policy's rules and agents, which instances fetch ({@code warden.agents.v1}), and drift events
 * ({@code warden.audit.v1}). One consumer group, a polled batch per transaction per organization; idempotent by event
 * id (a policy by its version), so redelivery and replay change nothing. What cannot be read goes to its dead-letter
 * topic.
 */
@ApplicationScoped
public class FleetProjection {

    public static final String GROUP = "fleet-service";
    public static final List<String> TOPICS = List.of(Topics.AGENTS, Topics.AUDIT);

    private final TenantDb db;
    private final ProjectionRepository repository;
    private final OrgBatches batches;

    public FleetProjection(TenantDb db, ProjectionRepository repository, OrgBatches batches) {
        this.db = db;
        this.repository = repository;
        this.batches = batches;
    }

    void onStart(@Observes @Priority(StartupOrder.CONSUMERS) StartupEvent event, EventConsumers consumers) {
        consumers.start(GROUP, TOPICS, this::handle);
    }

    public Uni<Void> handle(List<ConsumerRecord<String, String>> records) {
        return batches.apply(records, OrgBatch::new, FleetProjection::collect, this::apply);
    }

    private Uni<Void> apply(UUID org, OrgBatch batch) {
        if (batch.agents.isEmpty() && batch.drift.isEmpty() && batch.policies.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        // The policies before the bindings: a newer policy counts a change for the agents bound to it before this batch
        // (whose instances may have fetched without it), while a binding of this batch counts its own
        return db.inOrg(org, conn -> repository.knowAgents(conn, org, List.copyOf(batch.agents))
                .chain(() -> repository.agentStates(conn, List.copyOf(batch.states.values())))
                .chain(() -> repository.policyChanges(conn, org, batch.changes))
                .chain(() -> repository.policies(conn, org, List.copyOf(batch.policies.values())))
                .chain(() -> repository.bindings(conn, org, List.copyOf(batch.bindings.values())))
                .chain(() -> repository.drift(conn, org, batch.drift)));
    }

    /** Reads what matters of one event into its organization's batch; unknown types are skipped. */
    static void collect(CloudEvent event, OrgBatch batch) {
        JsonNode data = event.data();
        Instant at = event.time() == null ? Instant.now() : event.time();
        switch (event.type()) {
            case EventTypes.AGENT_CREATED, EventTypes.AGENT_UPDATED, EventTypes.AGENT_DEPLOYED,
                 EventTypes.AGENT_SUSPENDED, EventTypes.AGENT_INTENT_DECLARED, EventTypes.AGENT_ROLLED_BACK -> {
                UUID agent = uuid(data.at("/agent/id"));
                batch.agents.add(agent);
                JsonNode status = data.at("/agent/status");
                JsonNode revision = data.at("/agent/revision");
                if (status.isTextual() && revision.canConvertToLong()) {
                    batch.states.merge(agent, new AgentState(agent, status.asText(), revision.asLong()),
                            (kept, next) -> next.revision() > kept.revision() ? next : kept);
                }
            }
            case EventTypes.REGISTRATION_APPROVED -> batch.agents.add(uuid(data.at("/agent_id")));
            case EventTypes.POLICY_BOUND, EventTypes.POLICY_UNBOUND -> {
                UUID agent = uuid(data.at("/agent_id"));
                UUID policy = optionalUuid(data.at("/policy/id"));
                batch.agents.add(agent);
                batch.changes.add(new PolicyChange(agent, event.id(), policy, change(event.type()), at));
                if (policy != null) {
                    // Each agent's bindings come in its own order: the last of the batch for a pair is the one that holds
                    Binding binding = new Binding(agent, policy, event.type().equals(EventTypes.POLICY_BOUND));
                    batch.bindings.remove(binding.key());
                    batch.bindings.put(binding.key(), binding);
                }
            }
            case EventTypes.POLICY_REMOVED -> policyState(event, batch, at, true);
            case EventTypes.POLICY_CREATED, EventTypes.POLICY_CHANGED -> {
                // Every id read before any is added: an event with one bad id is dead-lettered whole.
                UUID policy = optionalUuid(data.at("/policy/id"));
                List<UUID> agents = new ArrayList<>();
                data.at("/policy/agent_ids").forEach(id -> agents.add(uuid(id)));
                policyState(event, batch, at, false);
                for (UUID agent : agents) {
                    batch.agents.add(agent);
                    batch.changes.add(new PolicyChange(agent, event.id(), policy, change(event.type()), at));
                }
            }
            case EventTypes.AUDIT_DRIFT_DETECTED -> {
                JsonNode agent = data.at("/agent_id");
                if (!agent.isTextual() || agent.asText().isEmpty()) {
                    throw new IllegalArgumentException("drift event without agent_id");
                }
                JsonNode occurred = data.at("/detected_at");
                batch.drift.add(new Drift(event.id(), agent.asText(),
                        occurred.isTextual() ? Instant.parse(occurred.asText()) : at));
            }
            default -> {
                // Other agent and audit events tell fleet-service nothing.
            }
        }
    }

    /** The policy as its event tells it, kept in the batch unless the batch has a newer version (or its removal). */
    private static void policyState(CloudEvent event, OrgBatch batch, Instant at, boolean removed) {
        JsonNode policy = event.data().path("policy");
        JsonNode version = policy.path("version");
        JsonNode name = policy.path("name");
        JsonNode enforcement = policy.path("enforcement");
        JsonNode rules = policy.path("rules");
        JsonNode description = policy.path("description");
        if (!version.canConvertToInt() || !name.isTextual() || !enforcement.isTextual() || !rules.isArray()
                || !(description.isMissingNode() || description.isNull() || description.isTextual())) {
            throw new IllegalArgumentException("policy event without the policy's version, name, enforcement and rules");
        }
        // The policy's own time of change; the event's where it has none
        JsonNode updated = policy.path("updated_at");
        PolicyState state = new PolicyState(uuid(policy.path("id")), version.asInt(), name.asText(),
                description.isTextual() ? description.asText() : null, enforcement.asText(), rules.toString(), removed,
                event.id(), change(event.type()), at, updated.isTextual() ? Instant.parse(updated.asText()) : at);
        batch.policies.merge(state.policyId(), state, (kept, next) -> next.supersedes(kept) ? next : kept);
    }

    private static String change(String type) {
        return type.substring("dev.warden.policy.".length()).replaceFirst("\\.v1$", "");
    }

    /** An id the event must carry: an agent's, or a policy's. */
    private static UUID uuid(JsonNode node) {
        if (!node.isTextual()) {
            throw new IllegalArgumentException("missing id");
        }
        return UUID.fromString(node.asText());
    }

    private static UUID optionalUuid(JsonNode node) {
        return node.isTextual() ? UUID.fromString(node.asText()) : null;
    }

    static final class OrgBatch {
        final Set<UUID> agents = new LinkedHashSet<>();
        /** The newest status the batch tells of each agent, by the agent's revision. */
        final Map<UUID, AgentState> states = new LinkedHashMap<>();
        final List<PolicyChange> changes = new ArrayList<>();
        /** The newest state the batch tells of each policy. */
        final Map<UUID, PolicyState> policies = new LinkedHashMap<>();
        /** The last binding event of the batch for each agent and policy. */
        final Map<List<UUID>, Binding> bindings = new LinkedHashMap<>();
        final List<Drift> drift = new ArrayList<>();
    }
}
