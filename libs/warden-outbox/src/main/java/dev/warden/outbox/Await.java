package dev.warden.outbox;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Waiting for what another process brings about (the relay handing an event to the broker, a consumer group applying
 * it): {@code check} is asked again after 2, 4, 8, then every 10 ms, on a Vert.x timer of the caller's context, until it
 * answers true; past {@code within} (a check that does not answer included), the wait fails with {@code late}.
 */
final class Await {

    private static final long FIRST_PAUSE_MS = 2;
    private static final long LONGEST_PAUSE_MS = 10;

    private Await() {
    }

    static Uni<Void> until(Vertx vertx, Supplier<Uni<Boolean>> check, Duration within, Supplier<RuntimeException> late) {
        return Uni.createFrom().deferred(() -> {
            Context context = Vertx.currentContext();
            long deadline = System.nanoTime() + within.toNanos();
            return attempt(vertx, context, check, deadline, FIRST_PAUSE_MS, late)
                    .ifNoItem().after(within).failWith(late);
        });
    }

    private static Uni<Void> attempt(Vertx vertx, Context context, Supplier<Uni<Boolean>> check, long deadline,
                                     long pauseMs, Supplier<RuntimeException> late) {
        return check.get().chain(done -> {
            if (done) {
                return Uni.createFrom().voidItem();
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return Uni.createFrom().failure(late.get());
            }
            long pause = Math.min(pauseMs, left);
            return Uni.createFrom().<Void>emitter(e -> {
                        if (context != null) {
                            context.runOnContext(ignored -> vertx.setTimer(pause, id -> e.complete(null)));
                        } else {
                            vertx.setTimer(pause, id -> e.complete(null));
                        }
                    })
                    .chain(() -> attempt(vertx, context, check, deadline, Math.min(pauseMs * 2, LONGEST_PAUSE_MS), late));
        });
    }
}
