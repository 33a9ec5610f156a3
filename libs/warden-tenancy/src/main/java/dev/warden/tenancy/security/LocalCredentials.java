package dev.warden.tenancy.security;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Secrets a service issues and checks itself, such as fleet-service's enrolment tokens and instance credentials. They
 * travel as {@code Authorization: Bearer <secret>} and are told apart from the identity provider's tokens by their
 * prefix; {@link ApiKeyAuthenticationMechanism} hands those it recognises to the same identity provider as API keys,
 * which asks the bean that recognised it. A service that issues none has no such bean, and nothing changes for it.
 */
public interface LocalCredentials {

    /** Whether {@code secret} is one of this bean's (by its prefix alone: no lookup). */
    boolean recognizes(String secret);

    /** The identity the secret stands for; a failure ({@code AuthenticationFailedException}) when it is unusable. */
    Uni<SecurityIdentity> authenticate(String secret);
}
