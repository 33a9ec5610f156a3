package dev.warden.agent.lifecycle;

import dev.warden.agent.Clearable;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.warden.agent.access.AccessRepository;
import dev.warden.agent.lifecycle.AgentRequests.CreateAgentRequest;
import dev.warden.agent.lifecycle.AgentRequests.DeclaredIntentRequest;
import dev.warden.agent.lifecycle.AgentRequests.DeployRequest;
import dev.warden.agent.lifecycle.AgentRequests.UpdateAgentRequest;
import dev.warden.agent.lifecycle.AgentResponses.AgentListResponse;
import dev.warden.agent.lifecycle.AgentResponses.VersionListResponse;
import dev.warden.agent.realm.RealmService;
import dev.warden.agent.registration.DidKey;
import dev.warden.agent.registration.RegistrationRepository;
import dev.warden.api.ApiException;
import dev.warden.api.IfMatch;
import dev.warden.api.Checks;
import dev.warden.api.PageRequest;
import dev.warden.api.PageRequest.Cursor;
import dev.warden.events.CanonicalJson;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.agent.AgentEvents.AgentChanged;
import dev.warden.events.agent.AgentEvents.AgentDeployed;
import dev.warden.events.agent.AgentEvents.AgentRolledBack;
import dev.warden.events.agent.AgentEvents.AgentUpdated;
import dev.warden.events.agent.AgentSnapshot;
import dev.warden.events.agent.AgentStatus;
import dev.warden.events.agent.AgentVersion;
import dev.warden.events.agent.McpIntegration;
import dev.warden.events.agent.Notifications;
import dev.warden.outbox.Deliveries;
import dev.warden.outbox.Outbox;
import dev.warden.tenancy.db.Idempotency;
import dev.warden.tenancy.db.SqlErrors;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * The agent lifecycle of seed 001. Every change locks the agent, writes it, and records its event in the outbox in
 * the same transaction: the change and its event commit together or not at all.
 */
@ApplicationScoped
public class AgentService {

    private final TenantDb db;
    private final AgentRepository agents;
    private final Outbox outbox;
    private final AccessRepository access;
    private final RealmService realms;
    private final RegistrationRepository keys;
    private final Deliveries deliveries;

    public AgentService(TenantDb db, AgentRepository agents, Outbox outbox, AccessRepository access, RealmService realms,
                        RegistrationRepository keys, Deliveries deliveries) {
        this.keys = keys;
        this.deliveries = deliveries;
        this.access = access;
        this.realms = realms;
        this.db = db;
        this.agents = agents;
        this.outbox = outbox;
    }

    public Uni<AgentListResponse> list(UUID org, PageRequest page, AgentStatus status) {
        return db.inOrg(org, conn -> agents.list(conn, page, status)).map(found -> new AgentListResponse(
                found.items().stream().map(Agent::snapshot).toList(), found.total(), found.totalExact(),
                found.nextCursor(a -> Cursor.at(a.createdAt, a.id))));
    }

    public Uni<AgentSnapshot> get(UUID org, UUID id) {
        return db.inOrg(org, conn -> agents.findById(conn, id).map(a -> ApiException.found(a, "Agent")).map(Agent::snapshot));
    }

    public Uni<AgentSnapshot> create(UUID org, String actor, CreateAgentRequest req, Idempotency.Key once) {
        Agent agent = Agent.create(org, actor);
        agent.name = req.name();
        agent.description = req.description();
        agent.runtime = req.runtime();
        agent.imageUri = req.imageUri();
        if (req.agentType() != null) {
            agent.agentType = req.agentType();
        }
        agent.riskConfig = agent.riskConfig.merge(req.riskConfig());
        agent.capabilities = agent.capabilities.merge(req.capabilities());
        agent.mcpIntegration = AgentRules.mcpServer(agent.agentType, agent.mcpIntegration.merge(req.mcpIntegration()),
                req.mcpIntegration() == null ? null : req.mcpIntegration().isMcpServer());
        agent.notifications = agent.notifications.merge(req.notifications());
        if (req.tags() != null) {
            agent.tags = distinct(req.tags());
        }
        if (req.metadata() != null) {
            agent.metadata = req.metadata();
        }
        agent.realm = req.realm();
        agent.llmProvider = req.llmProvider();
        agent.llmModel = req.llmModel();
        agent.llmSystemPrompt = req.llmSystemPrompt();
        if (req.publicKey() != null) {
            DidKey key = DidKey.parse(req.publicKey()).orElseThrow(() -> ApiException.invalidField("public_key",
                    DidKey.EXPECTED));
            agent.publicKey = key.multibase();
            agent.did = key.did();
        }
        AgentRules.check(agent);
        Map<String, URI> internal = AgentRules.internalUrls(agent, null);
        return db.inOrg(org, conn -> Idempotency.once(conn, once, AgentSnapshot.class, () -> admitted(conn, internal)
                .chain(() -> realms.checkAssignable(conn, agent.realm, "realm"))
                .chain(() -> agent.publicKey == null ? Uni.createFrom().item(false) : keys.keyInUse(conn, agent.publicKey))
                .invoke(inUse -> {
                    if (inUse) {
                        throw keyTaken();
                    }
                })
                .chain(() -> agents.insert(conn, agent))
                .chain(() -> emit(conn, agent, EventTypes.AGENT_CREATED, new AgentChanged(agent.snapshot())))))
                .onFailure(e -> SqlErrors.uniqueViolation(e, AgentRepository.PUBLIC_KEY_INDEX)).transform(e -> keyTaken());
    }

    /** {@code ifMatch}: the revisions the edit may apply to ({@link IfMatch#accepted}; null for any). */
    public Uni<AgentSnapshot> update(UUID org, String actor, UUID id, UpdateAgentRequest req, Set<String> ifMatch) {
        if (req == null || req.isEmpty()) {
            // {"name": null} lands here too: a null leaves a field that may not be empty as it is
            throw ApiException.badRequest("Give at least one field to update (a null changes only a field that may be "
                    + "empty: description, image_uri, llm_provider, llm_model, llm_system_prompt, "
                    + "notifications.webhook_url, mcp_integration.mcp_server_url; it leaves any other as it is)", List.of());
        }
        return change(org, id, (conn, agent) -> {
            IfMatch.check(ifMatch, agent.revision, "The agent");
            List<String> changed = apply(agent, req);
            AgentRules.check(agent);
            if (changed.isEmpty()) {
                return Uni.createFrom().item(agent.snapshot());
            }
            agent.touch(actor);
            return admitted(conn, AgentRules.internalUrls(agent, changed))
                    .chain(() -> realms.checkAssignable(conn, changed.contains("realm") ? agent.realm : null, "realm"))
                    .chain(() -> agents.update(conn, agent))
                    .chain(() -> emit(conn, agent, EventTypes.AGENT_UPDATED, new AgentUpdated(agent.snapshot(), changed)));
        });
    }

    public Uni<AgentSnapshot> deploy(UUID org, Caller caller, UUID id, DeployRequest req, Idempotency.Key key) {
        String actor = caller.name();
        Checks checks = new Checks().required("image_uri", req == null ? null : req.imageUri());
        if (req != null) {
            checks.maxLength("image_uri", req.imageUri(), AgentRules.MAX_URI)
                    .maxLength("notes", req.notes(), AgentRules.MAX_DESCRIPTION).text("notes", req.notes());
            AgentRules.image(checks, "image_uri", req.imageUri());
            AgentRules.checkObject(checks, "config", req.config());
            // A run's container is given the config in one environment variable (runner-service), which Linux
            // bounds at 128 KiB: refused here, when it is deployed, rather than at every run of the version
            checks.check(req.config() == null || AgentVersion.configBytes(req.config().toString()) <= AgentVersion.MAX_CONFIG_BYTES,
                    "config", "must be at most " + AgentVersion.MAX_CONFIG_BYTES
                    + " bytes as compact JSON (a run's container is given it in one environment variable)");
            checks.json("config", req.config()); // after the bound: a config past it is not read whole again
        }
        checks.orThrow();
        return enforced(org, id, change(org, id, key, (conn, agent) -> {
            AgentRules.checkActivation(agent, caller.admin(), Boolean.TRUE.equals(req.liftSuspension()),
                    "\"lift_suspension\": true in the body");
            boolean lifted = agent.status == AgentStatus.SUSPENDED;
            return agents.highestVersion(conn, id).chain(highest -> {
                AgentVersion deployment = new AgentVersion(UUID.randomUUID(), id, highest + 1, req.imageUri(),
                        req.config(), actor, req.notes(), Agent.now());
                agent.version = deployment.version();
                agent.imageUri = deployment.imageUri();
                agent.status = AgentStatus.ACTIVE;
                agent.touch(actor);
                return agents.insertVersion(conn, org, deployment)
                        .chain(() -> agents.update(conn, agent))
                        .chain(() -> emit(conn, agent, EventTypes.AGENT_DEPLOYED, new AgentDeployed(agent.snapshot(), deployment, lifted)));
            });
        }));
    }

    public Uni<AgentSnapshot> suspend(UUID org, String actor, UUID id) {
        return enforced(org, id, change(org, id, (conn, agent) -> {
            if (agent.status == AgentStatus.SUSPENDED) {
                return Uni.createFrom().item(agent.snapshot());
            }
            agent.status = AgentStatus.SUSPENDED;
            agent.touch(actor);
            return agents.update(conn, agent)
                    .chain(() -> emit(conn, agent, EventTypes.AGENT_SUSPENDED, new AgentChanged(agent.snapshot())));
        }));
    }

    /**
     * Records the manifest. With {@code jws}, the agent's own detached signature of it ({@link IntentSignature}), the
     * agent's DID signs it; without, the admin whose credential set it.
     */
    public Uni<AgentSnapshot> declareIntent(UUID org, String actor, UUID id, DeclaredIntentRequest req, String jws,
                                            Set<String> ifMatch) {
        JsonNode manifest = IntentManifest.validated(req);
        return change(org, id, (conn, agent) -> {
            IfMatch.check(ifMatch, agent.revision, "The agent");
            if (jws != null) {
                agent.intentSignedIat = IntentSignature.verify(jws, manifest, agent, Instant.now());
            }
            agent.declaredIntent = manifest;
            agent.declaredIntentDigest = CanonicalJson.sha256Hex(manifest);
            agent.declaredIntentSignedBy = jws == null ? actor : agent.did;
            agent.declaredIntentJws = jws;
            agent.declaredIntentSignedAt = Agent.now();
            agent.touch(actor);
            AgentRules.checkSize(agent);
            return agents.update(conn, agent)
                    .chain(() -> emit(conn, agent, EventTypes.AGENT_INTENT_DECLARED, new AgentChanged(agent.snapshot())));
        });
    }

    public Uni<AgentSnapshot> rollback(UUID org, Caller caller, UUID id, Integer targetVersion, boolean liftSuspension,
                                       Idempotency.Key key) {
        String actor = caller.name();
        return enforced(org, id, change(org, id, key, (conn, agent) -> {
            AgentRules.checkActivation(agent, caller.admin(), liftSuspension, "lift_suspension=true");
            boolean lifted = agent.status == AgentStatus.SUSPENDED;
            int from = agent.version;
            int to = targetVersion != null ? targetVersion : from - 1;
            if (to < 1) {
                // Seed 001's 400; named as a field only when the request gave one
                String why = "there is no previous version to roll back to";
                throw targetVersion != null ? ApiException.invalidField("target_version", why)
                        : ApiException.badRequest("The agent runs version " + from + ": " + why, List.of());
            }
            if (to == from) {
                throw ApiException.invalidField("target_version", "the agent already runs version " + to);
            }
            return agents.findVersion(conn, id, to).chain(target -> {
                if (target == null) {
                    throw ApiException.invalidField("target_version", "version " + to + " does not exist");
                }
                agent.version = to;
                agent.imageUri = target.imageUri();
                agent.status = AgentStatus.ACTIVE;
                agent.touch(actor);
                return agents.update(conn, agent).chain(() -> emit(conn, agent, EventTypes.AGENT_ROLLED_BACK,
                        new AgentRolledBack(agent.snapshot(), from, to, target.imageUri(), lifted)));
            });
        }));
    }

    public Uni<VersionListResponse> versions(UUID org, UUID id, PageRequest page) {
        return db.inOrg(org, conn -> agents.findById(conn, id).map(a -> ApiException.found(a, "Agent"))
                .chain(agent -> agents.listVersions(conn, id, page)))
                .map(found -> new VersionListResponse(found.items(), found.total(), found.totalExact(),
                        found.nextCursor(v -> new Cursor(v.version(), v.id()))));
    }

    /**
     * URLs that point inside must be admitted by the organization's outbound allow-list; the list is read only when
     * there is such a URL, so ordinary changes cost no extra statement.
     */
    private Uni<Void> admitted(SqlConnection conn, Map<String, URI> internal) {
        if (internal.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return access.outboundAllowList(conn).invoke(allow -> AgentRules.checkAdmitted(internal, allow)).replaceWithVoid();
    }

    /** Runs {@code work} on the locked agent in one transaction; an agent this org cannot see is a 404. */
    private Uni<AgentSnapshot> change(UUID org, UUID id, java.util.function.BiFunction<SqlConnection, Agent, Uni<AgentSnapshot>> work) {
        return change(org, id, null, work);
    }

    /** A change of one agent, under its row lock; with a key, a change made once however often it is asked (Idempotency). */
    private Uni<AgentSnapshot> change(UUID org, UUID id, Idempotency.Key key,
                                      java.util.function.BiFunction<SqlConnection, Agent, Uni<AgentSnapshot>> work) {
        return db.inOrg(org, conn -> Idempotency.once(conn, key, AgentSnapshot.class, () -> agents.lockById(conn, id)
                .map(a -> ApiException.found(a, "Agent")).chain(agent -> work.apply(conn, agent))));
    }

    /**
     * The answer to a change of what runs (a deploy, a rollback, a suspension) waits until the change's events are on
     * the broker, so that a run asked for after it sees the change (runner-service waits for its projection to catch
     * up to the broker before it decides: docs/runner-service.md). A suspension answered is a suspension enforced.
     * Asked again, an unchanged suspension waits for any of the agent's events still in the outbox.
     */
    private Uni<AgentSnapshot> enforced(UUID org, UUID id, Uni<AgentSnapshot> change) {
        return change.call(() -> deliveries.delivered(org, Topics.AGENTS, id.toString()));
    }

    private Uni<AgentSnapshot> emit(SqlConnection conn, Agent agent, String type, Object data) {
        return outbox.emit(conn, agent.orgId, type, agent.id.toString(), data).replaceWith(agent::snapshot);
    }

    private static List<String> apply(Agent a, UpdateAgentRequest r) {
        List<String> changed = new ArrayList<>();
        a.name = set(changed, "name", a.name, r.name(), Function.identity());
        a.description = clearable(changed, "description", a.description, r.description());
        a.runtime = set(changed, "runtime", a.runtime, r.runtime(), Function.identity());
        a.imageUri = clearable(changed, "image_uri", a.imageUri, r.imageUri());
        a.agentType = set(changed, "agent_type", a.agentType, r.agentType(), Function.identity());
        a.riskConfig = set(changed, "risk_config", a.riskConfig, r.riskConfig(), a.riskConfig::merge);
        a.capabilities = set(changed, "capabilities", a.capabilities,
                r.capabilities() == null ? null : r.capabilities().applyTo(a.capabilities), Function.identity());
        McpIntegration mcp = a.mcpIntegration;
        McpIntegration patched = r.mcpIntegration() == null ? mcp : r.mcpIntegration().applyTo(mcp);
        if (r.agentType() != null || r.mcpIntegration() != null) { // an agent stored before the rule keeps its pair until either changes
            patched = AgentRules.mcpServer(a.agentType, patched, r.mcpIntegration() == null ? null : r.mcpIntegration().isMcpServer());
        }
        a.mcpIntegration = set(changed, "mcp_integration", mcp, patched == mcp ? null : patched, Function.identity());
        Notifications notifications = a.notifications;
        a.notifications = set(changed, "notifications", notifications,
                r.notifications() == null ? null : r.notifications().applyTo(notifications), Function.identity());
        a.tags = set(changed, "tags", a.tags, r.tags() == null ? null : distinct(r.tags()), Function.identity());
        a.metadata = set(changed, "metadata", a.metadata, r.metadata(), Function.identity());
        a.realm = set(changed, "realm", a.realm, r.realm(), Function.identity());
        a.llmProvider = clearable(changed, "llm_provider", a.llmProvider, r.llmProvider());
        a.llmModel = clearable(changed, "llm_model", a.llmModel, r.llmModel());
        a.llmSystemPrompt = clearable(changed, "llm_system_prompt", a.llmSystemPrompt, r.llmSystemPrompt());
        return changed;
    }

    /** A field a patch may clear: left out (null) keeps it, given as null (empty) clears it, a value sets it. */
    private static String clearable(List<String> changed, String field, String current, Clearable given) {
        if (given == null) {
            return current;
        }
        String next = given.value();
        if (!Objects.equals(next, current)) {
            changed.add(field);
        }
        return next;
    }

    private static <T> T set(List<String> changed, String field, T current, T given, Function<T, T> merge) {
        if (given == null) {
            return current;
        }
        T next = merge.apply(given);
        if (!EventJson.MAPPER.valueToTree(next).equals(EventJson.MAPPER.valueToTree(current))) {
            changed.add(field);
        }
        return next;
    }

    /** The stored manifest: the request with defaults filled in, so equal intents hash equally. */
    static final class IntentManifest {

        private IntentManifest() {
        }

        static JsonNode validated(DeclaredIntentRequest req) {
            Checks c = new Checks()
                    .required("permitted_connectors", req == null ? null : req.permittedConnectors())
                    .required("permitted_actions", req == null ? null : req.permittedActions());
            if (req != null) {
                AgentRules.list(c, "permitted_connectors", req.permittedConnectors());
                c.eachMatching("permitted_connectors", req.permittedConnectors(), AgentRules.CONNECTOR,
                        AgentRules.CONNECTOR_RULE + ", as a binding's connector");
                AgentRules.list(c, "permitted_actions", req.permittedActions());
                AgentRules.list(c, "data_types", req.dataTypes());
                c.maxLength("description", req.description(), AgentRules.MAX_DESCRIPTION)
                        .text("description", req.description());
                if (req.rateLimit() != null) {
                    c.required("rate_limit.max_actions", req.rateLimit().maxActions())
                            .range("rate_limit.max_actions", req.rateLimit().maxActions(), 1, 1_000_000)
                            .required("rate_limit.window_seconds", req.rateLimit().windowSeconds())
                            .range("rate_limit.window_seconds", req.rateLimit().windowSeconds(), 1, 86_400);
                }
            }
            c.orThrow();
            var manifest = JsonNodeFactory.instance.objectNode();
            manifest.set("permitted_connectors", EventJson.MAPPER.valueToTree(req.permittedConnectors()));
            manifest.set("permitted_actions", EventJson.MAPPER.valueToTree(req.permittedActions()));
            manifest.set("data_types", EventJson.MAPPER.valueToTree(req.dataTypes() == null ? List.of() : req.dataTypes()));
            manifest.put("description", req.description());
            if (req.rateLimit() == null) {
                manifest.putNull("rate_limit");
            } else {
                manifest.putObject("rate_limit").put("max_actions", req.rateLimit().maxActions())
                        .put("window_seconds", req.rateLimit().windowSeconds());
            }
            return manifest;
        }
    }

    /** The answer to a key that is an agent's already or awaits approval (also from the unique index, should a race get by). */
    public static ApiException keyTaken() {
        return ApiException.conflict("This key is already an agent's or awaiting approval in the organization");
    }

    /** Tags are a set: each once, in the order first given, as fleet-service keeps an instance's. */
    private static List<String> distinct(List<String> tags) {
        return List.copyOf(new java.util.LinkedHashSet<>(tags));
    }
}
