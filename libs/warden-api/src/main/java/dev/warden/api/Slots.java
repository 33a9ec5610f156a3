package dev.warden.api;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A bound on something held at once (runs, open event streams), in all and per organization, per instance: one beyond
 * either bound is refused at once (429 with Retry-After, the bound's own {@code code}), never queued, so a burst cannot
 * pile up work or memory, and one organization cannot take what every other needs.
 */
public final class Slots {

    private final String code;
    private final String heldPerOrg;
    private final String heldInAll;
    private final Duration retryAfter;
    private final Semaphore global;
    private final int perOrg;
    private final Map<UUID, Semaphore> orgs = new ConcurrentHashMap<>();

    /**
     * {@code heldPerOrg} and {@code heldInAll} name what is held in the refusals: "Your organization already has 4
     * runs in progress", "The service is at its limit of concurrent runs".
     */
    public Slots(String code, String heldPerOrg, String heldInAll, int global, int perOrg, Duration retryAfter) {
        this.code = code;
        this.heldPerOrg = heldPerOrg;
        this.heldInAll = heldInAll;
        this.retryAfter = retryAfter;
        this.global = new Semaphore(global);
        this.perOrg = perOrg;
    }

    /** A slot of {@code org}'s, or the 429. Release it exactly once (again is harmless). */
    public Permit acquire(UUID org) {
        Semaphore mine = orgs.computeIfAbsent(org, o -> new Semaphore(perOrg));
        if (!mine.tryAcquire()) {
            throw organizationFull();
        }
        if (!global.tryAcquire()) {
            mine.release();
            throw ApiException.tooManyRequests(code, "The service is at its limit of " + heldInAll + "; try again later",
                    retryAfter);
        }
        return new Permit(global, mine);
    }

    /** The 429 of an organization at its bound; also for a bound counted elsewhere (across replicas). */
    public ApiException organizationFull() {
        return ApiException.tooManyRequests(code, "Your organization already has " + perOrg + " " + heldPerOrg
                + "; try again later", retryAfter);
    }

    public int perOrg() {
        return perOrg;
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
