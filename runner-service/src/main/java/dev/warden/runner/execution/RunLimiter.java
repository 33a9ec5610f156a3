package dev.warden.runner.execution;

import dev.warden.api.Slots;
import dev.warden.runner.tier.RunnerConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.UUID;

/**
 * Bounds the runs at once, in all and per organization ({@link Slots}): a run beyond either is refused at once (429
 * {@code too_many_runs} with Retry-After), never queued. The bound is per instance.
 */
@ApplicationScoped
public class RunLimiter {

    /** What a refused client is told to wait, in seconds: about one short run. */
    static final int RETRY_AFTER_SECONDS = 2;

    private final Slots runs;

    public RunLimiter(RunnerConfig config) {
        this.runs = new Slots("too_many_runs", "runs in progress", "concurrent runs", config.maxConcurrent(),
                config.maxConcurrentPerOrg(), Duration.ofSeconds(RETRY_AFTER_SECONDS));
    }

    /** A slot for one run of {@code org}, or a 429 {@code too_many_runs} with Retry-After. Release it exactly once. */
    public Slots.Permit acquire(UUID org) {
        return runs.acquire(org);
    }
}
