package dev.warden.tenancy.db;

import dev.warden.api.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A request that names something a service knows only from another service's events (an agent, in fleet-service's and
 * audit-service's projections of {@code warden.agents.v1}) can come a moment before the event does: an agent created
 * and enrolled by one script, back to back. Such a lookup throws {@link #notYetKnown}; {@link #withCatchUp} then waits
 * for the projection, asking it every {@value #POLL_MILLIS} ms in a short transaction of its own (no connection is held
 * while waiting) for up to {@code warden.projection.catch-up} (2 s), and runs the operation once more when the thing is
 * known. Only a request that would have been a 404 waits: the others pay nothing. Still unknown then, the 404 stands
 * only once the broker confirms that the projection holds every event it held for the thing ({@code confirmed}, within
 * {@link #CONFIRM}); when it cannot (the broker unreachable, the projection behind it), a 503 with Retry-After: the
 * thing may exist (a user trial's agent, created while the broker was down, was answered "Agent not found" by
 * audit-service, which a client takes as final). At most {@code warden.projection.waiting-per-org} (8) of an
 * organization's requests wait at once; beyond, a 429 with Retry-After at once (not a 404 the wait might have undone).
 */
@ApplicationScoped
public class Projections {

    static final long POLL_MILLIS = 100;
    /** How long the broker may take to confirm a projection holds everything about a thing before the 503. */
    public static final Duration CONFIRM = Duration.ofSeconds(5);

    private final TenantDb db;
    private final Vertx vertx;
    private final Duration catchUp;
    private final int waitingPerOrg;
    private final Map<UUID, Semaphore> waiting = new ConcurrentHashMap<>();
    private final Counter refused;

    public Projections(TenantDb db, Vertx vertx,
                       @ConfigProperty(name = "warden.projection.catch-up", defaultValue = "2s") Duration catchUp,
                       @ConfigProperty(name = "warden.projection.waiting-per-org", defaultValue = "8") int waitingPerOrg,
                       MeterRegistry meters) {
        this.db = db;
        this.vertx = vertx;
        this.catchUp = catchUp;
        this.waitingPerOrg = waitingPerOrg;
        this.refused = Counter.builder("warden.projection.waits.refused")
                .description("Requests for something not (yet) known answered at once, their organization having "
                        + "as many waiting for the projection as it may (a 429)").register(meters);
    }

    /** The 404 of a thing a projection does not hold (yet): {@code what} is its kind, as in "Agent not found". */
    public static ApiException notYetKnown(String what) {
        return new NotYetKnown(what);
    }

    /**
     * Runs {@code operation}; if it fails with {@link #notYetKnown}, waits until {@code known} answers true in {@code org}
     * and runs it once more. When the wait is over, {@code confirmed} (completes once the projection holds every event
     * the broker held for the thing; a 503 {@code UnavailableException} when that cannot be known within
     * {@link #CONFIRM}, such as {@code ReplayOffsets.applied}), then {@code operation} once more: its 404 stands.
     */
    public <T> Uni<T> withCatchUp(UUID org, Supplier<Uni<T>> operation, Function<SqlConnection, Uni<Boolean>> known,
                                  Supplier<Uni<Void>> confirmed) {
        return operation.get().onFailure(NotYetKnown.class).recoverWithUni(unknown -> {
            // At most warden.projection.waiting-per-org of an organization's requests wait at once; the others are
            // a 429 now. A user trial's 300 requests at once for agents that did not exist each waited 2 s,
            // asking the database ten times a second, and held the local gateway's connections to the service that
            // every other organization's requests needed (their heartbeats took 4 s instead of 7 ms).
            Semaphore slots = waiting.computeIfAbsent(org, o -> new Semaphore(waitingPerOrg));
            if (!slots.tryAcquire()) {
                refused.increment();
                return Uni.createFrom().failure(ApiException.tooManyRequests("too_many_waiting", "As many of your"
                        + " organization's requests as may are waiting for what they name to reach this service (it may"
                        + " have been created a moment ago)", catchUp));
            }
            long deadline = System.nanoTime() + catchUp.toNanos();
            return awaitKnown(org, known, deadline)
                    .chain(found -> found ? operation.get() : confirmed.get().chain(operation::get))
                    .onTermination().invoke(slots::release);
        });
    }

    private Uni<Boolean> awaitKnown(UUID org, Function<SqlConnection, Uni<Boolean>> known, long deadline) {
        if (System.nanoTime() >= deadline) {
            return Uni.createFrom().item(false);
        }
        // A Vert.x timer: it fires on the caller's event loop, where the next transaction belongs
        return Uni.createFrom().<Void>emitter(waited -> vertx.setTimer(POLL_MILLIS, id -> waited.complete(null)))
                .chain(() -> db.inOrg(org, known))
                .chain(found -> found ? Uni.createFrom().item(true) : awaitKnown(org, known, deadline));
    }

    /** A 404 like any other to the caller. */
    static final class NotYetKnown extends ApiException {
        NotYetKnown(String what) {
            super(404, "not_found", what + " not found", List.of());
        }
    }
}
