package dev.warden.outbox;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * Work that one replica of a service does at a time, for the whole cluster: publishing the outbox, publishing the
 * audit chain, signing checkpoints. An {@code @ApplicationScoped} bean implementing it is run by {@link LeaderJobs}
 * on a {@link LeaderLoop}; the job only says what one round of its work is.
 */
public interface LeaderJob {

    /** Short and unique, e.g. {@code outbox-relay}: names the thread ({@code warden-outbox-relay}) and log lines. */
    String name();

    /** The PostgreSQL advisory lock that makes the job once per cluster: one id per job, the same on every replica. */
    long lockId();

    /** The NOTIFY channel that wakes the idle job early; empty: it waits for {@link #interval()} only. */
    default Optional<String> channel() {
        return Optional.empty();
    }

    /** The longest wait after a round that left nothing pending; empty: {@code warden.outbox.poll-interval}. */
    default Optional<Duration> interval() {
        return Optional.empty();
    }

    /**
     * A job done once per process rather than for ever: after its first completed round this replica releases the
     * lock and its loop ends, and a replica standing by takes the lock and does its own round (a start-up task that
     * each replica checks, one at a time). False: the job runs while the replica does.
     */
    default boolean once() {
        return false;
    }

    /** Whether this replica runs the job at all (it always stands by for the lock when it does). */
    default boolean enabled() {
        return true;
    }

    /**
     * Called on the leader's fresh connection each time this replica takes the lock, before the first round: forget
     * whatever a previous leadership left half done. Throwing {@link RetryLater} declines the lock for now: it is given
     * back, and asked for again after five poll intervals.
     */
    default void lead(Connection conn) throws SQLException {
    }

    /**
     * One round of the work, on the leader's connection (platform scope, the lock held), on the loop's own platform
     * thread, so it may block. Answers whether more is pending: true runs the next round at once, false waits for a
     * NOTIFY on {@link #channel()} or for {@link #interval()}. A {@link SQLException} drops the connection and with it
     * the lock; the loop reconnects with a backoff. Throw {@link RetryLater} when something outside the database (the
     * broker) failed: the loop keeps the lock and runs the next round after a backoff.
     */
    boolean runOnce(Connection conn) throws SQLException;

    /** A round failed for a reason outside the database; its message is logged, without a stack trace. */
    final class RetryLater extends RuntimeException {

        public RetryLater(String message) {
            super(message, null, false, false);
        }
    }
}
