package dev.warden.api;

import dev.warden.api.ErrorResponse.FieldError;

import java.util.List;

/** A refusal the client can act on; the mapper turns it into the error shape with its status. */
public class ApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final transient List<FieldError> details;
    private final long retryAfterSeconds;

    public ApiException(int status, String code, String message, List<FieldError> details) {
        this(status, code, message, details, 0);
    }

    protected ApiException(int status, String code, String message, List<FieldError> details, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = details == null ? List.of() : List.copyOf(details);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** A 429: the caller went over a limit; it may try again after {@code retryAfter} (the Retry-After header). */
    public static ApiException tooManyRequests(String message, java.time.Duration retryAfter) {
        return tooManyRequests("too_many_requests", message, retryAfter);
    }

    /** A 429 with its own {@code code} (e.g. {@code too_many_runs}). */
    public static ApiException tooManyRequests(String code, String message, java.time.Duration retryAfter) {
        return new ApiException(429, code, message, List.of(), Math.max(1, (retryAfter.toMillis() + 999) / 1000));
    }

    public static ApiException badRequest(String message, List<FieldError> details) {
        return new ApiException(400, "invalid_request", message, details);
    }

    public static ApiException invalidField(String field, String reason) {
        return badRequest("Invalid " + field + ": " + reason, List.of(new FieldError(field, reason)));
    }

    public static ApiException notFound(String what) {
        return new ApiException(404, "not_found", what + " not found", List.of());
    }

    /** {@code value}, or a 404 naming {@code what} when a lookup found nothing (null). */
    public static <T> T found(T value, String what) {
        if (value == null) {
            throw notFound(what);
        }
        return value;
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message, List.of());
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, "conflict", message, List.of());
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public List<FieldError> details() {
        return details;
    }

    /** Seconds for the Retry-After header; 0: none. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
