package dev.warden.fleet.enrollment;

import dev.warden.api.Checks;
import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.fleet.enrollment.EnrollmentRepository.Token;
import dev.warden.fleet.enrollment.EnrollmentService.Issued;
import dev.warden.tenancy.security.CredentialWatch;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Enrolment tokens: an admin issues one; a new instance registers with it and gets its own credential. */
@Path("/v1/fleet/enrollment-tokens")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Fleet enrolment", description = "One-time tokens that let instances register themselves")
public class EnrollmentResource {

    static final int MAX_LIFETIME_SECONDS = 30 * 24 * 3600;
    static final int DEFAULT_LIFETIME_SECONDS = 3600;
    static final int MAX_USES = 100_000;

    private final EnrollmentService service;
    private final CurrentActor actor;
    private final CredentialWatch credentials;

    public EnrollmentResource(EnrollmentService service, CurrentActor actor, CredentialWatch credentials) {
        this.credentials = credentials;
        this.service = service;
        this.actor = actor;
    }

    @Schema(name = "CreateEnrollmentTokenRequest")
    public record CreateTokenRequest(
            @Schema(format = "uuid", description = "Pins the token: instances it registers run this agent") String agentId,
            @Schema(minimum = "1", maximum = "2592000", description = "Default 3600") Integer expiresInSeconds,
            @Schema(minimum = "1", maximum = "100000", description = "Registrations it allows; default 1") Integer maxUses) {
    }

    @Schema(name = "EnrollmentToken")
    public record TokenResponse(UUID id,
                                @Schema(description = "The secret, shown once: Authorization: Bearer <token> on register")
                                String token,
                                @Schema(nullable = true) UUID agentId, int maxUses, Instant expiresAt, Instant createdAt,
                                String createdBy) {

        static TokenResponse of(Issued issued) {
            var t = issued.token();
            return new TokenResponse(t.id(), issued.secret(), t.agentId(), t.maxUses(), t.expiresAt(), t.createdAt(),
                    t.createdBy());
        }
    }

    @Schema(name = "EnrollmentTokenEnvelope")
    public record TokenEnvelope(@Schema(description = "Always true on success") boolean ok, TokenResponse data) {
    }

    @Schema(name = "EnrollmentTokenSummary", description = "A token as it stands, without its secret")
    public record TokenSummary(UUID id, @Schema(nullable = true) UUID agentId, int maxUses, int uses, Instant expiresAt,
                               Instant createdAt, String createdBy, @Schema(nullable = true) Instant revokedAt,
                               @Schema(enumeration = {"usable", "expired", "used_up", "revoked"}) String state) {

        static TokenSummary of(Token t, Instant now) {
            return new TokenSummary(t.id(), t.agentId(), t.maxUses(), t.uses(), t.expiresAt(), t.createdAt(),
                    t.createdBy(), t.revokedAt(), t.state(now));
        }
    }

    @Schema(name = "EnrollmentTokenListEnvelope")
    public record TokenListEnvelope(@Schema(description = "Always true on success") boolean ok, List<TokenSummary> data,
                                    @Schema(description = "Tokens matching the filters, counted up to 10,000") long total,
                                    @Schema(description = "false when total is that bound") boolean totalExact,
                                    @Schema(nullable = true, description = "null on the last page") String nextCursor) {
    }

    @Schema(name = "EnrollmentTokenRevoked")
    public record Revoked(String message) {
    }

    @Schema(name = "EnrollmentTokenRevokedEnvelope")
    public record RevokedEnvelope(@Schema(description = "Always true on success") boolean ok, Revoked data) {
    }

    @POST
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "createEnrollmentToken", summary = "Issue an enrolment token",
            description = "The token is shown once; only its SHA-256 is kept. Expired, used-up or revoked tokens are refused with 401.")
    @APIResponse(responseCode = "201", description = "Issued",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TokenEnvelope.class)))
    @APIResponse(responseCode = "404", ref = dev.warden.api.WardenApiDefinition.NOT_FOUND)
    @APIResponse(responseCode = "429", ref = dev.warden.api.WardenApiDefinition.TOO_MANY_REQUESTS)
    public Uni<RestResponse<TokenEnvelope>> create(
            @org.eclipse.microprofile.openapi.annotations.parameters.RequestBody(required = false,
                    description = "Every field is optional: no body is a token for one registration within an hour")
            CreateTokenRequest request, @jakarta.ws.rs.core.Context io.vertx.core.http.HttpServerRequest http) {
        // Every field has a default, so no body asks for the defaults (it was a 400 asking for a body)
        CreateTokenRequest body = Checks.optionalBody(request, new CreateTokenRequest(null, null, null), http);
        UUID agent = Params.optionalUuidField("agent_id", body.agentId());
        new Checks().range("expires_in_seconds", body.expiresInSeconds(), 1, MAX_LIFETIME_SECONDS)
                .range("max_uses", body.maxUses(), 1, MAX_USES).orThrow();
        int lifetime = body.expiresInSeconds() == null ? DEFAULT_LIFETIME_SECONDS : body.expiresInSeconds();
        int uses = body.maxUses() == null ? 1 : body.maxUses();
        // A credential that outlives the request: issued only by an admin whose key is still usable now
        return credentials.stillUsable()
                .chain(() -> service.issue(actor.org(), actor.name(), agent, Duration.ofSeconds(lifetime), uses))
                .map(issued -> RestResponse.status(RestResponse.Status.CREATED, new TokenEnvelope(true, TokenResponse.of(issued))));
    }

    @GET
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "listEnrollmentTokens", summary = "List enrolment tokens (without secrets)",
            description = "Oldest first, a page at a time: each token's uses, expiry, who issued it and its state. After "
                    + "revoking a key, list the tokens it issued that are still usable (created_by, state=usable) and "
                    + "revoke them: a token outlives the key that issued it.")
    @APIResponse(responseCode = "200", description = "OK",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TokenListEnvelope.class)))
    public Uni<TokenListEnvelope> list(
            @QueryParam("created_by") @Parameter(description = "Only the tokens this actor issued (a token's created_by)",
                    schema = @Schema(maxLength = 200)) String createdBy,
            @QueryParam("state") @Parameter(description = "usable: only those a registration may still use",
                    schema = @Schema(enumeration = {"usable"})) String state,
            @QueryParam("limit") String limit,
            @QueryParam("cursor") @Parameter(description = "The next_cursor of the previous page") String cursor,
            @QueryParam("updated_since") @Parameter(description = "Only tokens issued or revoked since then") String updatedSince) {
        String by = Params.optionalText("created_by", createdBy, 200);
        boolean usableOnly = Params.optionalChoice("state", state, java.util.Set.of("usable")) != null;
        return service.list(actor.org(), PageRequest.parse(limit, cursor, updatedSince), by, usableOnly)
                .map(listed -> new TokenListEnvelope(true,
                        listed.page().items().stream().map(t -> TokenSummary.of(t, listed.at())).toList(),
                        listed.page().total(), listed.page().totalExact(),
                        listed.page().nextCursor(t -> PageRequest.Cursor.at(t.createdAt(), t.id()))));
    }

    @DELETE
    @Path("/{token_id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "revokeEnrollmentToken", summary = "Revoke an enrolment token",
            description = "Registrations with it are refused (401) from now on; instances it registered keep their credentials.")
    @APIResponse(responseCode = "200", description = "Revoked",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RevokedEnvelope.class)))
    @APIResponse(responseCode = "404", ref = dev.warden.api.WardenApiDefinition.NOT_FOUND)
    public Uni<RevokedEnvelope> revoke(@PathParam("token_id") String tokenId) {
        UUID id = Params.uuid("token_id", tokenId);
        return service.revoke(actor.org(), actor.name(), id)
                .replaceWith(new RevokedEnvelope(true, new Revoked("Enrollment token " + id + " revoked")));
    }
}
