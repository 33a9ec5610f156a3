package dev.warden.fleet;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Liveness settings ({@code warden.fleet.*}); see docs/fleet-service.md. */
@ConfigMapping(prefix = "warden.fleet")
public interface FleetConfig {

    /** How often an instance is told to send a heartbeat (seed 003: 60 s). */
    @WithDefault("60s")
    Duration heartbeatInterval();

    /** An online instance without a heartbeat for this long becomes stale. */
    @WithDefault("180s")
    Duration staleAfter();

    /** A stale instance without a heartbeat for this long (since its last one) becomes offline. */
    @WithDefault("600s")
    Duration offlineAfter();

    /** The sweep's period; empty: a 20th of the stale threshold, so a mark is at most 5% late. */
    Optional<Duration> sweepInterval();

    /** Whether this replica takes part in the liveness sweep (it runs on one replica at a time). */
    @WithDefault("true")
    boolean sweepEnabled();

    /** Heartbeats written in one batch at most (coalesced into one statement and one commit per organization). */
    @WithDefault("1000")
    int heartbeatBatchSize();

    /**
     * Heartbeat batches written at once (each one transaction per organization). Two keep both cores of a small
     * database busy while one batch waits for its commit's flush; more make smaller batches, a commit each, for the same
     * heartbeats (docs/benchmarks.md, section 5: 4 writers cost PostgreSQL about twice the CPU per heartbeat of 2).
     */
    @WithDefault("2")
    int heartbeatWriters();

    /**
     * How often the sweep publishes each online instance's last figures ({@code instance-summary} events): Kafka
     * traffic follows the fleet's size, not its heartbeat rate. audit-service records each one.
     */
    @WithDefault("15m")
    Duration summaryInterval();

    /**
     * How long a replica remembers a checked instance credential. Longer than the heartbeat interval, or every
     * heartbeat would look its credential up again; safe because a credential never changes its instance and the
     * heartbeat itself refuses a deregistered one (404 where another replica would say 401).
     */
    @WithDefault("10m")
    Duration credentialCache();

    /** Refuses to start with thresholds that would mark healthy instances: stale after a missed heartbeat or more. */
    default void check() {
        if (staleAfter().compareTo(heartbeatInterval()) <= 0 || offlineAfter().compareTo(staleAfter()) <= 0
                || sweepPeriod().isZero() || sweepPeriod().isNegative()) {
            throw new IllegalStateException("warden.fleet: need heartbeat-interval (" + heartbeatInterval()
                    + ") < stale-after (" + staleAfter() + ") < offline-after (" + offlineAfter()
                    + ") and a positive sweep interval (" + sweepPeriod() + ")");
        }
    }

    default Duration sweepPeriod() {
        return sweepInterval().orElse(staleAfter().dividedBy(20));
    }
}
