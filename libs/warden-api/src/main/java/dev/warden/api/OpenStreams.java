package dev.warden.api;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.UUID;

/**
 * The event streams a service has open (registry-service's summaries, fleet-service's transitions, runner-service's
 * logs), bounded per organization ({@code warden.streams.max-per-org}, 16) and in all ({@code warden.streams.max},
 * 1000), per instance: beyond either, 429 {@code too_many_streams} with Retry-After, before the stream begins. A stream
 * holds a connection through every proxy in front for as long as it is open: unbounded, one organization's viewer
 * opened a hundred and the local gateway's connections to the service were all taken, so every organization's
 * requests to it (the CISO's view, every instance's heartbeats) waited without an answer.
 */
@ApplicationScoped
public class OpenStreams {

    private static final Duration FIRST_READ = Duration.ofSeconds(30);

    private final Slots slots;

    public OpenStreams(@ConfigProperty(name = "warden.streams.max-per-org", defaultValue = "16") int perOrg,
                       @ConfigProperty(name = "warden.streams.max", defaultValue = "1000") int max,
                       MeterRegistry meters) {
        this.slots = new Slots("too_many_streams", "event streams open", "open event streams", max, perOrg,
                Duration.ofSeconds(5)).meteredAs(meters, "warden.streams.open", "warden.streams.refused", "Event streams");
    }

    /** {@code stream}, holding one of {@code org}'s slots until it ends, fails or its client goes; or the 429 now. */
    public <T> Multi<T> bounded(UUID org, Multi<T> stream) {
        Slots.Permit open = slots.acquire(org);
        return stream.onTermination().invoke(open::release);
    }

    /**
     * What a stream needs to begin (the execution it follows, the first summary, where to resume), read on the calling
     * worker thread before it begins: a stream method is {@code @Blocking} and calls this first. Once an event stream
     * has begun no status can follow, so an unknown id must be its 404 and a database away its 503 with
     * {@code Retry-After}, in the error shape, before that: a soak trial's registry streams were reset without any
     * answer during an outage, and fleet's answered a 200 that ended at once, again and again. Waited for beyond the
     * database's own start deadline (TenantDb: 10 s), so that an outage is that 503, never a timeout of this wait.
     */
    public static <T> T readBeforeItBegins(Uni<T> read) {
        return read.await().atMost(FIRST_READ);
    }

    /** A slot of {@code org}'s for a stream written through an {@code SseEventSink}: release it when the sink closes. */
    public Slots.Permit open(UUID org) {
        return slots.acquire(org);
    }
}
