package dev.warden.api;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Work that leaves the request's Vert.x context (blocking calls on a worker pool, a Kafka client's futures) comes back
 * to it before the request goes on. Context propagation is off (warden-api's configuration): the request context and
 * the trace live in the Vert.x duplicated context, so whatever follows such work (a response built with
 * {@code location()}, an error mapped, a transaction) must run there again. The one way services leave and return.
 */
public final class CallerContext {

    private CallerContext() {
    }

    /** {@code work} run on {@code workers}, its result delivered on the caller's context. */
    public static <T> Uni<T> offload(Supplier<T> work, Executor workers) {
        return resumed(Uni.createFrom().item(work).runSubscriptionOn(workers));
    }

    /** {@code elsewhere}'s item or failure delivered on the context that subscribes (as is, off a Vert.x thread). */
    public static <T> Uni<T> resumed(Uni<T> elsewhere) {
        return Uni.createFrom().deferred(() -> {
            Context caller = Vertx.currentContext();
            return caller == null ? elsewhere : elsewhere.emitOn(task -> caller.runOnContext(ignored -> task.run()));
        });
    }
}
