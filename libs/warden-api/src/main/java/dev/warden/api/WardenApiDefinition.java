package dev.warden.api;

import jakarta.ws.rs.core.Application;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Components;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeIn;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.security.SecuritySchemes;
import org.eclipse.microprofile.openapi.annotations.servers.Server;

/**
 * What every Warden service's OpenAPI document shares: both ways to authenticate and the error responses, each with
 * the one {@link ErrorResponse} shape. {@link WardenOpenApiFilter} adds the error responses to every operation; an
 * operation that can also answer 409 says so with {@code @APIResponse(responseCode = "409", ref = "Conflict")}.
 * Each service names itself with {@code quarkus.smallrye-openapi.info-title}.
 */
@OpenAPIDefinition(
        info = @Info(title = "Warden", version = "1.0"),
        // Where clients call every service: the gateway (bin/warden up's default port), never a service's own port
        servers = @Server(url = "http://localhost:8080", description = "The gateway of the local suite (bin/warden up); "
                + "in a cluster, your Gateway's host (docs/deploy.md)"),
        security = {@SecurityRequirement(name = "bearer"), @SecurityRequirement(name = "apiKey")},
        components = @Components(headers = {@Header(name = WardenApiDefinition.LOCATION,
                description = "The path of what the request created or started: a GET of it answers it",
                schema = @Schema(type = SchemaType.STRING, format = "uri-reference")),
                @Header(name = IfMatch.ETAG, description = "The resource's revision as a strong entity-tag; send it "
                        + "back in If-Match to change what you read and nothing newer",
                        schema = @Schema(type = SchemaType.STRING))}, responses = {
                @APIResponse(name = WardenApiDefinition.BAD_REQUEST, responseCode = "400",
                        description = "Invalid input: each offending field or parameter is named in details",
                        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class))),
                @APIResponse(name = WardenApiDefinition.UNAUTHORIZED, responseCode = "401",
                        description = "Missing or invalid credentials",
                        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class))),
                @APIResponse(name = WardenApiDefinition.FORBIDDEN, responseCode = "403",
                        description = "Your role does not allow this operation (forbidden), or a create would take your"
                                + " organization past a limit on what it keeps (quota_exceeded)",
                        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class))),
                @APIResponse(name = WardenApiDefinition.NOT_FOUND, responseCode = "404",
                        description = "No such resource in your organization",
                        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class))),
                @APIResponse(name = WardenApiDefinition.CONFLICT, responseCode = "409",
                        description = "The request conflicts with the resource's current state",
                        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class))),
                @APIResponse(name = WardenApiDefinition.PRECONDITION_FAILED, responseCode = "412",
                        description = "If-Match named a revision the resource no longer has; nothing was changed",
                        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class))),
                @APIResponse(name = WardenApiDefinition.NOT_ACCEPTABLE, responseCode = "406",
                        description = "The request's Accept takes none of the types this operation answers in",
                        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class))),
                @APIResponse(name = WardenApiDefinition.PAYLOAD_TOO_LARGE, responseCode = "413",
                        description = "The request body is larger than the service takes",
                        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class))),
                @APIResponse(name = WardenApiDefinition.URI_TOO_LONG, responseCode = "414",
                        description = "The request's URI is longer than the service takes (4,096 characters)",
                        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class))),
                @APIResponse(name = WardenApiDefinition.HEADERS_TOO_LARGE, responseCode = "431",
                        description = "The request's header lines are larger than the service takes (16 KB in all)",
                        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class))),
                @APIResponse(name = WardenApiDefinition.UNSUPPORTED_MEDIA_TYPE, responseCode = "415",
                        description = "The request body is not application/json",
                        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class))),
                @APIResponse(name = WardenApiDefinition.TOO_MANY_REQUESTS, responseCode = "429",
                        description = "Over a limit; nothing was done. Try again after Retry-After seconds",
                        headers = @Header(name = "Retry-After", description = "Seconds to wait before trying again",
                                schema = @Schema(type = SchemaType.INTEGER)),
                        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class))),
                @APIResponse(name = WardenApiDefinition.INTERNAL_ERROR, responseCode = "500",
                        description = "Unexpected failure; the message holds a reference to quote",
                        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class))),
                @APIResponse(name = WardenApiDefinition.SERVICE_UNAVAILABLE, responseCode = "503",
                        description = "A dependency (the database) is down; nothing was changed. Try again after Retry-After seconds",
                        headers = @Header(name = "Retry-After", description = "Seconds to wait before trying again",
                                schema = @Schema(type = SchemaType.INTEGER)),
                        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))}))
@SecuritySchemes({
        @SecurityScheme(securitySchemeName = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer",
                description = "An OIDC access token (a JWT; the org_id claim names the organization), or an API key (wdn_...); "
                        + "where an operation says so, a credential of its own (fleet-service: an enrolment token, "
                        + "wfe_..., to register; an instance credential, wfi_..., to heartbeat)"),
        @SecurityScheme(securitySchemeName = "apiKey", type = SecuritySchemeType.APIKEY, in = SecuritySchemeIn.HEADER,
                apiKeyName = "X-API-Key", description = "An API key created at /v1/api-keys; it may be sent as a bearer token instead")})
public class WardenApiDefinition extends Application {

    /**
     * The header under {@code components/headers} that an answer naming what it created carries:
     * {@code @APIResponse(..., headers = @Header(name = "Location", ref = WardenApiDefinition.LOCATION))}.
     */
    public static final String LOCATION = "Location";
    /**
     * An operation's extension naming, comma-separated, roles it takes only from a bearer credential (fleet-service's
     * enrolment token and instance credential): the document's {@code apiKey} requirement leaves them out, so it does
     * not promise that an API key of that role may call it. The filter reads it and takes it out of the document.
     */
    public static final String BEARER_ONLY_ROLES = "x-warden-bearer-only-roles";

    /** Names of the shared responses under {@code components/responses}. */
    public static final String BAD_REQUEST = "BadRequest";
    public static final String UNAUTHORIZED = "Unauthorized";
    public static final String FORBIDDEN = "Forbidden";
    public static final String NOT_FOUND = "NotFound";
    public static final String CONFLICT = "Conflict";
    public static final String PRECONDITION_FAILED = "PreconditionFailed";
    public static final String NOT_ACCEPTABLE = "NotAcceptable";
    public static final String PAYLOAD_TOO_LARGE = "PayloadTooLarge";
    public static final String UNSUPPORTED_MEDIA_TYPE = "UnsupportedMediaType";
    public static final String URI_TOO_LONG = "UriTooLong";
    public static final String HEADERS_TOO_LARGE = "HeadersTooLarge";
    public static final String TOO_MANY_REQUESTS = "TooManyRequests";
    public static final String INTERNAL_ERROR = "InternalError";
    public static final String SERVICE_UNAVAILABLE = "ServiceUnavailable";
}
