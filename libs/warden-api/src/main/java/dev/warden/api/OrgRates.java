package dev.warden.api;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each organization's rate of one kind of work, on this instance: {@code perSecond} units a second, up to {@code burst}
 * at once (a Bucket4j token bucket per organization, refilled greedily). Beyond it, 429 with its {@code code} and
 * {@code Retry-After}, before any of the work is done; one organization's rate never takes from another's. Per
 * instance, as {@link Slots} are: with N replicas an organization gets up to N times the rate, bounded by what each
 * replica can take. Where the rate must hold across replicas it is counted in the database instead (agent-service's
 * open registration).
 */
public final class OrgRates {

    private final String code;
    private final String what;
    private final long perSecond;
    private final long burst;
    private final Map<UUID, Bucket> buckets = new ConcurrentHashMap<>();
    private Counter refused;

    /** @param what the units, plural, as a refusal names them ("reported actions") */
    public OrgRates(String code, String what, long perSecond, long burst) {
        if (perSecond < 1 || burst < 1) {
            throw new IllegalArgumentException(what + ": a rate and a burst of at least 1 (" + perSecond + ", " + burst + ")");
        }
        this.code = code;
        this.what = what;
        this.perSecond = perSecond;
        this.burst = burst;
    }

    /** Counts each refusal in {@code name} (a counter). */
    public OrgRates meteredAs(MeterRegistry meters, String name) {
        refused = Counter.builder(name).description(what + " refused (429) past an organization's rate").register(meters);
        return this;
    }

    /** Takes {@code units} of {@code org}'s rate, or throws the 429 saying when they will be there. */
    public void take(UUID org, long units) {
        if (units > burst) {
            throw ApiException.tooManyRequests(code, "At most " + burst + " " + what + " at once", Duration.ofSeconds(1));
        }
        Bucket bucket = buckets.computeIfAbsent(org, o -> Bucket.builder()
                .addLimit(limit -> limit.capacity(burst).refillGreedy(perSecond, Duration.ofSeconds(1))).build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(units);
        if (!probe.isConsumed()) {
            if (refused != null) {
                refused.increment();
            }
            throw ApiException.tooManyRequests(code, "Your organization's " + what + " are past its rate, " + perSecond
                    + " a second (up to " + burst + " at once)", Duration.ofNanos(probe.getNanosToWaitForRefill()));
        }
    }
}
