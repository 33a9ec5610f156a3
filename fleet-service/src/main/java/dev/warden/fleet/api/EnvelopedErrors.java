package dev.warden.fleet.api;

import dev.warden.api.ApiException;
import dev.warden.api.ErrorMappers;
import dev.warden.api.ErrorResponse;
import dev.warden.api.UnavailableException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.List;

/**
 * Refusals answered in the envelope by their mappers, ahead of warden-api's {@code ErrorMappers} (the same codes and
 * messages), in this service only: {@link FleetEnvelopeFilter}, a response filter, wraps every other error, but
 * response filters do not reach a Server-Sent Events method that refuses its request before its stream starts (its
 * own 429 or 400, a request filter's 400, the security checks' 401 and 403, a 503 for its first read).
 */
public final class EnvelopedErrors {

    private EnvelopedErrors() {
    }

    public static class Mapper {

        @ServerExceptionMapper(priority = Priorities.USER - 100)
        public RestResponse<Envelope.Failure> refused(ApiException e) {
            return respond(e.status(), e.code(), e.getMessage(), e.details(), e.retryAfterSeconds());
        }

        @ServerExceptionMapper(priority = Priorities.USER - 100)
        public RestResponse<Envelope.Failure> unauthenticated(UnauthorizedException e) {
            return ErrorMappers.challenge(respond(401, "unauthorized", "Missing or invalid credentials", List.of()));
        }

        @ServerExceptionMapper(priority = Priorities.USER - 100)
        public RestResponse<Envelope.Failure> authenticationFailed(AuthenticationFailedException e) {
            return ErrorMappers.challenge(respond(401, "unauthorized", ErrorMappers.unauthenticated(e), List.of()));
        }

        @ServerExceptionMapper(priority = Priorities.USER - 100)
        public RestResponse<Envelope.Failure> forbidden(ForbiddenException e, RoutingContext request) {
            return respond(403, "forbidden", ErrorMappers.forbidden(request), List.of());
        }

        /** A Server-Sent Events method whose first read finds the database or broker away, before its stream starts. */
        @ServerExceptionMapper(priority = Priorities.USER - 100)
        public RestResponse<Envelope.Failure> unavailable(UnavailableException e) {
            ErrorResponse.Body error = ErrorMappers.serviceUnavailable(e).getEntity().error();
            return respond(503, error.code(), error.message(), List.of(), UnavailableException.RETRY_AFTER_SECONDS);
        }

        private static RestResponse<Envelope.Failure> respond(int status, String code, String message,
                                                              List<ErrorResponse.FieldError> details) {
            return respond(status, code, message, details, 0);
        }

        /** {@code retryAfterSeconds} above 0: a Retry-After header too (a 429). */
        private static RestResponse<Envelope.Failure> respond(int status, String code, String message,
                                                              List<ErrorResponse.FieldError> details, long retryAfterSeconds) {
            var response = RestResponse.ResponseBuilder.<Envelope.Failure>create(status)
                    .entity(Envelope.Failure.of(ErrorResponse.of(code, message, details)))
                    .type(MediaType.APPLICATION_JSON_TYPE);
            if (retryAfterSeconds > 0) {
                response.header("Retry-After", Long.toString(retryAfterSeconds));
            }
            return response.build();
        }
    }
}
