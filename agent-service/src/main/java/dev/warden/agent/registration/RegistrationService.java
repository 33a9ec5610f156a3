package dev.warden.agent.registration;

import dev.warden.agent.lifecycle.Agent;
import dev.warden.agent.lifecycle.AgentRepository;
import dev.warden.agent.realm.RealmService;
import dev.warden.agent.registration.RegistrationWire.ApproveResponse;
import dev.warden.agent.registration.RegistrationWire.ChallengeResponse;
import dev.warden.agent.registration.RegistrationWire.RegisterRequest;
import dev.warden.agent.registration.RegistrationWire.RegisterResponse;
import dev.warden.agent.registration.RegistrationWire.RegistrationItem;
import dev.warden.agent.registration.RegistrationWire.RegistrationListResponse;
import dev.warden.agent.registration.RegistrationWire.SuccessResponse;
import dev.warden.api.ApiException;
import dev.warden.events.EventTypes;
import dev.warden.events.agent.AgentEvents.AgentChanged;
import dev.warden.events.agent.AgentEvents.RegistrationApproved;
import dev.warden.events.agent.AgentEvents.RegistrationRejected;
import dev.warden.events.agent.AgentEvents.RegistrationRequested;
import dev.warden.outbox.Outbox;
import dev.warden.tenancy.db.TenantDb;
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

    private final TenantDb db;
    private final RegistrationRepository registrations;
    private final AgentRepository agents;
    private final Outbox outbox;
    private final RegistrationConfig config;
    private final RealmService realms;

    public RegistrationService(TenantDb db, RegistrationRepository registrations, AgentRepository agents, Outbox outbox,
                               RegistrationConfig config, RealmService realms) {
        this.realms = realms;
        this.db = db;
        this.registrations = registrations;
        this.agents = agents;
        this.outbox = outbox;
        this.config = config;
    }

    public List<String> availableCapabilities() {
        return config.availableCapabilities();
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

    /** Checks the proof, uses up the challenge, and records the pending registration. */
    public Uni<RegisterResponse> register(UUID org, String actor, DidKey key, RegisterRequest req) {
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
                    return registrations.insert(conn, r);
                })
                .chain(() -> outbox.emit(conn, org, EventTypes.REGISTRATION_REQUESTED, r.id.toString(),
                        new RegistrationRequested(r.event())))
                .replaceWith(new RegisterResponse(r.did(), REGISTERED)));
    }

    public Uni<RegistrationListResponse> pending(UUID org) {
        return db.inOrg(org, registrations::pending).map(found -> new RegistrationListResponse(
                found.stream().map(r -> new RegistrationItem(r.id, r.name, r.publicKey, r.requestedCapabilities,
                        r.requestedAt)).toList(),
                config.availableCapabilities()));
    }

    /** Grants a subset of the request: the agent exists from now on, inactive, with its DID and granted capabilities. */
    public Uni<ApproveResponse> approve(UUID org, String actor, UUID id, List<String> granted, UUID realm) {
        return decide(org, id, (conn, r) -> {
            for (String capability : granted) {
                if (!config.availableCapabilities().contains(capability)) {
                    throw ApiException.invalidField("capabilities", capability + " is not an available capability");
                }
                if (!r.requestedCapabilities.contains(capability)) {
                    throw ApiException.invalidField("capabilities", capability + " was not requested");
                }
            }
            Agent agent = Agent.create(org, actor);
            agent.name = r.name;
            agent.runtime = "external";
            agent.ownerId = r.requestedBy;
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
            return realms.checkAssignable(conn, realm, "realm")
                    .chain(() -> agents.insert(conn, agent))
                    .chain(() -> registrations.decide(conn, r))
                    .chain(() -> outbox.emit(conn, org, EventTypes.AGENT_CREATED, agent.id.toString(),
                            new AgentChanged(agent.snapshot())))
                    .chain(() -> outbox.emit(conn, org, EventTypes.REGISTRATION_APPROVED, r.id.toString(),
                            new RegistrationApproved(r.event(), r.grantedCapabilities, agent.id, actor, r.decidedAt)))
                    .replaceWith(new ApproveResponse(true, agent.did));
        });
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
        return db.inOrg(org, conn -> registrations.lockById(conn, id).chain(r -> {
            if (r == null) {
                throw ApiException.notFound("Registration");
            }
            if (!Registration.PENDING.equals(r.status)) {
                throw ApiException.conflict("The registration was " + r.status + " already");
            }
            return work.apply(conn, r);
        }));
    }

    private static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", message, List.of());
    }
}
