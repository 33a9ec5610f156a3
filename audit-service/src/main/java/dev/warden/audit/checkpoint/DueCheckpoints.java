package dev.warden.audit.checkpoint;

import dev.warden.outbox.LeaderJob;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * Signs a checkpoint for every organization whose head moved, once per {@code warden.audit.checkpoint-interval}, and
 * within about half a second for one whose head is {@code warden.audit.checkpoint-every-entries} past its last checkpoint (so that
 * a busy chain's checkpoints stay close enough for compliance packages' proofs); only on the replica holding the
 * checkpoint lock, so two replicas never both sign. A failed round is tried again after the leader loop's backoff.
 */
@ApplicationScoped
public class DueCheckpoints implements LeaderJob {

    private static final Logger LOG = Logger.getLogger(DueCheckpoints.class);
    private static final long LOCK_ID = 0x5741524443L; // "WARDC"
    private static final Duration MOST_A_ROUND_TAKES = Duration.ofMinutes(5);

    /** How often the leader looks for chains far past their checkpoint. */
    static final Duration POLL = Duration.ofMillis(250);

    private final CheckpointService checkpoints;
    private final SigningKey.Config config;
    private final LongSupplier nanoTime;
    /** When this leader last signed every moved head ({@link System#nanoTime()}); none yet as it takes the lock. */
    private volatile OptionalLong lastFullRound = OptionalLong.empty();

    @Inject
    public DueCheckpoints(CheckpointService checkpoints, SigningKey.Config config) {
        this(checkpoints, config, System::nanoTime);
    }

    DueCheckpoints(CheckpointService checkpoints, SigningKey.Config config, LongSupplier nanoTime) {
        this.checkpoints = checkpoints;
        this.config = config;
        this.nanoTime = nanoTime;
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
        Duration interval = config.checkpointInterval();
        return Optional.of(interval.compareTo(POLL) < 0 ? interval : POLL);
    }

    /** A new leader signs every moved head in its first round, whatever the one before it did. */
    @Override
    public void lead(Connection conn) {
        lastFullRound = OptionalLong.empty();
    }

    /**
     * Signs on the reactive pool, waiting on the loop's own thread (never an event loop); then idles an interval. A
     * round that failed is a failed round ({@code warden_leader_job_failed_rounds_total}), tried again after the
     * loop's backoff, and never a completed one: {@code WardenCheckpointsStale} fires on the time of the last completed
     * round, so signing that fails every time (the database, the key) must not look like signing that works.
     */
    @Override
    public boolean runOnce(Connection conn) {
        long now = nanoTime.getAsLong();
        OptionalLong last = lastFullRound;
        boolean full = last.isEmpty() || now - last.getAsLong() >= config.checkpointInterval().toNanos();
        try {
            int signed = checkpoints.signPast(full ? 1 : config.checkpointEveryEntries()).await().atMost(MOST_A_ROUND_TAKES);
            if (full) {
                lastFullRound = OptionalLong.of(now);
            }
            LOG.debugf("Signed %d checkpoints", signed);
        } catch (LeaderJob.RetryLater e) {
            throw e;
        } catch (RuntimeException e) {
            throw new LeaderJob.RetryLater("checkpoint signing failed: " + e.getMessage());
        }
        return false;
    }
}
