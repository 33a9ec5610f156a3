package dev.warden.runner.execution;

import dev.warden.api.ErrorResponse;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.List;

/** A run beyond the concurrency limits: 429 {@code too_many_runs} with Retry-After, in the error shape. */
public class TooManyRunsException extends RuntimeException {

    private final int retryAfterSeconds;

    public TooManyRunsException(String message, int retryAfterSeconds) {
        super(message, null, false, false);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The mapper (the shared ErrorMappers know no 429). */
    public static class Mapper {
        @ServerExceptionMapper
        public RestResponse<ErrorResponse> tooMany(TooManyRunsException e) {
            return RestResponse.ResponseBuilder.<ErrorResponse>create(429)
                    .entity(ErrorResponse.of("too_many_runs", e.getMessage(), List.of()))
                    .type(MediaType.APPLICATION_JSON_TYPE)
                    .header("Retry-After", e.retryAfterSeconds())
                    .build();
        }
    }
}
