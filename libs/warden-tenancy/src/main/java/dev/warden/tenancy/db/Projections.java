package dev.warden.tenancy.db;

import dev.warden.api.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A request that names something a service knows only from another service's events (an agent, in fleet-service's and
 * audit-service's projections of {@code warden.agents.v1}) can come a moment before the event does: an agent created
 * and enrolled by one script, back to back. Such a lookup throws {@link #notYetKnown}; {@link #withCatchUp} then waits
 * for the projection, asking it every {@value #POLL_MILLIS} ms in a short transaction of its own (no connection is held
 * while waiting) for up to {@code warden.projection.catch-up} (2 s), and runs the operation once more when the thing is
 * known, or answers the 404 it had. Only a request that would have been a 404 waits: the others pay nothing.
 */
@ApplicationScoped
public class Projections {

    static final long POLL_MILLIS = 100;

    private final TenantDb db;
    private final Vertx vertx;
    private final Duration catchUp;

    public Projections(TenantDb db, Vertx vertx,
                       @ConfigProperty(name = "warden.projection.catch-up", defaultValue = "2s") Duration catchUp) {
        this.db = db;
        this.vertx = vertx;
        this.catchUp = catchUp;
    }

    /** The 404 of a thing a projection does not hold (yet): {@code what} is its kind, as in "Agent not found". */
    public static ApiException notYetKnown(String what) {
        return new NotYetKnown(what);
    }

    /**
     * Runs {@code operation}; if it fails with {@link #notYetKnown}, waits until {@code known} answers true in {@code org}
     * and runs it once more, or answers that failure when the wait is over.
     */
    public <T> Uni<T> withCatchUp(UUID org, Supplier<Uni<T>> operation, Function<SqlConnection, Uni<Boolean>> known) {
        return operation.get().onFailure(NotYetKnown.class).recoverWithUni(unknown -> {
            long deadline = System.nanoTime() + catchUp.toNanos();
            return awaitKnown(org, known, deadline)
                    .chain(found -> found ? operation.get() : Uni.createFrom().failure(unknown));
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
