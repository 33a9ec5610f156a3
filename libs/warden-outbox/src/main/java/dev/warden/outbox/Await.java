package dev.warden.outbox;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.function.Supplier;

/**
 * Waiting for what another process brings about (the relay handing an event to the broker, a consumer group applying
 * it): {@code check} is asked again after 2, 4, 8, then every 10 ms (an answer waits on the relay, a few milliseconds:
 * a short pause loses little), on a Vert.x timer of the caller's context, until it answers true. Unbounded by itself:
 * the caller bounds the whole wait, its own calls before the first check included, with {@code ifNoItem()}, whose
 * cancellation stops the polling.
 */
final class Await {

    private static final long FIRST_PAUSE_MS = 2;
    private static final long LONGEST_PAUSE_MS = 10;

    private Await() {
    }

    static Uni<Void> until(Vertx vertx, Supplier<Uni<Boolean>> check) {
        return Uni.createFrom().deferred(() -> attempt(vertx, Vertx.currentContext(), check, FIRST_PAUSE_MS));
    }

    private static Uni<Void> attempt(Vertx vertx, Context context, Supplier<Uni<Boolean>> check, long pauseMs) {
        return check.get().chain(done -> done ? Uni.createFrom().voidItem() : Uni.createFrom().<Void>emitter(e -> {
                    if (context != null) {
                        context.runOnContext(ignored -> vertx.setTimer(pauseMs, id -> e.complete(null)));
                    } else {
                        vertx.setTimer(pauseMs, id -> e.complete(null));
                    }
                })
                .chain(() -> attempt(vertx, context, check, Math.min(pauseMs * 2, LONGEST_PAUSE_MS))));
    }
}
