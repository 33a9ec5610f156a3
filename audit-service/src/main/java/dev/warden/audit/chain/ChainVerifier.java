package dev.warden.audit.chain;

import dev.warden.api.ApiException;
import dev.warden.audit.checkpoint.SigningKey;
import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.events.audit.AuditEvents.Checkpoint;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Recomputes a range of an organization's chain from the stored entries, and checks the newest signed checkpoint in
 * the range against it. A row changed behind the service's back is named by its sequence number.
 */
@ApplicationScoped
public class ChainVerifier {

    private static final int PAGE = 5_000;

    private final TenantDb db;
    private final AuditRepository repository;

    public ChainVerifier(TenantDb db, AuditRepository repository) {
        this.db = db;
        this.repository = repository;
    }

    public record Verification(boolean valid, long from, long to, long entriesChecked,
                               @Schema(nullable = true) Long firstInvalidSequence, @Schema(nullable = true) String reason,
                               @Schema(nullable = true, description = "The newest checkpoint of the range, when there is one")
                               CheckpointCheck checkpoint) {
    }

    public record CheckpointCheck(UUID id, long sequence, String keyId, boolean signatureValid, boolean matchesChain) {
    }

    /** An exported range: what the offline verifier checks with the public key alone. */
    public record Export(UUID orgId, long from, long to, @Schema(nullable = true) String prevHash,
                         List<AuditEntry> entries, @Schema(nullable = true) Checkpoint checkpoint,
                         @Schema(nullable = true) String publicKey) {
    }

    public Uni<Verification> verify(UUID org, Long fromParam, Long toParam) {
        return db.inOrg(org, conn -> repository.head(conn).chain(head -> {
            long from = fromParam == null ? 1 : fromParam;
            long to = toParam == null ? head.sequence() : Math.min(toParam, head.sequence());
            if (to < from) {
                return Uni.createFrom().item(new Verification(true, from, to, 0, null, null, null));
            }
            return repository.hashBefore(conn, from).chain(prev -> prev == null
                    ? Uni.createFrom().item(new Verification(false, from, to, 0, from - 1, "entry " + (from - 1) + " is missing", null))
                    : walk(conn, from, to, prev, from, 0))
                    .chain(result -> !result.valid() ? Uni.createFrom().item(result) : checkCheckpoint(conn, result));
        }));
    }

    public Uni<Export> export(UUID org, Long fromParam, Long toParam) {
        return db.inOrg(org, conn -> repository.head(conn).chain(head -> {
            long from = fromParam == null ? 1 : fromParam;
            long to = toParam == null ? head.sequence() : Math.min(toParam, head.sequence());
            if (to - from >= 100_000) {
                throw ApiException.invalidField("to", "export at most 100000 entries at a time");
            }
            return repository.hashBefore(conn, from).chain(prev -> repository.range(conn, from, to)
                    .chain(entries -> repository.latestCheckpoint(conn, to).chain(found -> {
                        Checkpoint checkpoint = found == null || found.sequence() < from ? null : found;
                        Uni<String> key = checkpoint == null ? Uni.createFrom().nullItem() : repository.publicKey(conn, checkpoint.keyId());
                        return key.map(publicKey -> new Export(org, from, to, prev, entries, checkpoint, publicKey));
                    })));
        }));
    }

    private Uni<Verification> walk(SqlConnection conn, long from, long to, String prev, long next, long checked) {
        long pageEnd = Math.min(to, next + PAGE - 1);
        return repository.range(conn, next, pageEnd).chain(entries -> {
            OptionalLong broken = AuditChain.firstBroken(entries, prev, next);
            if (broken.isPresent()) {
                return Uni.createFrom().item(new Verification(false, from, to, checked + (broken.getAsLong() - next),
                        broken.getAsLong(), "entry " + broken.getAsLong() + " does not match its hash or its predecessor", null));
            }
            if (entries.size() < pageEnd - next + 1) {
                long missing = next + entries.size();
                return Uni.createFrom().item(new Verification(false, from, to, checked + entries.size(), missing,
                        "entry " + missing + " is missing", null));
            }
            if (pageEnd == to) {
                return Uni.createFrom().item(new Verification(true, from, to, checked + entries.size(), null, null, null));
            }
            return walk(conn, from, to, entries.getLast().hash(), pageEnd + 1, checked + entries.size());
        });
    }

    private Uni<Verification> checkCheckpoint(SqlConnection conn, Verification result) {
        return repository.latestCheckpoint(conn, result.to()).chain(c -> {
            if (c == null || c.sequence() < result.from()) {
                return Uni.createFrom().item(result);
            }
            return repository.publicKey(conn, c.keyId()).chain(publicKey -> repository.range(conn, c.sequence(), c.sequence())
                    .map(at -> {
                        boolean signatureValid = publicKey != null
                                && AuditChain.signedForms(c).stream()
                                        .anyMatch(form -> SigningKey.verify(publicKey, form, c.signature()));
                        boolean matches = !at.isEmpty() && at.getFirst().hash().equals(c.headHash());
                        CheckpointCheck check = new CheckpointCheck(c.id(), c.sequence(), c.keyId(), signatureValid, matches);
                        boolean valid = signatureValid && matches;
                        return new Verification(valid, result.from(), result.to(), result.entriesChecked(),
                                valid ? null : c.sequence(), valid ? null : "checkpoint " + c.id() + " does not verify", check);
                    }));
        });
    }
}
