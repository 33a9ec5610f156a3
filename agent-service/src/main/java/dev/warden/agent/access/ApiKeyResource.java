package dev.warden.agent.access;

import dev.warden.agent.access.AccessModels.ApiKeyListResponse;
import dev.warden.agent.access.AccessModels.ApiKeyResponse;
import dev.warden.agent.access.AccessModels.CreateApiKeyRequest;
import dev.warden.api.Checks;
import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.api.WardenApiDefinition;
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
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import java.net.URI;

@Path("/v1/api-keys")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.ADMIN)
@Tag(name = "API keys", description = "Keys for X-API-Key: stored as SHA-256, with role, expiry and revocation")
public class ApiKeyResource {

    private final AccessService access;
    private final CurrentActor actor;

    public ApiKeyResource(AccessService access, CurrentActor actor) {
        this.access = access;
        this.actor = actor;
    }

    @POST
    @Operation(operationId = "createApiKey", summary = "Create an API key", description = "The answer holds the secret; it is never shown again.")
    @APIResponse(responseCode = "201", description = "Created; Location names the key",
            headers = @Header(name = "Location", ref = WardenApiDefinition.LOCATION),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiKeyResponse.class)))
    @APIResponse(responseCode = "202", description = "Created, but not yet in force: the event stream did not carry it within "
            + "the delivery timeout (the broker is away). The secret is shown here all the same, once; the key works in "
            + "every service once the broker is back",
            headers = @Header(name = "Location", ref = WardenApiDefinition.LOCATION),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiKeyResponse.class)))
    public Uni<RestResponse<ApiKeyResponse>> create(CreateApiKeyRequest request) {
        return access.createKey(actor.org(), actor.name(), Checks.body(request))
                .map(shown -> shown.answer(URI.create("/v1/api-keys/" + shown.created().id())));
    }

    @GET
    @Operation(operationId = "listApiKeys", summary = "List API keys (without secrets)")
    public Uni<ApiKeyListResponse> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
                                        @QueryParam("updated_since") String updatedSince) {
        return access.listKeys(actor.org(), PageRequest.parse(limit, cursor, updatedSince));
    }

    @GET
    @Path("/{key_id}")
    @Operation(operationId = "getApiKey", summary = "Get an API key (without its secret)")
    public Uni<ApiKeyResponse> get(@PathParam("key_id") String keyId) {
        return access.getKey(actor.org(), Params.uuid("key_id", keyId));
    }

    @DELETE
    @Path("/{key_id}")
    @Operation(operationId = "revokeApiKey", summary = "Revoke an API key", description = "Every service refuses it as "
            + "soon as the revocation reaches it. The organization's last admin key in force is not revoked (409): "
            + "create another admin key first.")
    @APIResponse(responseCode = "200", description = "The key, revoked (also when it was revoked already)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiKeyResponse.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    public Uni<ApiKeyResponse> revoke(@PathParam("key_id") String keyId) {
        return access.revokeKey(actor.org(), actor.name(), Params.uuid("key_id", keyId));
    }
}
