package dev.warden.tenancy.security;

import dev.warden.api.ApiException;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * A stream (Server-Sent Events) outlives the check made when it opened, so it is checked again while it runs: it ends
 * once the credential that opened it stops being usable, an API key revoked or expired, a bearer token past its expiry,
 * the organization disabled. The check reads the same {@link AccessDirectory} every request is checked against, before
 * each item and every {@link #EVERY} between items, so a revocation ends a stream as soon as it reaches the service.
 */
@ApplicationScoped
public class CredentialWatch {

    public static final Duration EVERY = Duration.ofSeconds(1);
    /** How long {@link #stillUsable} may wait for the broker before it answers 503. */
    public static final Duration CATCH_UP = Duration.ofSeconds(5);

    private final AccessDirectory directory;
    private final SecurityIdentity identity;

    /** {@code identity} is the current request's: read when a stream opens, during the request that opens it. */
    public CredentialWatch(AccessDirectory directory, SecurityIdentity identity) {
        this.directory = directory;
        this.identity = identity;
    }

    /** Whether the credential of the current request can still be used, asked anew each time it is called. */
    public BooleanSupplier usable() {
        UUID org = Identities.org(identity);
        BooleanSupplier orgActive = () -> org == null || directory.organizationActive(org);
        UUID key = Identities.apiKey(identity);
        if (key != null) {
            return () -> directory.usableKeyById(key).isPresent();
        }
        if (identity.getPrincipal() instanceof JsonWebToken token) {
            long expiry = token.getExpirationTime();
            return () -> (expiry <= 0 || Instant.now().getEpochSecond() < expiry) && orgActive.getAsBoolean();
        }
        return orgActive; // a service's own credentials (a fleet instance's) are checked by that service
    }

    /**
     * Completes once this service knows every access change answered before this call (its {@link AccessDirectory}
     * {@link AccessDirectory#current current}) and the current request's credential is still usable by it; a 401 when
     * it is not (revoked, expired, its organization disabled), a 503 when the broker cannot say within {@link #CATCH_UP}.
     * For what outlasts the request and must not follow a revocation's {@code 200} (starting a workload, issuing a
     * credential): a request checked as it came in, a moment before the revocation reached this service, is checked
     * again against it. Call it during the request (the identity is the request's).
     */
    public Uni<Void> stillUsable() {
        BooleanSupplier usable = usable();
        return directory.current(CATCH_UP).invoke(() -> {
            if (!usable.getAsBoolean()) {
                throw new ApiException(401, "unauthorized", "Your credential was revoked or expired, or its organization "
                        + "disabled, while this request was on its way", List.of());
            }
        });
    }

    /** {@code stream}, ended (completed) once the credential of the current request stops being usable. */
    public <T> Multi<T> whileUsable(Multi<T> stream) {
        BooleanSupplier usable = usable();
        return Multi.createFrom().emitter(emitter -> {
            Cancellable checks = Multi.createFrom().ticks().every(EVERY).subscribe().with(tick -> {
                if (!usable.getAsBoolean()) {
                    emitter.complete();
                }
            }, failure -> { });
            Cancellable items = stream.subscribe().with(item -> {
                if (usable.getAsBoolean()) {
                    emitter.emit(item);
                } else {
                    emitter.complete();
                }
            }, emitter::fail, emitter::complete);
            emitter.onTermination(() -> {
                checks.cancel();
                items.cancel();
            });
        });
    }
}
