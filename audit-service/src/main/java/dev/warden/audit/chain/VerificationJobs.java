package dev.warden.audit.chain;

import dev.warden.api.ApiException;
import dev.warden.outbox.OutageRetry;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.UUID;

/**
 * Verifies an organization's whole chain in the background, a chunk of entries per transaction, recording progress
 * after each; the verdict names the first entry that does not verify. The request answers at once. Each verdict counts
 * in {@link ChainVerdicts} ({@code source="request"}).
 */
@ApplicationScoped
public class VerificationJobs {

    private static final Logger LOG = Logger.getLogger(VerificationJobs.class);
    /** When to ask again while a verification runs: about how long a chunk of it takes. */
    private static final java.time.Duration RUNNING_RETRY = java.time.Duration.ofSeconds(10);

    private final TenantDb db;
    private final AuditRepository audit;
    private final VerificationRepository verifications;
    private final ChainVerifier verifier;
    private final ChainVerdicts verdicts;

    public VerificationJobs(TenantDb db, AuditRepository audit, VerificationRepository verifications, ChainVerifier verifier,
                            ChainVerdicts verdicts) {
        this.db = db;
        this.audit = audit;
        this.verifications = verifications;
        this.verifier = verifier;
        this.verdicts = verdicts;
    }

    /**
     * Records the request at the current head and starts; answers the verification as it stands. One at a time per
     * organization, on every replica together: while one runs, another is a 429 naming it (each walks the whole chain,
     * and a user trial's three at once over 720,000 entries took the service down for every organization).
     */
    public Uni<ChainVerification> start(UUID org, String actor) {
        UUID id = UUID.randomUUID();
        return db.inOrg(org, conn -> verifications.lockedRunning(conn, org).chain(running -> {
                    if (running != null) {
                        throw ApiException.tooManyRequests("A verification of this chain is running: GET "
                                + "/v1/audit/verifications/" + running + " for its progress; request another once it has "
                                + "finished", RUNNING_RETRY);
                    }
                    return audit.head(conn);
                }).call(head -> verifications.insert(conn, id, org, head.sequence(), actor)))
                .invoke(head -> untilTheDatabaseAnswers(id, Uni.createFrom().deferred(() -> run(org, id, head.sequence())))
                        .subscribe().with(
                        done -> LOG.infof("Chain verification %s of organization %s finished", id, org),
                        failure -> fail(org, id, failure)))
                .chain(() -> find(org, id));
    }

    /** A verification of this organization; another's, or none, is a 404. */
    public Uni<ChainVerification> find(UUID org, UUID id) {
        return db.inOrg(org, conn -> verifications.find(conn, id)).map(found -> ApiException.found(found, "Verification"));
    }

    private Uni<Void> run(UUID org, UUID id, long head) {
        return verifier.whole(org, head, checked -> db.inOrg(org, conn -> verifications.progress(conn, id, checked)))
                .chain(v -> db.inOrg(org, conn -> verifications.finish(conn, id, v.valid() ? "valid" : "invalid",
                        v.entriesChecked(), v.firstInvalidSequence(), v.reason()))
                        .invoke(() -> verdicts.verdict(ChainVerdicts.REQUEST, v.valid())));
    }

    /**
     * The verification goes on once a database that could not be reached answers again, if it does within
     * {@link VerificationRepository#OUTAGE_WAIT} (from its first entry: a verification is read-only); beyond that it shows as interrupted
     * ({@link VerificationRepository#STALE} after its last move), as when the service stops meanwhile.
     */
    private static <T> Uni<T> untilTheDatabaseAnswers(UUID id, Uni<T> work) {
        return OutageRetry.untilTheDatabaseAnswers(work, VerificationRepository.OUTAGE_WAIT, e -> LOG.warnf(
                "Chain verification %s: the database did not answer; trying again: %s", id, e.getMessage()));
    }

    private void fail(UUID org, UUID id, Throwable failure) {
        LOG.errorf(failure, "Chain verification %s of organization %s failed", id, org);
        verdicts.failed(ChainVerdicts.REQUEST);
        untilTheDatabaseAnswers(id, db.inOrg(org, conn -> verifications.finish(conn, id, "failed", 0, null,
                        "the verification could not complete; request a new one")))
                .subscribe().with(ok -> {
                }, e -> LOG.errorf(e, "Could not record that verification %s failed", id));
    }
}
