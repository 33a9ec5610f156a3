package dev.warden.tenancy.security;

import dev.warden.api.ErrorMappers;
import dev.warden.api.ErrorResponse;
import dev.warden.api.UnavailableException;
import io.quarkus.oidc.OIDCException;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A bearer token checked while the identity provider cannot be reached (its discovery or keys cannot be fetched, its
 * certificate is not trusted) is a 503 to retry, as any other dependency's outage: not a 500, and not a 401, which
 * would tell the client its token is bad.
 */
public class IdentityProviderErrors {

    @ServerExceptionMapper
    public RestResponse<ErrorResponse> unreachable(OIDCException e) {
        return ErrorMappers.serviceUnavailable(new UnavailableException("identity provider", e));
    }
}
