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
 * Bounds the runs at once, and the log streams open at once, in all and per organization: one beyond either bound is
 * refused at once (429 with Retry-After), never queued, so a burst cannot pile up work or memory, and one organization
 * cannot take what every other needs. The bounds are per instance.
 */
@ApplicationScoped
public class RunLimiter {

    /** What a refused client is told to wait, in seconds: about one short run. */
    static final int RETRY_AFTER_SECONDS = 2;

    private final Bound runs;
    private final Bound logStreams;

    public RunLimiter(RunnerConfig config) {
        this.runs = new Bound("too_many_runs", "runs in progress", "concurrent runs", config.maxConcurrent(),
                config.maxConcurrentPerOrg());
        this.logStreams = new Bound("too_many_log_streams", "log streams open", "open log streams",
                config.maxLogStreams(), config.maxLogStreamsPerOrg());
    }

    /** A slot for one run of {@code org}, or a 429 {@code too_many_runs} with Retry-After. Release it exactly once. */
    public Permit acquire(UUID org) {
        return runs.acquire(org);
    }

    /**
     * A slot for one open log stream of {@code org}, or a 429 {@code too_many_log_streams}: each stream of a finished
     * run holds its output and writes it line by line (a user trial's 60 streams of a run of 262,144 empty lines
     * took runner-service's event loops, and its answers to every organization, for tens of seconds).
     */
    public Permit acquireLogStream(UUID org) {
        return logStreams.acquire(org);
    }

    private final class Bound {
        private final String code;
        private final String perOrgWhat;
        private final String globalWhat;
        private final Semaphore global;
        private final int perOrg;
        private final Map<UUID, Semaphore> orgs = new ConcurrentHashMap<>();

        Bound(String code, String perOrgWhat, String globalWhat, int global, int perOrg) {
            this.code = code;
            this.perOrgWhat = perOrgWhat;
            this.globalWhat = globalWhat;
            this.global = new Semaphore(global);
            this.perOrg = perOrg;
        }

        Permit acquire(UUID org) {
            Semaphore mine = orgs.computeIfAbsent(org, o -> new Semaphore(perOrg));
            if (!mine.tryAcquire()) {
                throw ApiException.tooManyRequests(code, "Your organization already has " + perOrg + " " + perOrgWhat
                        + "; try again later", Duration.ofSeconds(RETRY_AFTER_SECONDS));
            }
            if (!global.tryAcquire()) {
                mine.release();
                throw ApiException.tooManyRequests(code, "The runner is at its limit of " + globalWhat + "; try again "
                        + "later", Duration.ofSeconds(RETRY_AFTER_SECONDS));
            }
            return new Permit(global, mine);
        }
    }

    /** One slot; releasing twice is harmless. */
    public static final class Permit {
        private final Semaphore global;
        private final Semaphore org;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(Semaphore global, Semaphore org) {
            this.global = global;
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
