package dev.warden.agent.registration;

import dev.warden.agent.access.AccessRepository;
import dev.warden.agent.lifecycle.Agent;
import dev.warden.agent.lifecycle.AgentRules;
import dev.warden.agent.lifecycle.AgentRepository;
import dev.warden.agent.lifecycle.AgentService;
import dev.warden.agent.realm.RealmService;
import dev.warden.agent.registration.RegistrationWire.ApproveResponse;
import dev.warden.agent.registration.RegistrationWire.ChallengeResponse;
import dev.warden.agent.registration.RegistrationWire.DecisionError;
import dev.warden.agent.registration.RegistrationWire.DecisionResult;
import dev.warden.agent.registration.RegistrationWire.DecisionsRequest;
import dev.warden.agent.registration.RegistrationWire.DecisionsResponse;
import dev.warden.agent.registration.RegistrationWire.RegisterRequest;
import dev.warden.agent.registration.RegistrationWire.RegisterResponse;
import dev.warden.agent.registration.RegistrationWire.RegistrationItem;
import dev.warden.agent.registration.RegistrationWire.RegistrationListResponse;
import dev.warden.agent.registration.RegistrationWire.RegistrationSettings;
import dev.warden.agent.registration.RegistrationWire.SuccessResponse;
import dev.warden.api.ApiException;
import dev.warden.api.PageRequest;
import dev.warden.events.EventTypes;
import dev.warden.events.agent.AgentEvents.AgentChanged;
import dev.warden.events.agent.AgentEvents.OpenRegistrationChanged;
import dev.warden.events.agent.AgentEvents.RegistrationApproved;
import dev.warden.events.agent.AgentEvents.RegistrationCapabilitiesChanged;
import dev.warden.events.agent.AgentEvents.RegistrationExpired;
import dev.warden.events.agent.AgentEvents.RegistrationRejected;
import dev.warden.events.agent.AgentEvents.RegistrationRequested;
import dev.warden.events.agent.AgentType;
import dev.warden.outbox.Outbox;
import dev.warden.tenancy.db.SqlErrors;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * Seed 004's self-registration: an agent proves it holds its Ed25519 key by signing a single-use challenge, and waits
 * for an admin to approve (granting a subset of what it asked for) or reject it. Each step records its event in the
 * outbox in the same transaction.
 */
@ApplicationScoped
public class RegistrationService {

    static final String REGISTERED = "Agent registered. Awaiting admin approval.";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The most registrations of one organization one sweep round expires; the rest wait for the next round. */
    private static final int EXPIRY_BATCH = 500;

    private final TenantDb db;
    private final RegistrationRepository registrations;
    private final AgentRepository agents;
    private final Outbox outbox;
    private final RegistrationConfig config;
    private final RealmService realms;
    private final RegistrationRuleRepository rules;
    private final AccessRepository access;

    public RegistrationService(TenantDb db, RegistrationRepository registrations, AgentRepository agents, Outbox outbox,
                               RegistrationConfig config, RealmService realms, RegistrationRuleRepository rules,
                               AccessRepository access) {
        this.access = access;
        this.realms = realms;
        this.rules = rules;
        this.db = db;
        this.registrations = registrations;
        this.agents = agents;
        this.outbox = outbox;
        this.config = config;
    }

    /** Every capability the deployment knows ({@code warden.registration.available-capabilities}). */
    public List<String> knownCapabilities() {
        return config.availableCapabilities();
    }

    /**
     * The capabilities registrations may be granted in {@code org} (seed 004's {@code availableCapabilities}, "the
     * org's allow-list"): what its admin allowed, else every one the deployment knows; in the deployment's order.
     */
    public Uni<List<String>> availableCapabilities(UUID org) {
        return db.asPlatform(conn -> access.registrationSettings(conn, org))
                .map(found -> available(found.availableCapabilities()));
    }

    /** The same, read in a transaction that grants: the allow-list cannot change under it until it ends. */
    private Uni<List<String>> grantableCapabilities(SqlConnection conn, UUID org) {
        return access.lockedRegistrationSettings(conn, org).map(found -> available(found.availableCapabilities()));
    }

    private List<String> available(List<String> own) {
        return own == null ? config.availableCapabilities()
                : config.availableCapabilities().stream().filter(own::contains).toList();
    }

    /** A fresh challenge for this key; expired ones of the organization are cleared on the way. */
    public Uni<ChallengeResponse> challenge(UUID org, DidKey key) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Instant expiresAt = Agent.now().plus(config.challengeTtl());
        return db.inOrg(org, conn -> registrations.deleteExpiredChallenges(conn)
                .chain(() -> registrations.insertChallenge(conn, org, challenge, key.multibase(), expiresAt))
                .replaceWith(new ChallengeResponse(challenge, expiresAt)));
    }

    /**
     * Checks the proof, uses up the challenge, and records the pending registration; when one of the organization's
     * rules matches, approves it at once in the same transaction, granting what was requested.
     */
    public Uni<RegisterResponse> register(UUID org, String actor, DidKey key, RegisterRequest req, AgentType agentType) {
        if (!key.signed(req.challenge(), req.signature())) {
            throw unauthorized("The signature is not the key's signature of the challenge");
        }
        Registration r = new Registration();
        r.id = UUID.randomUUID();
        r.orgId = org;
        r.name = req.name();
        r.version = req.version();
        r.publicKey = key.multibase();
        r.requestedCapabilities = List.copyOf(req.capabilities());
        r.status = Registration.PENDING;
        r.requestedAt = Agent.now();
        r.requestedBy = actor;
        r.agentType = agentType;
        r.riskScore = config.riskScore(r.requestedCapabilities);
        return db.inOrg(org, conn -> registrations.consumeChallenge(conn, req.challenge(), key.multibase())
                .chain(expiresAt -> {
                    if (expiresAt == null) {
                        throw unauthorized("The challenge is unknown, was issued for another key, or was used already");
                    }
                    if (!expiresAt.isAfter(Instant.now())) {
                        throw unauthorized("The challenge expired; ask for a new one");
                    }
                    return registrations.keyInUse(conn, r.publicKey);
                })
                .chain(inUse -> {
                    if (inUse) {
                        throw ApiException.conflict("This key is already registered or awaiting approval in the organization");
                    }
                    return registrations.insert(conn, r)
                            .onFailure(SqlErrors::uniqueViolation).transform(e -> AgentService.keyTaken());
                })
                .chain(() -> outbox.emit(conn, org, EventTypes.REGISTRATION_REQUESTED, r.id.toString(),
                        new RegistrationRequested(r.event())))
                .chain(() -> grantableCapabilities(conn, org))
                .chain(available -> rules.list(conn).map(found ->
                        // A rule approves only what the organization allows: a request beyond its allow-list waits for a person
                        available.containsAll(r.requestedCapabilities)
                                ? found.stream().filter(candidate -> candidate.matches(r)).findFirst().orElse(null) : null))
                .chain(rule -> {
                    if (rule == null) {
                        return Uni.createFrom().item(new RegisterResponse(r.did(), REGISTERED, Registration.PENDING));
                    }
                    return approveWithin(conn, r, rule.actor(), rule.id, r.requestedCapabilities, null)
                            .replaceWith(new RegisterResponse(r.did(), "Agent registered and approved by rule " + rule.name + ".",
                                    Registration.APPROVED));
                }));
    }

    public Uni<RegistrationSettings> settings(UUID org) {
        return db.asPlatform(conn -> settings(conn, org));
    }

    private Uni<RegistrationSettings> settings(SqlConnection conn, UUID org) {
        return access.registrationSettings(conn, org).map(found -> new RegistrationSettings(found.openRegistration(),
                config.openRatePerMinute(), available(found.availableCapabilities())));
    }

    /**
     * Turns registration without a credential on or off for the caller's own organization, with its event. The
     * organizations table is a platform table, so this writes in platform scope, to the row of the caller's org only.
     */
    public Uni<RegistrationSettings> setSettings(UUID org, String actor, Boolean open, List<String> capabilities) {
        Instant now = Agent.now();
        // Every capability the deployment knows is stored as null, so that one it learns later is allowed too
        List<String> own = capabilities == null || capabilities.containsAll(config.availableCapabilities()) ? null
                : available(capabilities);
        // A setting sent as it already is changes nothing: no event, no audit entry (as a second revocation of a key)
        return db.asPlatform(conn -> (open == null ? Uni.createFrom().voidItem()
                        : access.setOpenRegistration(conn, org, open, now).chain(changed -> !changed
                                ? Uni.createFrom().voidItem()
                                : outbox.emit(conn, org, EventTypes.OPEN_REGISTRATION_CHANGED, org.toString(),
                                        new OpenRegistrationChanged(org, open, actor, now)).replaceWithVoid()))
                        .chain(() -> capabilities == null ? Uni.createFrom().voidItem()
                                : access.setAvailableCapabilities(conn, org, own, now).chain(changed -> !changed
                                        ? Uni.createFrom().voidItem()
                                        : outbox.emit(conn, org, EventTypes.REGISTRATION_CAPABILITIES_CHANGED,
                                                org.toString(), new RegistrationCapabilitiesChanged(org, own, actor, now))
                                        .replaceWithVoid()))
                        .chain(() -> settings(conn, org)));
    }

    /** A page of the pending registrations that have not expired, oldest first. */
    public Uni<RegistrationListResponse> pending(UUID org, PageRequest page) {
        Instant since = Agent.now().minus(config.pendingTtl());
        return availableCapabilities(org).chain(available -> db.inOrg(org, conn -> registrations.pending(conn, since, page))
                .map(found -> new RegistrationListResponse(
                found.items().stream().map(r -> new RegistrationItem(r.id, r.name, r.publicKey, r.requestedCapabilities,
                        r.requestedAt, r.requestedAt.plus(config.pendingTtl()),
                        r.agentType == null ? null : r.agentType.toString(), r.riskScore)).toList(),
                available, found.nextCursor(r -> PageRequest.Cursor.at(r.requestedAt, r.id)))));
    }

    /** Grants a subset of the request: the agent exists from now on, inactive, with its DID and granted capabilities. */
    public Uni<ApproveResponse> approve(UUID org, String actor, UUID id, List<String> granted, UUID realm) {
        return decide(org, id, (conn, r) -> grantableCapabilities(conn, org).chain(available -> {
            List<String> grant = granted == null ? r.requestedCapabilities.stream().filter(available::contains).toList()
                    : granted;
            for (String capability : grant) {
                if (!available.contains(capability)) {
                    throw ApiException.invalidField("capabilities", capability + " is not an available capability in "
                            + "this organization; available: " + available);
                }
                if (!r.requestedCapabilities.contains(capability)) {
                    throw ApiException.invalidField("capabilities", capability + " was not requested");
                }
            }
            return realms.checkAssignable(conn, realm, "realm")
                    .chain(() -> approveWithin(conn, r, actor, null, grant, realm));
        }));
    }

    /** Creates the agent and records the decision and its events, in the caller's transaction. */
    private Uni<ApproveResponse> approveWithin(SqlConnection conn, Registration r, String actor, UUID ruleId,
                                               List<String> granted, UUID realm) {
        Agent agent = Agent.create(r.orgId, actor);
        agent.name = r.name;
        agent.runtime = "external";
        agent.ownerId = r.requestedBy == null ? actor : r.requestedBy;
        if (r.agentType != null) {
            agent.agentType = r.agentType;
            // An mcp_server agent serves MCP, as one created through the API (seed 002's type_filter and flag agree)
            agent.mcpIntegration = AgentRules.mcpServer(agent.agentType, agent.mcpIntegration, null);
        }
        agent.did = r.did();
        agent.publicKey = r.publicKey;
        agent.grantedCapabilities = List.copyOf(granted);
        agent.approvedAt = agent.createdAt;
        agent.approvedBy = actor;
        agent.realm = realm;
        agent.metadata = dev.warden.events.EventJson.MAPPER.createObjectNode()
                .put("registration_id", r.id.toString()).put("agent_version", r.version);
        r.status = Registration.APPROVED;
        r.grantedCapabilities = agent.grantedCapabilities;
        r.agentId = agent.id;
        r.decidedAt = agent.createdAt;
        r.decidedBy = actor;
        r.ruleId = ruleId;
        return agents.insert(conn, agent)
                // A registration from before the key lock, whose key became an agent's meanwhile: a conflict to decide
                .onFailure(e -> SqlErrors.uniqueViolation(e, AgentRepository.PUBLIC_KEY_INDEX))
                .transform(e -> AgentService.keyTaken())
                .chain(() -> registrations.decide(conn, r))
                .chain(() -> outbox.emit(conn, r.orgId, EventTypes.AGENT_CREATED, agent.id.toString(),
                        new AgentChanged(agent.snapshot())))
                .chain(() -> outbox.emit(conn, r.orgId, EventTypes.REGISTRATION_APPROVED, r.id.toString(),
                        new RegistrationApproved(r.event(), r.grantedCapabilities, agent.id, actor, r.decidedAt, ruleId)))
                .replaceWith(new ApproveResponse(true, agent.did));
    }

    /**
     * Decides each registration in its own transaction, in the order given: one refused decision (decided already,
     * unknown, a capability outside its request) is reported in its result and does not undo or stop the others.
     */
    public Uni<DecisionsResponse> decideAll(UUID org, String actor, DecisionsRequest req) {
        boolean approve = "approve".equals(req.decision());
        return Multi.createFrom().iterable(req.ids())
                .onItem().transformToUniAndConcatenate(id -> (approve
                        ? approve(org, actor, id, req.capabilities(), req.realm())
                                .map(done -> new DecisionResult(id, true, done.agentId(), null))
                        : reject(org, actor, id, req.reason()).map(done -> new DecisionResult(id, true, null, null)))
                        .onFailure(ApiException.class).recoverWithItem(e -> {
                            ApiException refused = (ApiException) e;
                            return new DecisionResult(id, false, null,
                                    new DecisionError(refused.status(), refused.code(), refused.getMessage()));
                        }))
                .collect().asList()
                .map(results -> {
                    int succeeded = (int) results.stream().filter(DecisionResult::success).count();
                    return new DecisionsResponse(results, succeeded, results.size() - succeeded);
                });
    }

    /**
     * Marks the registrations of every organization that waited longer than {@code warden.registration.pending-ttl}
     * expired, each with its event; answers how many. Run by {@link ExpiredRegistrations} on one replica at a time.
     */
    public Uni<Integer> expireDue() {
        Instant now = Agent.now();
        Instant before = now.minus(config.pendingTtl());
        // One transaction a round: the organizations, then each in turn scoped to itself (Row-Level Security).
        return db.asPlatform(conn -> registrations.organizations(conn)
                .chain(orgs -> Multi.createFrom().iterable(orgs)
                        .onItem().transformToUniAndConcatenate(org -> TenantDb.scopeTo(conn, org)
                                .chain(() -> registrations.expire(conn, before, now, EXPIRY_BATCH))
                                .call(expired -> Multi.createFrom().iterable(expired)
                                        .onItem().transformToUniAndConcatenate(r -> outbox.emit(conn, org,
                                                EventTypes.REGISTRATION_EXPIRED, r.id.toString(),
                                                new RegistrationExpired(r.event(), now)))
                                        .collect().last())
                                .map(List::size))
                        .collect().asList()
                        .map(counts -> counts.stream().mapToInt(Integer::intValue).sum())));
    }

    public Uni<SuccessResponse> reject(UUID org, String actor, UUID id, String reason) {
        return decide(org, id, (conn, r) -> {
            r.status = Registration.REJECTED;
            r.reason = reason;
            r.decidedAt = Agent.now();
            r.decidedBy = actor;
            return registrations.decide(conn, r)
                    .chain(() -> outbox.emit(conn, org, EventTypes.REGISTRATION_REJECTED, r.id.toString(),
                            new RegistrationRejected(r.event(), reason, actor, r.decidedAt)))
                    .replaceWith(new SuccessResponse(true));
        });
    }

    /** Runs {@code work} on the locked, still pending registration; another org's is a 404, a decided one a 409. */
    private <T> Uni<T> decide(UUID org, UUID id, BiFunction<SqlConnection, Registration, Uni<T>> work) {
        return db.inOrg(org, conn -> registrations.lockById(conn, id).map(r -> ApiException.found(r, "Registration")).chain(r -> {
            if (!Registration.PENDING.equals(r.status)) {
                throw ApiException.conflict("The registration was " + r.status + " already");
            }
            if (!r.requestedAt.plus(config.pendingTtl()).isAfter(Instant.now())) {
                throw ApiException.conflict("The registration expired undecided; the agent may register again");
            }
            return work.apply(conn, r);
        }));
    }

    private static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", message, List.of());
    }
}
