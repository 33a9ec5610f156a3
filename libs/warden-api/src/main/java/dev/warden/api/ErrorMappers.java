package dev.warden.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.warden.api.ErrorResponse.FieldError;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The only exception mappers of every service: each failure leaves as the one JSON error shape,
 * never with a stack trace or a class name in it.
 */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public RestResponse<ErrorResponse> refused(ApiException e) {
        if (e.retryAfterSeconds() > 0) {
            return RestResponse.ResponseBuilder.<ErrorResponse>create(e.status())
                    .entity(ErrorResponse.of(e.code(), e.getMessage(), e.details()))
                    .type(MediaType.APPLICATION_JSON_TYPE)
                    .header("Retry-After", String.valueOf(e.retryAfterSeconds()))
                    .build();
        }
        RestResponse<ErrorResponse> refused = respond(e.status(), e.code(), e.getMessage(), e.details());
        // Every 401 names the credentials Warden takes, a service's own refusal (open registration) too
        return e.status() == 401 ? challenge(refused) : refused;
    }

    @ServerExceptionMapper
    public RestResponse<ErrorResponse> unavailable(UnavailableException e) {
        return serviceUnavailable(e);
    }

    /** A 503 naming what was unavailable, with {@code Retry-After}; for mappers of other libraries' failures too. */
    public static RestResponse<ErrorResponse> serviceUnavailable(UnavailableException e) {
        LOG.warnf("Answered 503: %s", e.getMessage());
        String message = "The " + e.dependency() + " is unavailable" + (e.done() == null ? "; try again later"
                : ": " + e.done());
        return RestResponse.ResponseBuilder.<ErrorResponse>create(503)
                .entity(ErrorResponse.of("service_unavailable", message, List.of()))
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header("Retry-After", UnavailableException.RETRY_AFTER_SECONDS)
                .build();
    }

    @ServerExceptionMapper
    public RestResponse<ErrorResponse> malformedJson(JsonParseException e) {
        String duplicate = duplicateField(e);
        return duplicate != null ? invalidField(duplicate, DUPLICATE_REASON)
                : respond(400, "malformed_json", "The request body is not valid JSON", List.of());
    }

    static final String DUPLICATE_REASON = "is given more than once";

    /**
     * The path of a key given twice in one object ({@link StrictJson} refuses it), as the other refusals name fields
     * ({@code risk_config.default_risk_score}, {@code metadata.teams[1].lead}); {@code body} when the parser is not
     * known; null when {@code e} is another malformation. Jackson names the key only in its message, and has set it as
     * the current name of the parser's context when it refuses it.
     */
    static String duplicateField(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JsonParseException parse && parse.getOriginalMessage() != null
                    && parse.getOriginalMessage().startsWith("Duplicate field '")) {
                if (!(parse.getProcessor() instanceof com.fasterxml.jackson.core.JsonParser parser)) {
                    return "body";
                }
                String path = path(parser.getParsingContext());
                return path.isEmpty() ? "body" : path;
            }
        }
        return null;
    }

    /** The parser's place as {@link #path(List)} writes it: each enclosing object's field, each array's index. */
    private static String path(com.fasterxml.jackson.core.JsonStreamContext context) {
        java.util.LinkedList<Object> steps = new java.util.LinkedList<>();
        for (var c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                steps.addFirst(Math.max(c.getCurrentIndex(), 0));
            } else if (c.getCurrentName() != null) {
                steps.addFirst(c.getCurrentName());
            }
        }
        return path(steps);
    }

    /** Past a limit of {@link StrictJson} (the nesting depth) or Jackson's own (a number's digits). */
    @ServerExceptionMapper
    public RestResponse<ErrorResponse> beyondLimits(StreamConstraintsException e) {
        String reason = beyondLimit(e);
        return respond(400, "invalid_request", "Invalid body: " + reason, List.of(new FieldError("body", reason)));
    }

    /** Why a {@link StreamConstraintsException} among {@code e}'s causes refused the body, or null. */
    static String beyondLimit(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StreamConstraintsException) {
                return t.getMessage() != null && t.getMessage().contains("nesting depth")
                        ? "nests objects and arrays deeper than " + StrictJson.MAX_NESTING + " levels (the body counts one)"
                        : "exceeds a limit of the JSON Warden reads";
            }
        }
        return null;
    }

    @ServerExceptionMapper
    public RestResponse<ErrorResponse> mismatchedInput(MismatchedInputException e) {
        return badBody(e);
    }

    @ServerExceptionMapper
    public RestResponse<ErrorResponse> unmappableInput(JsonMappingException e) {
        return badBody(e);
    }

    @ServerExceptionMapper
    public RestResponse<ErrorResponse> unauthenticated(UnauthorizedException e) {
        return challenge(respond(401, "unauthorized", "Missing or invalid credentials", List.of()));
    }

    @ServerExceptionMapper
    public RestResponse<ErrorResponse> authenticationFailed(AuthenticationFailedException e) {
        return challenge(respond(401, "unauthorized", unauthenticated(e), List.of()));
    }

    /**
     * What a 401 for {@code e} says: how the request must carry its credential when that was the fault
     * ({@link CredentialFormRefused}), else "Missing or invalid credentials", whatever else the cause was.
     */
    public static String unauthenticated(AuthenticationFailedException e) {
        String reason = CredentialFormRefused.reason(e);
        return reason != null ? reason : "Missing or invalid credentials";
    }

    /**
     * What a 401 must say (RFC 9110, 11.6.1): the credentials Warden takes, an API key in {@code X-API-Key} or a
     * bearer token.
     */
    public static final String CHALLENGE = "ApiKey realm=\"warden\", Bearer realm=\"warden\"";

    /** {@code response} with {@link #CHALLENGE} in its {@code WWW-Authenticate} header. */
    public static <T> RestResponse<T> challenge(RestResponse<T> response) {
        return RestResponse.ResponseBuilder.fromResponse(response).header("WWW-Authenticate", CHALLENGE).build();
    }

    @ServerExceptionMapper
    public RestResponse<ErrorResponse> forbidden(ForbiddenException e, RoutingContext request) {
        return respond(403, "forbidden", forbidden(request), List.of());
    }

    /**
     * The attribute of a {@code SecurityIdentity} that says why its credential reaches no operation of an
     * organization, where that is the credential's fault rather than its role's: a token naming no organization, or
     * carrying none of Warden's roles. Its 403 says so instead of {@link #ROLE_DOES_NOT_ALLOW}.
     */
    public static final String FORBIDDEN_BECAUSE = "warden.forbidden-because";

    /** What a 403 says by default. */
    public static final String ROLE_DOES_NOT_ALLOW = "Your role does not allow this operation";

    /** What a 403 of this request says: its identity's {@link #FORBIDDEN_BECAUSE}, else {@link #ROLE_DOES_NOT_ALLOW}. */
    public static String forbidden(RoutingContext request) {
        Object because = request != null && request.user() instanceof QuarkusHttpUser user
                ? user.getSecurityIdentity().getAttribute(FORBIDDEN_BECAUSE) : null;
        return because instanceof String reason ? reason : ROLE_DOES_NOT_ALLOW;
    }

    /** Every body Warden takes is JSON: the answer says so, and what the request sent instead. */
    @ServerExceptionMapper
    public RestResponse<ErrorResponse> notJson(NotSupportedException e, HttpHeaders headers) {
        String sent = headers.getHeaderString(HttpHeaders.CONTENT_TYPE);
        return respond(415, "unsupported_media_type", "The body must be JSON, sent with Content-Type: application/json ("
                + (sent == null ? "this request has no Content-Type" : "this request's is " + quoted(sent)) + ")", List.of());
    }

    /** Warden answers JSON (an event stream or a ZIP where it says so): the answer says so, and what was asked for. */
    @ServerExceptionMapper
    public RestResponse<ErrorResponse> notAcceptable(NotAcceptableException e, HttpHeaders headers) {
        return respond(406, "not_acceptable", "This operation cannot answer in a type the request's Accept ("
                + quoted(String.valueOf(headers.getHeaderString(HttpHeaders.ACCEPT)))
                + ") takes: Warden answers application/json (event streams text/event-stream); send that, or no Accept",
                List.of());
    }

    /** A header's value as the caller sent it, for a message: visible ASCII only, and at most 100 characters. */
    private static String quoted(String value) {
        String visible = value.replaceAll("[^\\x20-\\x7e]", "?");
        return "\"" + (visible.length() > 100 ? visible.substring(0, 100) + "..." : visible) + "\"";
    }

    @ServerExceptionMapper
    public RestResponse<ErrorResponse> http(WebApplicationException e) {
        if (e.getCause() instanceof JsonParseException parse) {
            return malformedJson(parse);
        }
        if (e.getCause() instanceof StreamConstraintsException limit) {
            return beyondLimits(limit);
        }
        if (e.getCause() instanceof JsonMappingException mapping) {
            return badBody(mapping);
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e);
        }
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String reason = type == null ? "Request refused" : type.getReasonPhrase();
        String code = reason.toLowerCase().replaceAll("[^a-z]+", "_");
        return respond(status, code, reason, List.of());
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 1000)
    public RestResponse<ErrorResponse> unexpected(Throwable e) {
        String reference = UUID.randomUUID().toString();
        LOG.errorf(e, "Unexpected failure, reference %s", reference);
        return respond(500, "internal_error", "Internal error; reference " + reference, List.of());
    }

    private RestResponse<ErrorResponse> badBody(JsonMappingException e) {
        String duplicate = duplicateField(e);
        if (duplicate != null) {
            return invalidField(duplicate, DUPLICATE_REASON);
        }
        String field = path(e);
        String reason;
        String refusal = refusal(e);
        String limit = beyondLimit(e);
        String range = outOfRange(e);
        if (refusal == null && limit == null && endedEarly(e)) {
            // The body ends inside a field's value (cut short: "{\"name\": \"s", a Content-Length shorter than what
            // was sent), which Jackson reports at that field: the body is malformed, not the field's value. Other
            // refusals of the parser at a field (a raw control character in a string) keep naming the field.
            return respond(400, "malformed_json", "The request body is not valid JSON", List.of());
        }
        if (e instanceof MismatchedInputException && e.getOriginalMessage() != null
                && e.getOriginalMessage().startsWith("Trailing token")) {
            // More after the value (StrictJson refuses trailing tokens), which Jackson reports against the body's type:
            // "must be an object" of a body that begins with one
            return respond(400, "malformed_json", "The request body is not valid JSON: it holds more than one value",
                    List.of());
        }
        if (refusal != null) {
            reason = refusal;
        } else if (limit != null) {
            reason = limit;
        } else if (e instanceof UnrecognizedPropertyException) {
            reason = "unknown field";
        } else if (e instanceof InvalidFormatException f && f.getTargetType() != null && f.getTargetType().isEnum()) {
            reason = "must be one of " + Arrays.stream(f.getTargetType().getEnumConstants())
                    .map(Object::toString).collect(Collectors.joining(", "));
        } else if (e instanceof InvalidFormatException f && f.getTargetType() != null
                && f.getTargetType().getName().startsWith("java.time")) {
            reason = StorableValues.TIME_FORMAT_REASON; // a string, but no time
        } else if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            reason = "must be " + describe(m.getTargetType());
        } else if (range != null) {
            reason = range;
        } else {
            reason = "invalid value";
        }
        return invalidField(field.isEmpty() ? "body" : field, reason);
    }

    /** A 400 naming one field of the body and why. */
    private static RestResponse<ErrorResponse> invalidField(String field, String reason) {
        return respond(400, "invalid_request", "Invalid " + field + ": " + reason, List.of(new FieldError(field, reason)));
    }

    /**
     * A number too large for its field's type (Jackson's {@link InputCoercionException}, wrapped with the field's path):
     * the range the field takes, or null. Said "invalid value" before, which left the caller to guess.
     */
    static String outOfRange(JsonMappingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InputCoercionException coercion) {
                String declared = declaredRange(e);
                if (declared != null) {
                    return declared;
                }
                Class<?> type = coercion.getTargetType();
                if (type == Integer.class || type == int.class) {
                    return "must be an integer from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
                }
                if (type == Long.class || type == long.class) {
                    return "must be an integer from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE;
                }
                return "is out of range for " + (type == null ? "this field" : describe(type));
            }
        }
        return null;
    }

    /**
     * The range the field at the end of the path declares for the OpenAPI document ({@code @Schema(minimum, maximum)}),
     * as its message, or null: a risk score of 10^20 is told 0 to 100, as 101 is, not the whole range of an int.
     */
    private static String declaredRange(JsonMappingException e) {
        List<JsonMappingException.Reference> path = e.getPath();
        JsonMappingException.Reference last = path.isEmpty() ? null : path.getLast();
        Object from = last == null ? null : last.getFrom();
        if (from == null || last.getFieldName() == null) {
            return null;
        }
        for (Field field : (from instanceof Class<?> type ? type : from.getClass()).getDeclaredFields()) {
            Schema schema = field.getAnnotation(Schema.class);
            if (schema != null && !schema.minimum().isEmpty() && !schema.maximum().isEmpty()
                    && SNAKE_CASE.translate(field.getName()).equals(last.getFieldName())) {
                return "must be an integer from " + schema.minimum() + " to " + schema.maximum();
            }
        }
        return null;
    }

    private static final PropertyNamingStrategies.NamingBase SNAKE_CASE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    /** The reason {@link StorableValues} refused a value while the body was read, or null. */
    /** Whether the body ended before its JSON did, among {@code e}'s causes. */
    static boolean endedEarly(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof com.fasterxml.jackson.core.io.JsonEOFException) {
                return true;
            }
        }
        return false;
    }

    static String refusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            for (String reason : new String[]{StorableValues.REASON, StorableValues.SURROGATE_REASON,
                    StorableValues.TIME_REASON, StorableValues.TIME_FORMAT_REASON, StorableValues.NUMBER_REASON}) {
                if (t.getMessage() != null && t.getMessage().contains(reason)) {
                    return reason;
                }
            }
        }
        return null;
    }

    private static String path(JsonMappingException e) {
        List<Object> steps = new ArrayList<>();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                steps.add(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                steps.add(ref.getIndex());
            }
        }
        return path(steps);
    }

    /** Field names joined by dots, array indexes in brackets: {@code metadata.teams[1].lead}. */
    private static String path(List<Object> steps) {
        StringBuilder path = new StringBuilder();
        for (Object step : steps) {
            if (step instanceof Integer index) {
                path.append('[').append(index).append(']');
            } else {
                path.append(path.isEmpty() ? "" : ".").append(step);
            }
        }
        return path.toString();
    }

    private static String describe(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive() && type != boolean.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (type == String.class || type == UUID.class || type.getName().startsWith("java.time")) {
            return "a string" + (type == UUID.class ? " holding a UUID" : "");
        }
        if (List.class.isAssignableFrom(type) || type.isArray() || java.util.Set.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }

    private static RestResponse<ErrorResponse> respond(int status, String code, String message, List<FieldError> details) {
        return RestResponse.ResponseBuilder.<ErrorResponse>create(status)
                .entity(ErrorResponse.of(code, message, details))
                .type(MediaType.APPLICATION_JSON_TYPE)
                .build();
    }
}
