package dev.warden.fleet.api;

import dev.warden.api.ApiException;
import dev.warden.api.ErrorResponse;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A refusal answered in the envelope by its own mapper: for the one place response filters do not reach, a
 * Server-Sent Events method refusing its request before the stream starts.
 */
public class EnvelopedRefusal extends ApiException {

    public EnvelopedRefusal(ApiException refusal) {
        super(refusal.status(), refusal.code(), refusal.getMessage(), refusal.details());
    }

    public static class Mapper {

        @ServerExceptionMapper
        public RestResponse<Envelope.Failure> refused(EnvelopedRefusal e) {
            return RestResponse.ResponseBuilder.<Envelope.Failure>create(e.status())
                    .entity(Envelope.Failure.of(ErrorResponse.of(e.code(), e.getMessage(), e.details())))
                    .type(MediaType.APPLICATION_JSON_TYPE).build();
        }
    }
}
