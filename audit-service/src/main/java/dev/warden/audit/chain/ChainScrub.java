package dev.warden.audit.chain;

import dev.warden.audit.chain.AuditRepository.OrgHead;
import dev.warden.events.audit.AuditEvents.Checkpoint;
import dev.warden.audit.chain.ChainVerifier.Verification;
import dev.warden.outbox.LeaderJob;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Goes over every organization's chain by itself, so that an altered entry raises the alert without anyone asking for a
 * verification: each round verifies the next {@code warden.audit.scrub.entries} entries of every chain (their hashes,
 * their links, the newest checkpoint among them), where the last round stopped, and once a pass reached the head the
 * next starts from the first entry again, however the chain grew meanwhile. A tampered range is reported every round
 * until the chain verifies again, each time an invalid verdict ({@link ChainVerdicts}, {@code source="scrub"}) and an
 * error in the log naming the organization and the entry; so is a chain that ends below its newest signed checkpoint,
 * or below what the scrub already verified of it. One chain that cannot be read does not keep the others unscrubbed;
 * the round then counts as failed. A leader job: one replica scrubs at a time; where each chain's pass stands is kept
 * in the database ({@code audit_scrub_cursors}), so a restart or a replica taking over goes on from there, and a chain
 * too long for one round is verified whole however often the service restarts.
 */
@ApplicationScoped
public class ChainScrub implements LeaderJob {

    @ConfigMapping(prefix = "warden.audit.scrub")
    public interface Config {

        @WithDefault("true")
        boolean enabled();

        /** The pause between two rounds. */
        @WithDefault("5m")
        Duration interval();

        /** Entries of each chain a round verifies, at most {@link ChainVerifier#MAX_RANGE}. */
        @WithDefault("100000")
        int entries();
    }

    private static final Logger LOG = Logger.getLogger(ChainScrub.class);
    private static final long LOCK_ID = 0x5741524453L; // "WARDS"
    private static final Duration MOST_A_CHAIN_TAKES = Duration.ofMinutes(5);

    private final TenantDb db;
    private final AuditRepository repository;
    private final ChainVerifier verifier;
    private final ChainVerdicts verdicts;
    private final Config config;

    public ChainScrub(TenantDb db, AuditRepository repository, ChainVerifier verifier, ChainVerdicts verdicts, Config config) {
        this.db = db;
        this.repository = repository;
        this.verifier = verifier;
        this.verdicts = verdicts;
        this.config = config;
    }

    @Override
    public String name() {
        return "audit-chain-scrub";
    }

    @Override
    public long lockId() {
        return LOCK_ID;
    }

    @Override
    public boolean enabled() {
        return config.enabled();
    }

    @Override
    public Optional<Duration> interval() {
        return Optional.of(config.interval());
    }

    @Override
    public boolean runOnce(Connection conn) {
        List<OrgHead> heads;
        try {
            heads = db.asPlatform(repository::heads).await().atMost(MOST_A_CHAIN_TAKES);
        } catch (RuntimeException e) {
            throw new LeaderJob.RetryLater("the chain heads could not be read: " + e.getMessage());
        }
        long entries = Math.clamp(config.entries(), 1, ChainVerifier.MAX_RANGE);
        String failed = null;
        for (OrgHead head : heads) {
            try {
                scrub(head, entries);
            } catch (RuntimeException e) {
                // One chain's failure does not keep the others unscrubbed; the round then counts as failed
                verdicts.failed(ChainVerdicts.SCRUB);
                failed = "scrubbing organization " + head.org() + " failed: " + e.getMessage();
            }
        }
        if (failed != null) {
            throw new LeaderJob.RetryLater(failed);
        }
        return false;
    }

    private void scrub(OrgHead head, long entries) {
        UUID org = head.org();
        record Place(Checkpoint newest, long from) {
        }
        Place place = db.inOrg(org, conn -> repository.latestCheckpoint(conn, null)
                        .chain(newest -> repository.scrubCursor(conn).map(from -> new Place(newest, from))))
                .await().atMost(MOST_A_CHAIN_TAKES);
        Checkpoint newest = place.newest();
        if (newest != null && newest.sequence() > head.sequence()) {
            // A signed checkpoint vouches for entries past the head: the chain was cut, and its head rewritten
            report(org, "it ends at entry " + head.sequence() + ", below the signed checkpoint at entry "
                    + newest.sequence());
            return;
        }
        long from = place.from();
        if (from > head.sequence() + 1) {
            report(org, "it ends at entry " + head.sequence() + ", and entry " + (from - 1) + " had been verified");
            keep(org, 1L);
            return;
        }
        if (head.sequence() == 0 || from > head.sequence()) {
            return; // no entry yet, or the chain ends exactly where the last round stopped
        }
        long to = Math.min(head.sequence(), from + entries - 1);
        Verification verdict = verifier.verify(org, from, to).await().atMost(MOST_A_CHAIN_TAKES);
        if (verdict.valid()) {
            verdicts.verdict(ChainVerdicts.SCRUB, true);
            // At the head, the next pass starts from the first entry, even while the chain grows: every entry is
            // verified again pass after pass, not only the new ones
            keep(org, to == head.sequence() ? 1L : to + 1);
        } else {
            report(org, verdict.reason() + " (entries " + from + " to " + to + " scrubbed; GET /v1/audit/verify?from="
                    + from + " names it too)");
        }
    }

    private void keep(UUID org, long next) {
        db.inOrg(org, conn -> repository.keepScrubCursor(conn, org, next)).await().atMost(MOST_A_CHAIN_TAKES);
    }

    /** An invalid verdict: counted for the alert, and an error naming the organization (formatted, so it is searchable). */
    private void report(UUID org, String why) {
        verdicts.verdict(ChainVerdicts.SCRUB, false);
        LOG.error("The audit chain of organization " + org + " does not verify: " + why);
    }
}
