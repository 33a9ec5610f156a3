package dev.warden.agent.realm;

import dev.warden.agent.realm.RealmWire.CreateRealmRequest;
import dev.warden.agent.realm.RealmWire.RealmListResponse;
import dev.warden.agent.realm.RealmWire.RealmResponse;
import dev.warden.agent.realm.RealmWire.UpdateRealmRequest;
import dev.warden.api.ApiException;
import dev.warden.api.Checks;
import dev.warden.api.IfMatch;
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
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import java.net.URI;
import java.util.List;
import java.util.regex.Pattern;

/** Seed 004's realms: named groups of the organization's agents. */
@Path("/v1/realms")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Realms", description = "Seed 004's realms: named, colored groups of agents")
public class RealmResource {

    static final int MAX_NAME = 200;
    private static final Pattern SLUG = Pattern.compile(RealmWire.SLUG_PATTERN);
    private static final Pattern COLOR = Pattern.compile(RealmWire.COLOR_PATTERN);

    private final RealmService realms;
    private final CurrentActor actor;

    public RealmResource(RealmService realms, CurrentActor actor) {
        this.realms = realms;
        this.actor = actor;
    }

    @GET
    @RolesAllowed(Roles.VIEWER)
    @Operation(operationId = "listRealms", summary = "List realms", description = "The organization's realms, oldest first.")
    public Uni<RealmListResponse> list(
            @Parameter(description = "1 to 500, default 100") @QueryParam("limit") String limit,
            @Parameter(description = "nextCursor of the previous page") @QueryParam("cursor") String cursor,
            @Parameter(description = "Only realms changed at or after this time (ISO-8601)") @QueryParam("updated_since") String updatedSince) {
        return realms.list(actor.org(), PageRequest.parse(limit, cursor, updatedSince));
    }

    @GET
    @Path("/{realm_id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(operationId = "getRealm", summary = "Get a realm")
    @APIResponse(responseCode = "200", description = "The realm; ETag is its revision, for If-Match on an edit",
            headers = @Header(name = IfMatch.ETAG, ref = IfMatch.ETAG),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RealmResponse.class)))
    public Uni<RealmResponse> get(@PathParam("realm_id") String realmId) {
        return realms.get(actor.org(), Params.uuid("realm_id", realmId));
    }

    @POST
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "createRealm", summary = "Create a realm", description = "The slug is unique in the organization: 409 when taken.")
    @APIResponse(responseCode = "201", description = "Created; Location names the realm, ETag is its first revision",
            headers = {@Header(name = "Location", ref = WardenApiDefinition.LOCATION), @Header(name = IfMatch.ETAG, ref = IfMatch.ETAG)},
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RealmResponse.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    public Uni<RestResponse<RealmResponse>> create(CreateRealmRequest request, @Context UriInfo uri) {
        CreateRealmRequest req = Checks.body(request);
        Checks c = new Checks().required("name", req.name()).required("slug", req.slug()).required("color", req.color());
        fields(c, req.name(), req.slug(), req.color());
        return realms.create(actor.org(), actor.name(), req)
                .map(realm -> RestResponse.ResponseBuilder.<RealmResponse>created(
                        URI.create(uri.getBaseUri().getPath() + "v1/realms/" + realm.id())).entity(realm).build());
    }

    @PATCH
    @Path("/{realm_id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "updateRealm", summary = "Update a realm",
            description = "Only the fields given change; an empty body is a 400, a slug the organization uses already a 409.")
    @APIResponse(responseCode = "200", description = "The realm as changed; ETag is its new revision",
            headers = @Header(name = IfMatch.ETAG, ref = IfMatch.ETAG),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RealmResponse.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    @APIResponse(responseCode = "412", ref = WardenApiDefinition.PRECONDITION_FAILED)
    @Parameter(name = IfMatch.HEADER, in = ParameterIn.HEADER, description = IfMatch.DESCRIPTION,
            schema = @Schema(type = SchemaType.STRING))
    public Uni<RealmResponse> update(@PathParam("realm_id") String realmId, UpdateRealmRequest request,
                                     @Context HttpHeaders headers) {
        UpdateRealmRequest req = Checks.body(request);
        java.util.UUID id = Params.uuid("realm_id", realmId);
        if (req.isEmpty()) {
            throw ApiException.badRequest("Give at least one field to update", List.of());
        }
        fields(new Checks(), req.name(), req.slug(), req.color());
        return realms.update(actor.org(), actor.name(), id, req, IfMatch.accepted(headers));
    }

    @DELETE
    @Path("/{realm_id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "deleteRealm", summary = "Remove a realm", description = "Only an empty realm: 409 while agents are in it.")
    @APIResponse(responseCode = "204", description = "Removed")
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    public Uni<RestResponse<Void>> delete(@PathParam("realm_id") String realmId) {
        return realms.delete(actor.org(), actor.name(), Params.uuid("realm_id", realmId)).map(done -> RestResponse.noContent());
    }

    private static void fields(Checks c, String name, String slug, String color) {
        c.maxLength("name", name, MAX_NAME).oneLine("name", name)
                .check(name == null || !name.isBlank(), "name", "must not be blank")
                .check(slug == null || SLUG.matcher(slug).matches(), "slug",
                        "must be lower-case letters, digits and inner hyphens, at most 64 characters")
                .check(color == null || COLOR.matcher(color).matches(), "color", "must be #rrggbb in lower-case hexadecimal")
                .orThrow();
    }
}
