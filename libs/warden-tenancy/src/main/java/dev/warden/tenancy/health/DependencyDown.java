package dev.warden.tenancy.health;

import dev.warden.api.UnavailableException;
import org.eclipse.microprofile.health.HealthCheckResponse;

import java.time.Duration;
import java.util.concurrent.CompletionException;

/** A readiness answer for a dependency that failed to answer, with a reason an operator can act on. */
final class DependencyDown {

    private DependencyDown() {
    }

    static HealthCheckResponse of(String dependency, Throwable failure, Duration timeout) {
        Throwable e = failure;
        while ((e instanceof CompletionException || e instanceof UnavailableException) && e.getCause() != null) {
            e = e.getCause(); // what failed, not the wrapping a request would have been answered with
        }
        String reason = e.getClass().getSimpleName().endsWith("TimeoutException")
                ? "no answer within " + timeout.toMillis() + " ms"
                : "unreachable: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        return HealthCheckResponse.named(dependency).down().withData("reason", reason).build();
    }
}
