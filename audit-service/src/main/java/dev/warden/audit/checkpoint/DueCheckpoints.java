package dev.warden.audit.checkpoint;

import dev.warden.outbox.LeaderJob;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.time.Duration;
import java.util.Optional;

/**
 * Signs a checkpoint for every organization whose head moved, once per {@code warden.audit.checkpoint-interval} and
 * only on the replica holding the checkpoint lock, so two replicas never both sign. A failed round is tried again
 * after the leader loop's backoff.
 */
@ApplicationScoped
public class DueCheckpoints implements LeaderJob {

    private static final Logger LOG = Logger.getLogger(DueCheckpoints.class);
    private static final long LOCK_ID = 0x5741524443L; // "WARDC"
    private static final Duration MOST_A_ROUND_TAKES = Duration.ofMinutes(5);

    private final CheckpointService checkpoints;
    private final SigningKey.Config config;

    public DueCheckpoints(CheckpointService checkpoints, SigningKey.Config config) {
        this.checkpoints = checkpoints;
        this.config = config;
    }

    @Override
    public String name() {
        return "audit-checkpoints";
    }

    @Override
    public long lockId() {
        return LOCK_ID;
    }

    @Override
    public Optional<Duration> interval() {
        return Optional.of(config.checkpointInterval());
    }

    /**
     * Signs on the reactive pool, waiting on the loop's own thread (never an event loop); then idles an interval. A
     * round that failed is a failed round ({@code warden_leader_job_failed_rounds_total}), tried again after the
     * loop's backoff, and never a completed one: {@code WardenCheckpointsStale} fires on the time of the last completed
     * round, so signing that fails every time (the database, the key) must not look like signing that works.
     */
    @Override
    public boolean runOnce(Connection conn) {
        try {
            int signed = checkpoints.signDue().await().atMost(MOST_A_ROUND_TAKES);
            LOG.debugf("Signed %d checkpoints", signed);
        } catch (LeaderJob.RetryLater e) {
            throw e;
        } catch (RuntimeException e) {
            throw new LeaderJob.RetryLater("checkpoint signing failed: " + e.getMessage());
        }
        return false;
    }
}
