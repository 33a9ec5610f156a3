package dev.warden.outbox;

import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Background work that must not be lost to a database blip (a restart, a failover, a moment of overload): tried again
 * while its failure is an outage ({@link FailureKind#TRANSIENT}), from half a second to every 10 s, and failed as
 * before on anything else. A request answers an outage with a 503 and its caller retries; work that runs after its
 * request was answered (a run's outcome, a compliance package, a chain verification) has nobody to retry it but this.
 */
public final class OutageRetry {

    static final Duration FIRST = Duration.ofMillis(500);
    static final Duration MOST_BETWEEN = Duration.ofSeconds(10);

    private OutageRetry() {
    }

    /**
     * {@code work}, subscribed again after each outage for at most {@code forAtMost}, or for as long as it takes when
     * null; {@code onOutage} hears of each one (to log it). Work tried twice must be harmless twice: defer what it
     * builds ({@code Uni.createFrom().deferred}) and write conditionally.
     */
    public static <T> Uni<T> untilTheDatabaseAnswers(Uni<T> work, Duration forAtMost, Consumer<Throwable> onOutage) {
        var retry = work.onFailure(OutageRetry::outage).invoke(onOutage)
                .onFailure(OutageRetry::outage).retry().withBackOff(FIRST, MOST_BETWEEN);
        return forAtMost == null ? retry.indefinitely() : retry.expireIn(forAtMost.toMillis());
    }

    private static boolean outage(Throwable failure) {
        return FailureKind.of(failure) == FailureKind.TRANSIENT;
    }
}
