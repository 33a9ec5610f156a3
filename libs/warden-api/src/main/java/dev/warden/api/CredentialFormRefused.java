package dev.warden.api;

import io.quarkus.security.AuthenticationFailedException;

import java.util.Map;

/**
 * A 401 for how a request carries its credential, not for the credential itself (two credentials in one request, a
 * fleet secret in {@code X-API-Key}): its message says what to change and nothing of whether the credential is valid,
 * so {@link ErrorMappers} answers it as it is. Every other authentication failure is answered "Missing or invalid
 * credentials", whatever its cause. (Quarkus' exception is final: the reason travels as an attribute.)
 */
public final class CredentialFormRefused {

    private static final String REASON = "warden.credential-form";

    private CredentialFormRefused() {
    }

    public static AuthenticationFailedException because(String reason) {
        return new AuthenticationFailedException(reason, Map.of(REASON, reason));
    }

    /** What to tell the caller about {@code e}: its reason when it is one of these, else null. */
    static String reason(AuthenticationFailedException e) {
        return e.getAttributes() == null ? null : e.getAttribute(REASON);
    }
}
