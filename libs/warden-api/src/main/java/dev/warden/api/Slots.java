package dev.warden.api;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

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
    private final int bound;
    private final Semaphore global;
    private final int perOrg;
    private final Map<UUID, Semaphore> orgs = new ConcurrentHashMap<>();
    private final LongAdder refusedForOrganization = new LongAdder();
    private final LongAdder refusedForInstance = new LongAdder();

    /**
     * {@code heldPerOrg} and {@code heldInAll} name what is held in the refusals: "Your organization already has 4
     * runs in progress", "The service is at its limit of concurrent runs".
     */
    public Slots(String code, String heldPerOrg, String heldInAll, int global, int perOrg, Duration retryAfter) {
        this.code = code;
        this.heldPerOrg = heldPerOrg;
        this.heldInAll = heldInAll;
        this.retryAfter = retryAfter;
        this.bound = global;
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
            refusedForInstance.increment();
            throw ApiException.tooManyRequests(code, "The service is at its limit of " + heldInAll + "; try again later",
                    retryAfter);
        }
        return new Permit(global, mine);
    }

    /**
     * The 429 of an organization at its bound, counted as a refusal; also for a bound counted elsewhere (across
     * replicas).
     */
    public ApiException organizationFull() {
        refusedForOrganization.increment();
        return ApiException.tooManyRequests(code, "Your organization already has " + perOrg + " " + heldPerOrg
                + "; try again later", retryAfter);
    }

    public int perOrg() {
        return perOrg;
    }

    /**
     * Exports what this instance holds now, gauge {@code held} ({@code "warden.streams.open"}), and the refusals,
     * counter {@code refused} with {@code bound} {@code organization} or {@code instance}: how close to its bounds an
     * instance runs, and whether callers meet them.
     */
    public Slots meteredAs(MeterRegistry meters, String held, String refused, String what) {
        Gauge.builder(held, this, s -> s.bound - s.global.availablePermits())
                .description(what + " held on this instance now").register(meters);
        FunctionCounter.builder(refused, refusedForOrganization, LongAdder::sum).tag("bound", "organization")
                .description(what + " refused (429) at an organization's bound or the instance's")
                .register(meters);
        FunctionCounter.builder(refused, refusedForInstance, LongAdder::sum).tag("bound", "instance")
                .description(what + " refused (429) at an organization's bound or the instance's")
                .register(meters);
        return this;
    }

    /**
     * A slot held by an answer read from the database and then sent, given back once both are over: a caller that
     * leaves does not end the read, which goes on into memory (a re-trial's compliance downloads abandoned after 150 ms
     * each passed the bound and ran the service out of memory).
     */
    public Held hold(UUID org) {
        return new Held(acquire(org));
    }

    /** See {@link #hold}: {@link #read} and {@link #answered} each once (again is harmless), in either order. */
    public static final class Held {
        private final Permit permit;
        private final AtomicInteger open = new AtomicInteger(2);
        private final AtomicBoolean answered = new AtomicBoolean();
        private final AtomicBoolean read = new AtomicBoolean();

        private Held(Permit permit) {
            this.permit = permit;
        }

        /**
         * {@code read} run once whatever becomes of the request (a caller who leaves does not end it), {@link #read}
         * heard when it is over, and its item handed on on a worker thread, where an answer of tens of megabytes is
         * written, never an event loop.
         */
        public <T> Uni<T> reading(Uni<T> read) {
            Uni<T> once = read.memoize().indefinitely();
            once.subscribe().with(item -> read(), failure -> read());
            return once.emitOn(Infrastructure.getDefaultWorkerPool());
        }

        /** The read is over, whatever became of it. */
        public void read() {
            if (read.compareAndSet(false, true)) {
                end();
            }
        }

        /** The answer was sent, or its caller left. */
        public void answered() {
            if (answered.compareAndSet(false, true)) {
                end();
            }
        }

        private void end() {
            if (open.decrementAndGet() == 0) {
                permit.release();
            }
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
