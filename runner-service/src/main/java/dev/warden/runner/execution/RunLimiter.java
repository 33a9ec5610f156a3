package dev.warden.runner.execution;

import dev.warden.api.Slots;
import dev.warden.runner.tier.RunnerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * Bounds the runs at once, in all and per organization ({@link Slots}): a run beyond either is refused at once (429
 * {@code too_many_runs} with Retry-After), never queued. The bound in all is per instance (what its engine takes); the
 * bound per organization holds across replicas too ({@link #withinOrganization}).
 */
@ApplicationScoped
public class RunLimiter {

    /** What a refused client is told to wait, in seconds: about one short run. */
    static final int RETRY_AFTER_SECONDS = 2;
    /** How long after its longest tier's deadline a run still recorded as running is counted: its outcome's record. */
    static final Duration RECORDING_GRACE = Duration.ofMinutes(5);

    private final Slots runs;
    private final ExecutionRepository executions;
    private final Duration counted;

    public RunLimiter(RunnerConfig config, ExecutionRepository executions, MeterRegistry meters) {
        this.runs = new Slots("too_many_runs", "runs in progress", "concurrent runs", config.maxConcurrent(),
                config.maxConcurrentPerOrg(), Duration.ofSeconds(RETRY_AFTER_SECONDS))
                .meteredAs(meters, "warden.runner.runs.in_progress", "warden.runner.runs.refused", "Runs");
        this.executions = executions;
        this.counted = config.tiers().values().stream().map(RunnerConfig.TierConfig::timeout)
                .max(Duration::compareTo).orElse(Duration.ZERO).plus(RECORDING_GRACE);
    }

    /** A slot for one run of {@code org}, or a 429 {@code too_many_runs} with Retry-After. Release it exactly once. */
    public Slots.Permit acquire(UUID org) {
        return runs.acquire(org);
    }

    /**
     * In the transaction that records a new run of {@code org}: a 429 {@code too_many_runs} when the organization
     * already has its bound of runs in progress on all replicas together (each replica's own slots bound only its own
     * runs: two replicas ran twice the bound at once). Runs recorded as running are counted, except those started
     * longer ago than the longest tier's deadline and {@link #RECORDING_GRACE}: a replica that died and never came back
     * left them so, and they hold nothing.
     */
    public Uni<Void> withinOrganization(SqlConnection conn, UUID org) {
        return executions.runningOfOrganization(conn, org, Instant.now().minus(counted))
                .invoke(running -> {
                    if (running >= runs.perOrg()) {
                        throw runs.organizationFull();
                    }
                })
                .replaceWithVoid();
    }
}
