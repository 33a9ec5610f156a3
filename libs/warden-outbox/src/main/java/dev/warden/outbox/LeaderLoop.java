package dev.warden.outbox;

import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one {@link LeaderJob} on one replica: its own platform thread and a {@link LeaderConnection} holding the job's
 * advisory lock. While another replica holds the lock it stands by and tries again every five poll intervals. As
 * leader it runs the job's rounds back to back while they report more pending, otherwise waits for a NOTIFY on the
 * job's channel or its interval; a job done {@linkplain LeaderJob#once() once} ends its loop (and releases the lock)
 * after its first completed round. A lost connection (and with it the lock) is reopened, a round that failed outside
 * the database is retried on the same connection, both after a backoff doubling from 100 ms up to
 * {@code warden.outbox.max-backoff}. In a service {@link LeaderJobs} starts and stops the loops; benchmarks and tests
 * may drive one directly.
 */
public final class LeaderLoop {

    private static final Logger LOG = Logger.getLogger(LeaderLoop.class);
    private static final long FIRST_BACKOFF_MS = 100;

    private final LeaderJob job;
    private final LeaderConnection database;
    private final OutboxConfig config;
    private volatile boolean running;
    private volatile boolean leader;
    private volatile boolean done;
    private volatile boolean refused;
    private volatile Instant lastTrouble;
    private final AtomicLong refusals = new AtomicLong();
    private final AtomicLong failedRounds = new AtomicLong();
    private volatile long lastRoundMillis;
    private volatile Throwable died;
    private Thread thread;

    public LeaderLoop(LeaderJob job, LeaderConnection database, OutboxConfig config) {
        this.job = job;
        this.database = database;
        this.config = config;
    }

    public synchronized void start() {
        if (!running) {
            running = true;
            thread = Thread.ofPlatform().name("warden-" + job.name()).start(this::runUntilStopped);
        }
    }

    /** Stops after the current round (a round blocked on the broker is interrupted) and releases the lock. */
    public synchronized void stop() {
        signalStop();
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
    }

    /** Tells the loop to stop without waiting for it, so that several loops stop together. */
    synchronized void signalStop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /**
     * What ended the loop's thread while it was to go on (an {@link Error}, such as running out of memory, that no
     * round recovers from), or null. The lock went with the thread's connection, so another replica may lead; this one
     * never will again until it restarts, which its liveness check asks for ({@link BackgroundWorkLiveness}).
     */
    public Throwable died() {
        return died;
    }

    /** Whether this replica holds the job's lock at the moment. */
    public boolean isLeader() {
        return leader;
    }

    public String name() {
        return job.name();
    }

    /** When this replica last completed a round of the job (epoch milliseconds), 0 if never. */
    public long lastRoundMillis() {
        return lastRoundMillis;
    }

    /** How many of this replica's rounds failed (each retried after a backoff). */
    public long failedRounds() {
        return failedRounds.get();
    }

    /**
     * Whether this replica's last try of the lock found another replica holding it (false while it leads, and while it
     * cannot reach the database to try).
     */
    public boolean refused() {
        return refused;
    }

    /** When this replica last failed to reach the database for the job (null if never): its sessions may be back. */
    public Instant lastTrouble() {
        return lastTrouble;
    }

    /** How often this replica tried the lock and found another replica holding it. */
    public long refusals() {
        return refusals.get();
    }

    private void runUntilStopped() {
        try {
            run();
        } catch (Error e) {
            died = e;
            leader = false;
            LOG.errorf(e, "%s stopped for good on this replica; its liveness check is DOWN until it restarts", job.name());
        }
    }

    private void run() {
        Backoff reconnect = new Backoff();
        String channel = job.channel().orElse(null);
        while (running() && !done) {
            try (Connection conn = database.open(channel, job.lockId(), job.name())) {
                refused = conn == null;
                if (conn == null) {
                    refusals.incrementAndGet();
                    reconnect.reset();
                    pause(config.pollInterval().toMillis() * 5);
                    continue;
                }
                leader = true;
                try {
                    lead(conn, reconnect);
                } finally {
                    leader = false;
                }
            } catch (LeaderJob.RetryLater e) {
                // The job declined the lock it was given (its lead): it is given back, and asked for again later
                if (running()) {
                    LOG.infof("%s: %s", job.name(), e.getMessage());
                    pause(config.pollInterval().toMillis() * 5);
                }
            } catch (SQLException e) {
                refused = false;
                lastTrouble = Instant.now();
                if (running()) {
                    LOG.warnf("%s lost its database connection, retrying: %s", job.name(), e.getMessage());
                    pause(reconnect.next());
                }
            } catch (RuntimeException e) {
                if (running()) {
                    LOG.errorf(e, "%s failed to take up its work, retrying", job.name());
                    pause(reconnect.next());
                }
            }
        }
    }

    private void lead(Connection conn, Backoff reconnect) throws SQLException {
        job.lead(conn);
        LOG.infof("%s: this replica leads", job.name());
        try {
            rounds(conn, reconnect);
        } finally {
            LOG.infof("%s: this replica no longer leads", job.name());
        }
    }

    private void rounds(Connection conn, Backoff reconnect) throws SQLException {
        PGConnection notifications = conn.unwrap(PGConnection.class);
        Backoff failures = new Backoff();
        while (running()) {
            boolean more;
            try {
                more = job.runOnce(conn);
            } catch (LeaderJob.RetryLater e) {
                failedRounds.incrementAndGet();
                if (running()) {
                    LOG.warnf("%s: %s; retrying", job.name(), e.getMessage());
                    pause(failures.next());
                }
                continue;
            } catch (RuntimeException e) {
                failedRounds.incrementAndGet();
                if (running()) {
                    LOG.errorf(e, "%s failed a round, retrying", job.name());
                    pause(failures.next());
                }
                continue;
            }
            lastRoundMillis = System.currentTimeMillis();
            failures.reset();
            reconnect.reset();
            if (job.once()) {
                done = true;
                LOG.infof("%s: done on this replica", job.name());
                return;
            }
            if (!more) {
                awaitWork(notifications);
            }
        }
    }

    /** Waits for a NOTIFY or the job's interval, in slices of at most a poll interval so that stop() is prompt. */
    private void awaitWork(PGConnection notifications) throws SQLException {
        long poll = Math.max(1, config.pollInterval().toMillis());
        long until = System.nanoTime() + job.interval().orElse(config.pollInterval()).toNanos();
        while (running()) {
            long left = Duration.ofNanos(until - System.nanoTime()).toMillis();
            if (left <= 0) {
                return;
            }
            // Reads the connection even without a channel, so a lost connection (and lock) shows here.
            PGNotification[] woken = notifications.getNotifications((int) Math.min(Math.max(left, 1), poll));
            if (woken != null && woken.length > 0) {
                return;
            }
        }
    }

    /** Running until stop(); an interrupt from anywhere else stops the loop as well. */
    private boolean running() {
        if (Thread.currentThread().isInterrupted()) {
            running = false;
        }
        return running;
    }

    private void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private final class Backoff {

        private long next = FIRST_BACKOFF_MS;

        long next() {
            long cap = Math.max(FIRST_BACKOFF_MS, config.maxBackoff().toMillis());
            long now = Math.min(next, cap);
            next = Math.min(now * 2, cap);
            return now;
        }

        void reset() {
            next = FIRST_BACKOFF_MS;
        }
    }
}
