package dev.warden.audit.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.api.ApiException;
import dev.warden.api.Slots;
import dev.warden.audit.agent.KnownAgentRepository;
import dev.warden.audit.chain.AuditRepository;
import dev.warden.audit.chain.ChainVerifier;
import dev.warden.audit.chain.VerificationRepository;
import dev.warden.audit.checkpoint.CheckpointService;
import dev.warden.audit.checkpoint.SigningKey;
import dev.warden.audit.recording.AuditRecorder;
import dev.warden.events.CanonicalJson;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.events.audit.AuditEvents.Checkpoint;
import dev.warden.events.audit.AuditEvents.CompliancePackageCreated;
import dev.warden.outbox.OutageRetry;
import dev.warden.outbox.Outbox;
import dev.warden.outbox.ReplayOffsets;
import dev.warden.tenancy.db.Projections;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Builds the evidence for one agent over a time range: the agent as it is, its declared intent, its deployments,
 * policies and connectors, its executions and drift, and its audit entries with the chain segment that links them to
 * a signed checkpoint. The package is signed as a whole. It is built off the request thread and reports progress.
 */
@ApplicationScoped
public class ComplianceBuilder {

    /**
     * The most entries a package holds, the agent's in its range and the chain proof's together: the package is built in
     * memory, each entry held as its canonical text (about 650 bytes), and two are built at once. User trials: a
     * package of 200,000 filled audit-service's 512 MB heap; with each entry held as a tree, one of 45,000 entries and
     * a proof of 45,000 did too; held as text, two of 49,000 at once took the old generation to 99.97%.
     */
    static final int MAX_ENTRIES = 30_000;
    /**
     * The most a package's entries may take as UTF-8, whatever their count: entries may hold any visible character at
     * their fields' longest, and a re-trial's package of 27,740 entries in three-byte characters was 59.5 MB (one of
     * two built at once ran out of memory).
     */
    static final long MAX_BYTES = 24L * 1024 * 1024;
    /** Entries read per transaction while building (as a verification reads them), each turned into JSON on a worker. */
    private static final int CHUNK = ChainVerifier.CHUNK;
    /**
     * Packages one organization may have building at once, on every replica together: each holds its entries in memory
     * and takes seconds of CPU, and a user trial's one organization took the service down for every other with them.
     */
    static final int BUILDING_PER_ORG = 2;
    private static final java.time.Duration BUILDING_RETRY = java.time.Duration.ofSeconds(10);
    /** Packages one instance builds at once, whatever their organizations: what its heap holds. */
    static final int BUILDING_PER_INSTANCE = 2;
    /**
     * Ready packages one instance answers at once (each reads its content, up to about 20 MB, into memory), and one
     * organization: a user trial's 6 to 8 downloads at once of one 31 MB package ran the service out of memory.
     */
    static final int ANSWERING_PER_INSTANCE = 2;
    static final int ANSWERING_PER_ORG = 1;
    private static final Logger LOG = Logger.getLogger(ComplianceBuilder.class);
    private static final List<String> HISTORY = List.of("agent.deployed", "agent.rolled-back", "agent.connector-bound",
            "agent.connector-unbound", "policy.bound", "policy.unbound");

    private final TenantDb db;
    private final KnownAgentRepository agents;
    private final Projections projections;
    private final ReplayOffsets offsets;
    private final ComplianceRepository repository;
    private final AuditRepository audit;
    private final CheckpointService checkpoints;
    private final SigningKey key;
    private final Outbox outbox;
    /**
     * This instance's room: {@link #BUILDING_PER_INSTANCE} at once. The organization's bound,
     * {@link #BUILDING_PER_ORG}, is counted in the database, on every replica together, and refused by
     * {@link Slots#organizationFull()}.
     */
    private final Slots building = new Slots("too_many_requests", "compliance packages building",
            "compliance packages building", BUILDING_PER_INSTANCE, BUILDING_PER_ORG, BUILDING_RETRY);
    /** This instance's ready packages being answered ({@link #answer}). */
    private final Slots answering = new Slots("too_many_requests", "compliance package being downloaded",
            "compliance packages being downloaded", ANSWERING_PER_INSTANCE, ANSWERING_PER_ORG, java.time.Duration.ofSeconds(2));

    public ComplianceBuilder(TenantDb db, ComplianceRepository repository, AuditRepository audit,
                             CheckpointService checkpoints, SigningKey key, Outbox outbox, KnownAgentRepository agents,
                             Projections projections, ReplayOffsets offsets) {
        this.agents = agents;
        this.offsets = offsets;
        this.projections = projections;
        this.db = db;
        this.repository = repository;
        this.audit = audit;
        this.checkpoints = checkpoints;
        this.key = key;
        this.outbox = outbox;
    }

    /**
     * Records the request and starts building; answers the package at once, as recorded (building: a build that is
     * quick cannot make the answer say otherwise). Only for an agent the org has: one created a moment ago is waited
     * for (Projections), as a reported action's is. At most {@link #BUILDING_PER_ORG} at once per organization (429).
     */
    public Uni<PackageResponse> request(UUID org, String actor, String agentId, Instant from, Instant to) {
        UUID id = UUID.randomUUID();
        Slots.Permit slot = building.acquire(org); // this instance's room for one more, or the 429 now
        return projections.withCatchUp(org, () -> db.inOrg(org, conn -> agents.require(conn, agentId)
                                .chain(() -> repository.lockedBuilding(conn, org))
                                .invoke(found -> {
                                    if (found >= building.perOrg()) {
                                        throw building.organizationFull(); // counted on every replica together
                                    }
                                })
                                .chain(() -> repository.insert(conn, id, org, agentId, from, to, actor))
                                .chain(() -> repository.find(conn, id)).map(ComplianceRepository.Stored::response)),
                        conn -> agents.known(conn, agentId),
                        offsets.agentApplied(AuditRecorder.GROUP, agentId))
                .onFailure().invoke(slot::release)
                .onCancellation().invoke(slot::release)
                .invoke(() -> untilTheDatabaseAnswers(id, Uni.createFrom().deferred(() -> build(org, id, agentId, from, to)))
                        .onTermination().invoke(slot::release)
                        .subscribe().with(
                                done -> LOG.infof("Compliance package %s is ready", id),
                                failure -> fail(org, id, failure)));
    }

    /**
     * A package to answer: with its content once ready ({@code signed}: the exact text that was signed, its ZIP's
     * {@code package.json}; else as stored), and then the answer slot it holds, which the caller releases once the
     * answer is sent.
     */
    public record Answer(PackageResponse pkg, Slots.Held held) {
    }

    /** One of {@code org}'s answer slots, as a download being sent holds it (the tests' way to fill them). */
    Slots.Permit answerSlot(UUID org) {
        return answering.acquire(org);
    }

    /**
     * A package of this organization (another's, or none, is a 404). Its content, once ready, is read under one of
     * this instance's answer slots ({@link #ANSWERING_PER_INSTANCE}, {@link #ANSWERING_PER_ORG} per organization;
     * beyond, a 429 with Retry-After) and handed on on a worker thread, where a ZIP of tens of megabytes is made, never
     * an event loop. A package made before its text was kept as signed (V12) is put in canonical form when
     * {@code signed}.
     */
    public Uni<Answer> answer(UUID org, UUID id, boolean signed) {
        return db.inOrg(org, conn -> repository.find(conn, id))
                .map(found -> ApiException.found(found, "Compliance package"))
                .chain(stored -> {
                    if (!stored.hasContent()) {
                        return Uni.createFrom().item(new Answer(stored.response(), null));
                    }
                    Slots.Held held = answering.hold(org);
                    return held.reading(db.inOrg(org, conn -> repository.content(conn, id)))
                            .map(text -> new Answer(stored.response().withContent(
                                    !signed || text == null || stored.contentAsSigned() ? text
                                            : CanonicalJson.canonical(EventJson.tree(text))), held))
                            .onFailure().invoke(held::answered)
                            .onCancellation().invoke(held::answered);
                });
    }

    /**
     * A package as it is built: a small tree, and its entries (the agent's, its executions among them, and the chain
     * proof's) each as its canonical text, counted as they come.
     */
    private static final class Building {
        final ObjectNode pkg = JsonNodeFactory.instance.objectNode();
        final ArrayNode entries = pkg.putArray("audit_entries");
        final ArrayNode executions = pkg.putArray("executions");
        ArrayNode proof;
        long firstSequence = -1;
        long lastSequence = -1;
        long characters;
        long bytes;

        JsonNode held(AuditEntry entry) {
            CanonicalJson.Canonical text = CanonicalJson.Canonical.of(EventJson.MAPPER.valueToTree(entry));
            characters += text.json().length() + 1;
            bytes += EventJson.utf8Length(text.json()) + 1;
            if (bytes > MAX_BYTES) {
                throw new Refused("the package's entries would take more than " + MAX_BYTES / (1024 * 1024)
                        + " MB; request packages of shorter ranges");
            }
            return text.node();
        }

        void add(AuditEntry entry) {
            JsonNode held = held(entry);
            entries.add(held);
            if (entry.eventType().startsWith("dev.warden.execution.")) {
                executions.add(held); // the same text, not a copy
            }
            if (firstSequence < 0) {
                firstSequence = entry.sequence();
            }
            lastSequence = entry.sequence();
        }

        /** Lets go of the entries once the package is written out: the rest of the build holds only its text. */
        void release() {
            entries.removeAll();
            executions.removeAll();
            if (proof != null) {
                proof.removeAll();
            }
        }
    }

    private Uni<Void> build(UUID org, UUID id, String agentId, Instant from, Instant to) {
        Building building = new Building();
        ObjectNode pkg = building.pkg;
        pkg.put("id", id.toString()).put("org_id", org.toString()).put("agent_id", agentId)
                .put("from", from.toString()).put("to", to.toString());
        // Each phase commits its progress, so a client polling the package sees it move.
        return db.inOrg(org, conn -> agentState(conn, agentId, pkg).chain(() -> history(conn, agentId, pkg)))
                .chain(() -> progress(org, id, 20))
                .chain(() -> entriesAfter(org, agentId, from, to, null, building))
                .chain(() -> db.inOrg(org, conn -> drift(conn, agentId, from, to, pkg)))
                .chain(() -> progress(org, id, 50))
                .chain(() -> coveringCheckpoint(org, building))
                .call(checkpoint -> segment(org, building, checkpoint))
                .call(checkpoint -> progress(org, id, 80))
                .emitOn(Infrastructure.getDefaultWorkerPool()) // the canonical form and its signature: CPU as well
                .map(checkpoint -> seal(org, id, agentId, from, to, building, checkpoint))
                .chain(sealed -> db.inOrg(org, conn -> finish(conn, org, id, agentId, sealed)));
    }

    private Uni<Void> agentState(SqlConnection conn, String agentId, ObjectNode pkg) {
        return repository.agentState(conn, agentId).invoke(state -> {
            pkg.set("agent", state.snapshot());
            pkg.set("declared_intent", state.declaredIntent());
        }).replaceWithVoid();
    }

    /** Deployments, rollbacks, and the policies and connectors bound to the agent now, from its whole history. */
    private Uni<Void> history(SqlConnection conn, String agentId, ObjectNode pkg) {
        return repository.history(conn, agentId, HISTORY)
                .invoke(rows -> {
                    ArrayNode deployments = pkg.putArray("deployments");
                    Map<String, JsonNode> policies = new LinkedHashMap<>();
                    Map<String, JsonNode> connectors = new LinkedHashMap<>();
                    rows.forEach(r -> {
                        JsonNode meta = r.metadata();
                        ObjectNode item = ((ObjectNode) meta.deepCopy()).put("sequence", r.sequence())
                                .put("action_type", r.actionType()).put("actor", r.actor())
                                .put("occurred_at", r.occurredAt().toString());
                        switch (r.actionType()) {
                            case "agent.deployed", "agent.rolled-back" -> deployments.add(item);
                            case "policy.bound" -> policies.put(meta.path("policy_id").asText(), item);
                            case "policy.unbound" -> policies.remove(meta.path("policy_id").asText());
                            case "agent.connector-bound" -> connectors.put(meta.path("binding_id").asText(),
                                    item.put("connector", r.connector()));
                            default -> connectors.remove(meta.path("binding_id").asText());
                        }
                    });
                    pkg.putArray("policies").addAll(policies.values());
                    pkg.putArray("connectors").addAll(connectors.values());
                }).replaceWithVoid();
    }

    /** The agent's entries in the range, a chunk per transaction, at most {@link #MAX_ENTRIES}. */
    private Uni<Void> entriesAfter(UUID org, String agentId, Instant from, Instant to, Long after, Building building) {
        AuditRepository.EntryFilter filter = new AuditRepository.EntryFilter(agentId, null, null, null, from, to, null, after);
        return db.inOrg(org, conn -> audit.entries(conn, filter, CHUNK, 0))
                .emitOn(Infrastructure.getDefaultWorkerPool()) // turning entries into JSON: never on an event loop
                .chain(found -> {
                    found.forEach(building::add);
                    if (building.entries.size() > MAX_ENTRIES) {
                        throw new Refused("the agent has more than " + MAX_ENTRIES + " entries in the range; "
                                + "request packages of shorter ranges");
                    }
                    if (found.size() < CHUNK) {
                        return Uni.createFrom().voidItem();
                    }
                    long last = found.getLast().sequence(); // only the position goes on, not the chunk
                    return entriesAfter(org, agentId, from, to, last, building);
                });
    }

    private Uni<Void> drift(SqlConnection conn, String agentId, Instant from, Instant to, ObjectNode pkg) {
        return repository.drift(conn, agentId, from, to).invoke(found -> pkg.putArray("drift_events").addAll(found))
                .replaceWithVoid();
    }

    /**
     * The first checkpoint at or past the package's last entry, so that the chain proof is as short as it can be (the
     * newest made a package of an agent's old entries unbuildable in a busy chain); one is signed now when none is
     * past it. A package without entries takes the newest.
     */
    private Uni<Checkpoint> coveringCheckpoint(UUID org, Building building) {
        if (building.lastSequence < 0) {
            return checkpoints.latest(org).chain(found -> found != null ? Uni.createFrom().item(found) : checkpoints.sign(org));
        }
        return db.inOrg(org, conn -> audit.firstCheckpointFrom(conn, building.lastSequence))
                .chain(found -> found != null ? Uni.createFrom().item(found) : checkpoints.sign(org));
    }

    /**
     * The contiguous chain from the package's first entry to the checkpoint: what proves the entries are in it. Read a
     * chunk per transaction, once the package with it is known to be within {@link #MAX_ENTRIES}.
     */
    private Uni<Void> segment(UUID org, Building building, Checkpoint checkpoint) {
        ObjectNode pkg = building.pkg;
        long first = building.firstSequence < 0 ? checkpoint.sequence() + 1 : building.firstSequence;
        long proofLength = checkpoint.sequence() - first + 1;
        if (building.entries.size() + proofLength > MAX_ENTRIES) {
            throw new Refused("the package would hold more than " + MAX_ENTRIES + " entries: "
                    + building.entries.size() + " of the agent's in the range, and a chain proof of " + proofLength
                    + " from its first (" + first + ") to the checkpoint that covers its last (" + checkpoint.sequence()
                    + "); request packages of shorter ranges");
        }
        return db.inOrg(org, conn -> audit.hashBefore(conn, first)).chain(prev -> {
            ObjectNode proof = pkg.putObject("chain_proof");
            proof.put("from_sequence", first).put("to_sequence", checkpoint.sequence()).put("prev_hash", prev);
            building.proof = proof.putArray("entries");
            return range(org, first, checkpoint.sequence(), building);
        }).invoke(() -> {
            pkg.set("checkpoint", EventJson.MAPPER.valueToTree(checkpoint));
            pkg.put("public_key", key.publicKeyBase64());
        });
    }

    private Uni<Void> range(UUID org, long next, long to, Building building) {
        if (next > to) {
            return Uni.createFrom().voidItem();
        }
        long end = Math.min(to, next + CHUNK - 1);
        return db.inOrg(org, conn -> audit.range(conn, next, end))
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .chain(chunk -> {
                    chunk.forEach(e -> building.proof.add(building.held(e)));
                    return range(org, end + 1, to, building);
                });
    }

    /** The package as stored, its signature and its announcement: made on a worker thread, before the transaction. */
    private record Sealed(String content, String signature, CompliancePackageCreated created) {
    }

    private Sealed seal(UUID org, UUID id, String agentId, Instant from, Instant to, Building building,
                        Checkpoint checkpoint) {
        ObjectNode pkg = building.pkg;
        pkg.put("generated_at", AuditChain.micros(Instant.now()).toString());
        int entries = building.entries.size();
        String text = CanonicalJson.canonical(pkg, (int) Math.min(Integer.MAX_VALUE - 16, building.characters + 65_536));
        building.release();
        byte[] content = text.getBytes(StandardCharsets.UTF_8);
        CompliancePackageCreated created = new CompliancePackageCreated(id, org, agentId, from, to, entries,
                pkg.get("drift_events").size(), checkpoint.sequence(), CanonicalJson.sha256Hex(content), key.keyId());
        return new Sealed(text, key.sign(content), created);
    }

    private Uni<Void> finish(SqlConnection conn, UUID org, UUID id, String agentId, Sealed sealed) {
        return repository.ready(conn, id, sealed.content(), sealed.signature(), key.keyId())
                .chain(made -> made ? outbox.emit(conn, org, EventTypes.AUDIT_COMPLIANCE_PACKAGE_CREATED, agentId,
                        org.toString(), sealed.created()).replaceWithVoid()
                        : Uni.createFrom().failure(new Refused("it was interrupted meanwhile")));
    }

    private Uni<Void> progress(UUID org, UUID id, int percent) {
        return db.inOrg(org, conn -> repository.progress(conn, id, percent));
    }

    /** Why a package is not built, in words for the one who asked for it. */
    private static final class Refused extends RuntimeException {
        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Marks the package failed: with the reason when the build refused it ({@link Refused}); anything else is the
     * service's own failure, named in its log and not to the caller.
     */
    private void fail(UUID org, UUID id, Throwable failure) {
        String reason = failure instanceof Refused ? failure.getMessage()
                : "the package could not be built (an error of the service's, in its log); try again";
        if (failure instanceof Refused) {
            LOG.infof("Compliance package %s not built: %s", id, failure.getMessage());
        } else {
            LOG.warnf(failure, "Compliance package %s failed", id);
        }
        untilTheDatabaseAnswers(id, db.inOrg(org, conn -> repository.failed(conn, id, reason)))
                .subscribe().with(r -> { }, e -> LOG.warnf("Could not mark compliance package %s failed: %s", id, e.getMessage()));
    }

    /**
     * The package is built once a database that could not be reached answers again, if it does within
     * {@link VerificationRepository#OUTAGE_WAIT}; beyond that it shows as interrupted
     * ({@link VerificationRepository#STALE} after its last move), as it does when the service stops while building it.
     */
    private static <T> Uni<T> untilTheDatabaseAnswers(UUID id, Uni<T> work) {
        return OutageRetry.untilTheDatabaseAnswers(work, VerificationRepository.OUTAGE_WAIT, e -> LOG.warnf(
                "Compliance package %s: the database did not answer; trying again: %s", id, e.getMessage()));
    }
}
