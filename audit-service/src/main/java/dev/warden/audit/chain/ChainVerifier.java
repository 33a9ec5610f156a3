package dev.warden.audit.chain;

import dev.warden.api.ApiException;
import dev.warden.api.Slots;
import dev.warden.audit.checkpoint.SigningKey;
import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.events.audit.AuditEvents.Checkpoint;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.LongFunction;

/**
 * Recomputes a range of an organization's chain from the stored entries, and checks the newest signed checkpoint in
 * the range against it. A row changed behind the service's back is named by its sequence number.
 */
@ApplicationScoped
public class ChainVerifier {

    /** Entries per transaction (a compliance package's build reads them so too). */
    public static final int CHUNK = 5_000;
    /** Entries per request: a longer range is a background verification. */
    public static final int MAX_RANGE = 100_000;

    /**
     * Exports answered at once on this instance, and per organization: an export holds its range in memory while it
     * is read and written (a user trial's ranges of 100,000 entries were 55 MB each, and ten at once slowed every
     * other organization's requests to seconds). Beyond, a 429 with Retry-After.
     */
    static final int EXPORTING_PER_INSTANCE = 2;
    static final int EXPORTING_PER_ORG = 1;

    private final Slots exporting = new Slots("too_many_requests", "audit export being answered",
            "audit exports being answered", EXPORTING_PER_INSTANCE, EXPORTING_PER_ORG, java.time.Duration.ofSeconds(2));
    private final TenantDb db;
    private final AuditRepository repository;
    private final ChainVerdicts verdicts;

    public ChainVerifier(TenantDb db, AuditRepository repository, ChainVerdicts verdicts) {
        this.verdicts = verdicts;
        this.db = db;
        this.repository = repository;
    }

    public record Verification(boolean valid, long from, long to,
                               @Schema(description = "The chain's head when the verification started: `to` is below it "
                                       + "when the range was capped") long head,
                               long entriesChecked,
                               @Schema(nullable = true) Long firstInvalidSequence, @Schema(nullable = true) String reason,
                               @Schema(nullable = true, description = "Without `from`: the signed checkpoint the range "
                                       + "starts after; with it: the newest checkpoint of the range, when there is one")
                               CheckpointCheck checkpoint) {
    }

    public record CheckpointCheck(UUID id, long sequence, String keyId, boolean signatureValid, boolean matchesChain) {
    }

    /** An exported range: what the offline verifier checks with the public key alone. */
    public record Export(UUID orgId, long from, long to, @Schema(nullable = true) String prevHash,
                         List<AuditEntry> entries, @Schema(nullable = true) Checkpoint checkpoint,
                         @Schema(nullable = true) String publicKey) {
    }

    /**
     * Without {@code from}: from the newest signed checkpoint (its signature and its place in the stored chain
     * checked first) to the head, at most {@link #MAX_RANGE} entries. With {@code from}: that range, at most
     * {@link #MAX_RANGE} entries, then the newest checkpoint in it. Either way a chunk of {@link #CHUNK} entries per
     * transaction, so no verification holds one open for long; the whole chain is {@link VerificationJobs}' work.
     */
    /**
     * {@link #verify} asked for by a request ({@code GET /v1/audit/verify}), its verdict counted as the background
     * verifications' are ({@link ChainVerdicts}, {@code source="request"}): a synchronous verification that found the
     * chain altered reached neither the metric nor its alert (a soak trial's 290 were not counted). A refusal of the
     * request (a 400) is no verdict; a failure to finish (the database away) is a failed one.
     */
    public Uni<Verification> verifyRequested(UUID org, Long fromParam, Long toParam) {
        return verify(org, fromParam, toParam)
                .invoke(v -> verdicts.verdict(ChainVerdicts.REQUEST, v.valid()))
                .onFailure(e -> !(e instanceof dev.warden.api.ApiException)).invoke(e -> verdicts.failed(ChainVerdicts.REQUEST));
    }

    public Uni<Verification> verify(UUID org, Long fromParam, Long toParam) {
        checkOrder(fromParam, toParam);
        return db.inOrg(org, conn -> repository.head(conn).chain(head -> fromParam != null
                ? repository.hashBefore(conn, fromParam).map(prev -> new Start(head.sequence(), fromParam, prev, null, null))
                : anchor(conn, head.sequence())))
                .chain(start -> {
                    if (start.failure() != null) {
                        return Uni.createFrom().item(start.failure());
                    }
                    checkAgainstHead(fromParam, start.head());
                    // As export: a range past the head is the range to the head, and only then bounded
                    if (fromParam != null && toParam != null
                            && Math.min(toParam, start.head()) - fromParam >= MAX_RANGE) {
                        throw ApiException.invalidField("to", "verify at most " + MAX_RANGE + " entries at a time; "
                                + "POST /v1/audit/verifications verifies the whole chain in the background");
                    }
                    if (fromParam == null && toParam != null && toParam < start.from() - 1) {
                        // Nothing of the range is after the checkpoint this mode starts from: "valid" would vouch for nothing
                        throw ApiException.invalidField("to", "is before the newest checkpoint (entry " + (start.from() - 1)
                                + "); give from as well to verify entries before it");
                    }
                    long to = Math.min(toParam == null ? start.head() : Math.min(toParam, start.head()),
                            start.from() + MAX_RANGE - 1);
                    if (to < start.from()) {
                        return Uni.createFrom().item(new Verification(true, start.from(), to, start.head(), 0, null, null,
                                start.anchor()));
                    }
                    if (start.prev() == null) {
                        return Uni.createFrom().item(new Verification(false, start.from(), to, start.head(), 0,
                                start.from() - 1, "entry " + (start.from() - 1) + " is missing", null));
                    }
                    return walk(org, start.from(), to, start.head(), start.prev(), start.from(), 0, NO_PROGRESS)
                            .chain(result -> !result.valid() ? Uni.createFrom().item(result)
                                    : fromParam == null ? Uni.createFrom().item(withCheckpoint(result, start.anchor()))
                                    : db.inOrg(org, conn -> checkCheckpoint(conn, result)));
                });
    }

    /** An inverted range is a mistake, and answering it "valid, 0 entries checked" would vouch for nothing. */
    private static void checkOrder(Long from, Long to) {
        if (from != null && to != null && to < from) {
            throw ApiException.invalidField("to", "must not be before from");
        }
    }

    /**
     * A range may start just past the head (nothing new since the last check: valid, no entries), not beyond it: a
     * caller that expects entries the chain does not have (a chain shorter than it was) hears so, rather than "valid".
     */
    private static void checkAgainstHead(Long from, long head) {
        if (from != null && from > head + 1) {
            throw ApiException.invalidField("from", "is past the chain's head (entry " + head + ")");
        }
    }

    /** Where a verification without {@code from} starts: after the newest checkpoint, once that one is checked. */
    private Uni<Start> anchor(SqlConnection conn, long head) {
        return repository.latestCheckpoint(conn, head).chain(c -> {
            if (c == null) {
                return Uni.createFrom().item(new Start(head, 1, AuditChain.GENESIS, null, null));
            }
            return check(conn, c).map(check -> check.signatureValid() && check.matchesChain()
                    ? new Start(head, c.sequence() + 1, c.headHash(), check, null)
                    : new Start(head, c.sequence(), null, check, new Verification(false, c.sequence(), head, head, 0,
                    c.sequence(), "checkpoint " + c.id() + " does not verify", check)));
        });
    }

    private record Start(long head, long from, String prev, CheckpointCheck anchor, Verification failure) {
    }

    private static Verification withCheckpoint(Verification v, CheckpointCheck check) {
        return new Verification(v.valid(), v.from(), v.to(), v.head(), v.entriesChecked(), v.firstInvalidSequence(),
                v.reason(), check);
    }

    /**
     * One of {@code org}'s export slots (a 429 now when there is none), given back once the export's read and its
     * answer are both over: {@link #export} says when the read is, the caller when the answer is sent.
     */
    public Slots.Held exportSlot(UUID org) {
        return exporting.hold(org);
    }

    /**
     * {@link #export}, read whatever becomes of the request and handed on on a worker thread, where its tens of
     * megabytes are written as JSON, never an event loop; {@code held} hears when the read is over.
     */
    public Uni<Export> export(UUID org, Long fromParam, Long toParam, Slots.Held held) {
        return held.reading(Uni.createFrom().deferred(() -> export(org, fromParam, toParam)));
    }

    public Uni<Export> export(UUID org, Long fromParam, Long toParam) {
        checkOrder(fromParam, toParam);
        return db.inOrg(org, conn -> repository.head(conn).chain(head -> {
            checkAgainstHead(fromParam, head.sequence());
            long from = fromParam == null ? 1 : fromParam;
            long to = toParam == null ? head.sequence() : Math.min(toParam, head.sequence());
            if (to - from >= MAX_RANGE) {
                throw ApiException.invalidField("to", "export at most " + MAX_RANGE + " entries at a time");
            }
            return repository.hashBefore(conn, from).chain(prev -> repository.range(conn, from, to)
                    .chain(entries -> repository.latestCheckpoint(conn, to).chain(found -> {
                        Checkpoint checkpoint = found == null || found.sequence() < from ? null : found;
                        Uni<String> key = checkpoint == null ? Uni.createFrom().nullItem() : repository.publicKey(conn, checkpoint.keyId());
                        return key.map(publicKey -> new Export(org, from, to, prev, entries, checkpoint, publicKey));
                    })));
        }));
    }

    /**
     * Entries 1 to {@code head}, then the newest checkpoint among them; {@code progress} hears the number of entries
     * checked after each chunk.
     */
    public Uni<Verification> whole(UUID org, long head, LongFunction<Uni<Void>> progress) {
        if (head == 0) {
            return Uni.createFrom().item(new Verification(true, 1, 0, 0, 0, null, null, null));
        }
        return walk(org, 1, head, head, AuditChain.GENESIS, 1, 0, progress)
                .chain(result -> !result.valid() ? Uni.createFrom().item(result)
                        : db.inOrg(org, conn -> checkCheckpoint(conn, result)));
    }

    private static final LongFunction<Uni<Void>> NO_PROGRESS = checked -> Uni.createFrom().voidItem();

    /** Verifies {@code next..to} following {@code prev}, a chunk per transaction. */
    private Uni<Verification> walk(UUID org, long from, long to, long head, String prev, long next, long checked,
                                   LongFunction<Uni<Void>> progress) {
        long chunkEnd = Math.min(to, next + CHUNK - 1);
        // Hashing a chunk is CPU for tens of milliseconds: on a worker thread, never the event loop that serves requests
        return db.inOrg(org, conn -> repository.range(conn, next, chunkEnd)).emitOn(Infrastructure.getDefaultWorkerPool())
                .chain(entries -> {
            OptionalLong broken = AuditChain.firstBroken(entries, prev, next);
            if (broken.isPresent()) {
                return Uni.createFrom().item(new Verification(false, from, to, head, checked + (broken.getAsLong() - next),
                        broken.getAsLong(), "entry " + broken.getAsLong() + " does not match its hash or its predecessor", null));
            }
            if (entries.size() < chunkEnd - next + 1) {
                long missing = next + entries.size();
                return Uni.createFrom().item(new Verification(false, from, to, head, checked + entries.size(), missing,
                        "entry " + missing + " is missing", null));
            }
            if (chunkEnd == to) {
                return Uni.createFrom().item(new Verification(true, from, to, head, checked + entries.size(), null, null, null));
            }
            long done = checked + entries.size();
            // Only the last hash goes on: a continuation that held the chunk kept every chunk of the walk reachable
            // until its end (a user trial's 720,000-entry chain ran the service out of memory at 520,000)
            String last = entries.getLast().hash();
            return progress.apply(done).chain(() -> walk(org, from, to, head, last, chunkEnd + 1, done, progress));
        });
    }

    private Uni<Verification> checkCheckpoint(SqlConnection conn, Verification result) {
        return repository.latestCheckpoint(conn, result.to()).chain(c -> {
            if (c == null || c.sequence() < result.from()) {
                return Uni.createFrom().item(result);
            }
            return check(conn, c).map(check -> {
                boolean valid = check.signatureValid() && check.matchesChain();
                return new Verification(valid, result.from(), result.to(), result.head(), result.entriesChecked(),
                        valid ? null : c.sequence(), valid ? null : "checkpoint " + c.id() + " does not verify", check);
            });
        });
    }

    /**
     * A checkpoint's signature, by the key that made it, and whether the stored entry at its sequence has its hash
     * and still hashes to it from its content (at sequence 0, the empty chain: whether it names the chain's start).
     */
    private Uni<CheckpointCheck> check(SqlConnection conn, Checkpoint c) {
        return repository.publicKey(conn, c.keyId()).chain(publicKey -> repository.range(conn, c.sequence(), c.sequence())
                .map(at -> {
                    boolean signatureValid = publicKey != null && AuditChain.signedForms(c).stream()
                            .anyMatch(form -> SigningKey.verify(publicKey, form, c.signature()));
                    // A checkpoint of the empty chain (signed before the organization's first entry arrived) names
                    // the chain's start, which has no entry of its own
                    boolean matches = c.sequence() == 0 ? AuditChain.GENESIS.equals(c.headHash())
                            : !at.isEmpty() && at.getFirst().hash().equals(c.headHash())
                            && AuditChain.follows(at.getFirst().prevHash(), at.getFirst());
                    return new CheckpointCheck(c.id(), c.sequence(), c.keyId(), signatureValid, matches);
                }));
    }
}
