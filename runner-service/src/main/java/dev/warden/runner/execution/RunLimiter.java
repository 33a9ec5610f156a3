package dev.warden.runner.execution;

import dev.warden.api.ApiException;

import dev.warden.runner.tier.RunnerConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds the runs at once, in all and per organization: a run beyond either is refused at once (429 with
 * Retry-After), never queued, so a burst cannot pile up work or memory. The bound is per instance.
 */
@ApplicationScoped
public class RunLimiter {

    /** What a refused client is told to wait, in seconds: about one short run. */
    static final int RETRY_AFTER_SECONDS = 2;

    private final Semaphore global;
    private final int perOrg;
    private final Map<UUID, Semaphore> orgs = new ConcurrentHashMap<>();

    public RunLimiter(RunnerConfig config) {
        this.global = new Semaphore(config.maxConcurrent());
        this.perOrg = config.maxConcurrentPerOrg();
    }

    /** A slot for one run of {@code org}, or a 429 {@code too_many_runs} with Retry-After. Release it exactly once. */
    public Permit acquire(UUID org) {
        Semaphore mine = orgs.computeIfAbsent(org, o -> new Semaphore(perOrg));
        if (!mine.tryAcquire()) {
            throw ApiException.tooManyRequests("too_many_runs", "Your organization already has " + perOrg
                    + " runs in progress; try again later", Duration.ofSeconds(RETRY_AFTER_SECONDS));
        }
        if (!global.tryAcquire()) {
            mine.release();
            throw ApiException.tooManyRequests("too_many_runs", "The runner is at its limit of concurrent runs; try again "
                    + "later", Duration.ofSeconds(RETRY_AFTER_SECONDS));
        }
        return new Permit(mine);
    }

    /** One run's slot; releasing twice is harmless. */
    public final class Permit {
        private final Semaphore org;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(Semaphore org) {
            this.org = org;
        }

        public void release() {
            if (released.compareAndSet(false, true)) {
                global.release();
                org.release();
            }
        }
    }
}
