package dev.warden.agent.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.agent.lifecycle.Agent;
import dev.warden.agent.lifecycle.AgentRules;
import dev.warden.agent.policy.PolicyModels.BindConnectorRequest;
import dev.warden.agent.policy.PolicyModels.ConnectorListResponse;
import dev.warden.agent.policy.PolicyModels.CreatePolicyRequest;
import dev.warden.agent.policy.PolicyModels.PolicyListResponse;
import dev.warden.agent.policy.PolicyModels.PolicyVersionListResponse;
import dev.warden.agent.policy.PolicyModels.UpdatePolicyRequest;
import dev.warden.agent.lifecycle.AgentRepository;
import dev.warden.agent.ETags;
import dev.warden.api.ApiException;
import dev.warden.api.IfMatch;
import dev.warden.api.Checks;
import dev.warden.api.PageRequest;
import dev.warden.api.PageRequest.Cursor;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.agent.AgentEvents.ConnectorBinding;
import dev.warden.events.agent.AgentEvents.ConnectorChanged;
import dev.warden.events.agent.AgentEvents.Policy;
import dev.warden.events.agent.AgentEvents.PolicyBindingChanged;
import dev.warden.events.agent.AgentEvents.PolicyChanged;
import dev.warden.outbox.Outbox;
import dev.warden.tenancy.db.SqlErrors;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Connector bindings and policies. A change that concerns an agent locks the agent first, so its events keep the
 * agent's order; policy-wide events are keyed by the policy.
 */
@ApplicationScoped
public class PolicyService {

    private static final Set<String> ENFORCEMENT = Set.of("enforce", "monitor");
    /** The most a policy's rules may be as JSON (UTF-8): a fourth of what an event may be. */
    static final int MAX_RULES_BYTES = 256 * 1024;
    /** The most agents one policy may govern: as many as a create's agent_ids may name. */
    static final int MAX_AGENTS_PER_POLICY = 1000;
    /** The most a connector binding's config may be as JSON (UTF-8), as a deployment's. */
    static final int MAX_CONNECTOR_CONFIG_BYTES = 64 * 1024;

    private final TenantDb db;
    private final PolicyRepository policies;
    private final AgentRepository agents;
    private final Outbox outbox;

    public PolicyService(TenantDb db, PolicyRepository policies, AgentRepository agents, Outbox outbox) {
        this.db = db;
        this.policies = policies;
        this.agents = agents;
        this.outbox = outbox;
    }

    public Uni<ConnectorListResponse> connectors(UUID org, UUID agentId, PageRequest page) {
        return db.inOrg(org, conn -> agents.findById(conn, agentId).map(agent -> ApiException.found(agent, "Agent"))
                .chain(() -> policies.listBindings(conn, agentId, page)))
                .map(found -> new ConnectorListResponse(found.items(), found.total(), found.totalExact(),
                        found.nextCursor(b -> Cursor.at(b.createdAt(), b.id()))));
    }

    public Uni<ConnectorBinding> connector(UUID org, UUID agentId, UUID bindingId) {
        return db.inOrg(org, conn -> policies.findBinding(conn, agentId, bindingId))
                .map(binding -> ApiException.found(binding, "Connector binding"));
    }

    public Uni<ConnectorBinding> bindConnector(UUID org, String actor, UUID agentId, BindConnectorRequest req) {
        Checks c = new Checks().required("connector", req == null ? null : req.connector());
        if (req != null) {
            c.maxLength("connector", req.connector(), 64)
                    .check(req.connector() == null || AgentRules.CONNECTOR.matcher(req.connector()).matches(), "connector",
                            AgentRules.CONNECTOR_RULE)
                    .maxLength("name", req.name(), 200).oneLine("name", req.name())
                    .check(req.config() == null || req.config().isObject(), "config", "must be an object")
                    // Every event of the binding carries it, and a page of bindings holds up to 500 of them
                    .check(req.config() == null || EventJson.utf8Length(req.config().toString()) <= MAX_CONNECTOR_CONFIG_BYTES,
                            "config", "must be at most " + MAX_CONNECTOR_CONFIG_BYTES + " bytes as JSON")
                    .json("config", req.config());
        }
        c.orThrow();
        ConnectorBinding binding = new ConnectorBinding(UUID.randomUUID(), agentId, req.connector(), req.name(),
                req.config(), actor, Agent.now());
        return db.inOrg(org, conn -> agents.lockById(conn, agentId).map(agent -> ApiException.found(agent, "Agent"))
                        .chain(() -> policies.insertBinding(conn, org, binding))
                        .chain(() -> outbox.emit(conn, org, EventTypes.CONNECTOR_BOUND, agentId.toString(),
                                new ConnectorChanged(agentId, binding))))
                .onFailure(SqlErrors::uniqueViolation)
                .transform(e -> ApiException.conflict("Connector " + req.connector() + " is already bound to this agent"))
                .replaceWith(binding);
    }

    public Uni<Void> unbindConnector(UUID org, UUID agentId, UUID bindingId) {
        return db.inOrg(org, conn -> agents.lockById(conn, agentId).map(agent -> ApiException.found(agent, "Agent"))
                .chain(() -> policies.deleteBinding(conn, agentId, bindingId))
                .map(binding -> ApiException.found(binding, "Connector binding"))
                .chain(binding -> outbox.emit(conn, org, EventTypes.CONNECTOR_UNBOUND, agentId.toString(),
                        new ConnectorChanged(agentId, binding)))).replaceWithVoid();
    }

    public Uni<PolicyListResponse> list(UUID org, PageRequest page, UUID agentId) {
        return db.inOrg(org, conn -> policies.listPolicies(conn, page, agentId))
                .map(found -> new PolicyListResponse(found.items(), found.total(), found.totalExact(),
                        found.nextCursor(b -> Cursor.at(b.createdAt(), b.id()))));
    }

    public Uni<Policy> get(UUID org, UUID id) {
        return db.inOrg(org, conn -> policies.findPolicy(conn, id).map(policy -> ApiException.found(policy, "Policy")));
    }

    public Uni<PolicyVersionListResponse> versions(UUID org, UUID id, PageRequest page) {
        return db.inOrg(org, conn -> policies.known(conn, id).chain(known -> {
                    if (!known) {
                        throw ApiException.notFound("Policy");
                    }
                    return policies.versions(conn, id, page); // kept after the policy's removal
                }))
                .map(found -> new PolicyVersionListResponse(found.items(), found.total(), found.totalExact(),
                        found.nextCursor(v -> new Cursor(v.version(), v.policyId()))));
    }

    public Uni<Policy> create(UUID org, String actor, CreatePolicyRequest req) {
        Checks c = new Checks().required("name", req == null ? null : req.name())
                .required("rules", req == null ? null : req.rules());
        if (req != null) {
            checkPolicyFields(c, req.name(), req.description(), req.enforcement(), req.rules());
            c.maxSize("agent_ids", req.agentIds(), MAX_AGENTS_PER_POLICY);
        }
        c.orThrow();
        var now = Agent.now();
        Policy policy = new Policy(UUID.randomUUID(), org, req.name(), req.description(),
                req.enforcement() == null ? "enforce" : req.enforcement(), req.rules(), 1, List.of(), now, actor, now, actor);
        List<UUID> agentIds = req.agentIds() == null ? List.of() : req.agentIds().stream().distinct().toList();
        return db.inOrg(org, conn -> policies.insertPolicy(conn, policy)
                        .chain(() -> outbox.emit(conn, org, EventTypes.POLICY_CREATED, policy.id().toString(),
                                new PolicyChanged(policy, actor)))
                        .chain(() -> Multi.createFrom().iterable(agentIds).onItem()
                                .transformToUniAndConcatenate(agentId -> bindLocked(conn, org, actor, policy, agentId,
                                        () -> ApiException.invalidField("agent_ids[" + agentIds.indexOf(agentId) + "]",
                                                "no agent " + agentId + " in your organization")))
                                .collect().asList())
                        .chain(() -> policies.findPolicy(conn, policy.id())))
                .onFailure(SqlErrors::uniqueViolation)
                .transform(e -> ApiException.conflict("A policy named " + req.name() + " already exists"));
    }

    /** {@code ifMatch}: the tags the edit may apply to ({@code IfMatch.accepted}; null for any). */
    public Uni<Policy> update(UUID org, String actor, UUID id, UpdatePolicyRequest req, java.util.Set<String> ifMatch) {
        if (req == null || req.isEmpty()) {
            throw ApiException.badRequest("Give at least one field to update", List.of());
        }
        Checks c = new Checks();
        checkPolicyFields(c, req.name(), req.description() == null ? null : req.description().value(), req.enforcement(),
                req.rules());
        c.check(req.name() == null || !req.name().isBlank(), "name", "must not be empty").orThrow();
        return db.inOrg(org, conn -> policies.lockPolicy(conn, id).map(policy -> ApiException.found(policy, "Policy"))
                        .chain(current -> {
                            IfMatch.check(ifMatch, ETags.of(current), "The policy");
                            Policy next = new Policy(current.id(), org, or(req.name(), current.name()),
                                    req.description() == null ? current.description() : req.description().value(),
                                    or(req.enforcement(), current.enforcement()),
                                    or(req.rules(), current.rules()), current.version() + 1, current.agentIds(),
                                    current.createdAt(), current.createdBy(), Agent.now(), actor);
                            return policies.updatePolicy(conn, next)
                                    .chain(() -> outbox.emit(conn, org, EventTypes.POLICY_CHANGED, id.toString(),
                                            new PolicyChanged(next, actor)))
                                    .replaceWith(next);
                        }))
                .onFailure(SqlErrors::uniqueViolation)
                .transform(e -> ApiException.conflict("A policy named " + req.name() + " already exists"));
    }

    /** Removes a policy: each governed agent first gets its unbound event, in its own order, then the policy goes. */
    public Uni<Void> remove(UUID org, String actor, UUID id) {
        return db.inOrg(org, conn -> policies.lockPolicy(conn, id).map(policy -> ApiException.found(policy, "Policy"))
                .chain(policy -> Multi.createFrom().iterable(policy.agentIds()).onItem()
                        .transformToUniAndConcatenate(agentId -> agents.lockById(conn, agentId)
                                .chain(() -> outbox.emit(conn, org, EventTypes.POLICY_UNBOUND, agentId.toString(),
                                        new PolicyBindingChanged(agentId, policy.reference(), actor))))
                        .collect().asList()
                        .chain(() -> policies.deletePolicy(conn, id))
                        .chain(() -> outbox.emit(conn, org, EventTypes.POLICY_REMOVED, id.toString(),
                                new PolicyChanged(policy, actor)))))
                .replaceWithVoid();
    }

    public Uni<Policy> bind(UUID org, String actor, UUID policyId, UUID agentId) {
        return db.inOrg(org, conn -> policies.lockPolicy(conn, policyId).map(policy -> ApiException.found(policy, "Policy"))
                // The agent is the path's: unknown (or another organization's) is a 404, as on every path naming one
                .chain(policy -> {
                    // A policy's own events carry its agents: bounded, so that each stays well within what an
                    // event may be (a user trial's policy of 4,500 agents could not be removed: out of memory)
                    if (policy.agentIds().size() >= MAX_AGENTS_PER_POLICY && !policy.agentIds().contains(agentId)) {
                        throw ApiException.conflict("The policy governs the most agents a policy may ("
                                + MAX_AGENTS_PER_POLICY + "): bind another policy with the same rules");
                    }
                    return bindLocked(conn, org, actor, policy, agentId, () -> ApiException.notFound("Agent"));
                })
                .chain(() -> policies.findPolicy(conn, policyId)));
    }

    public Uni<Policy> unbind(UUID org, String actor, UUID policyId, UUID agentId) {
        return db.inOrg(org, conn -> policies.lockPolicy(conn, policyId).map(policy -> ApiException.found(policy, "Policy"))
                .chain(() -> agents.lockById(conn, agentId)).map(agent -> ApiException.found(agent, "Agent"))
                .chain(() -> policies.unbind(conn, policyId, agentId))
                .chain(removed -> policies.findPolicy(conn, policyId).call(policy -> !removed
                        ? Uni.createFrom().voidItem()
                        : outbox.emit(conn, org, EventTypes.POLICY_UNBOUND, agentId.toString(),
                        new PolicyBindingChanged(agentId, policy.reference(), actor)))));
    }

    /**
     * Binds {@code agentId} to {@code policy} (locked by the caller) and publishes the binding, naming the policy
     * ({@link Policy#reference}); nothing when it was bound already. {@code missing}: the refusal when the organization
     * has no such agent.
     */
    private Uni<Void> bindLocked(SqlConnection conn, UUID org, String actor, Policy policy, UUID agentId,
                                 Supplier<ApiException> missing) {
        return agents.lockById(conn, agentId)
                .chain(agent -> {
                    if (agent == null) {
                        throw missing.get();
                    }
                    return policies.bind(conn, org, policy.id(), agentId, actor);
                })
                .chain(added -> !added ? Uni.createFrom().voidItem() : outbox.emit(conn, org, EventTypes.POLICY_BOUND,
                        agentId.toString(), new PolicyBindingChanged(agentId, policy.reference(), actor)).replaceWithVoid());
    }

    private static void checkPolicyFields(Checks c, String name, String description, String enforcement, JsonNode rules) {
        c.maxLength("name", name, 200).oneLine("name", name)
                .maxLength("description", description, 4000).text("description", description)
                .check(enforcement == null || ENFORCEMENT.contains(enforcement), "enforcement", "must be enforce or monitor")
                .check(rules == null || rules.isArray(), "rules", "must be an array of rule objects");
        if (rules != null && rules.isArray()) {
            c.check(rules.size() <= 500, "rules", "must have at most 500 rules")
                    // Every policy event carries its rules: within what an event may be (EventJson.MOST_EVENT_BYTES)
                    .check(EventJson.utf8Length(rules.toString()) <= MAX_RULES_BYTES, "rules",
                            "must be at most " + MAX_RULES_BYTES + " bytes as JSON");
            for (int i = 0; i < rules.size(); i++) {
                c.check(rules.get(i).isObject(), "rules[" + i + "]", "must be an object");
            }
            c.json("rules", rules); // kept, published and shown as given, as a binding's config is
        }
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }

}
