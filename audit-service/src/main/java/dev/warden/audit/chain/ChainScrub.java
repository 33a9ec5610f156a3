package dev.warden.audit.chain;

import dev.warden.audit.chain.AuditRepository.OrgHead;
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
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Goes over every organization's chain by itself, so that an altered entry raises the alert without anyone asking for a
 * verification: each round verifies the next {@code warden.audit.scrub.entries} entries of every chain (their hashes,
 * their links, the newest checkpoint among them), where the last round stopped, and starts a chain over once it reached
 * its head. A tampered range is reported every round until the chain verifies again, each time an invalid verdict
 * ({@link ChainVerdicts}, {@code source="scrub"}) and an error in the log naming the organization and the entry; a chain
 * shorter than what was already verified of it is reported so too. A leader job: one replica scrubs at a time, and a
 * replica that takes over starts every chain from its first entry.
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
    /** Per organization, the first entry the next round verifies. */
    private final Map<UUID, Long> next = new ConcurrentHashMap<>();

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
    public void lead(Connection conn) {
        next.clear(); // what another replica verified meanwhile is not known here
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
        for (OrgHead head : heads) {
            scrub(head, entries);
        }
        return false;
    }

    private void scrub(OrgHead head, long entries) {
        long from = next.getOrDefault(head.org(), 1L);
        if (from > head.sequence() + 1) {
            verdicts.verdict(ChainVerdicts.SCRUB, false);
            LOG.error(String.format("The audit chain of organization %s does not verify: it ends at entry %d, and entry %d "
                    + "had been verified", head.org(), head.sequence(), from - 1));
            next.put(head.org(), 1L);
            return;
        }
        if (from == head.sequence() + 1) {
            from = 1; // the chain is verified to its head: the next pass starts
        }
        if (head.sequence() == 0) {
            return;
        }
        long to = Math.min(head.sequence(), from + entries - 1);
        Verification verdict;
        try {
            verdict = verifier.verify(head.org(), from, to).await().atMost(MOST_A_CHAIN_TAKES);
        } catch (RuntimeException e) {
            // The round fails (warden_leader_job_failed_rounds_total) and is tried again, from where each chain stood
            verdicts.failed(ChainVerdicts.SCRUB);
            throw new LeaderJob.RetryLater("scrubbing entries " + from + " to " + to + " of organization " + head.org()
                    + " failed: " + e.getMessage());
        }
        verdicts.verdict(ChainVerdicts.SCRUB, verdict.valid());
        if (verdict.valid()) {
            next.put(head.org(), to + 1);
        } else {
            next.put(head.org(), from);
            LOG.error(String.format("The audit chain of organization %s does not verify: %s (entries %d to %d scrubbed; "
                    + "GET /v1/audit/verify?from=%d names it too)", head.org(), verdict.reason(), from, to, from));
        }
    }
}
