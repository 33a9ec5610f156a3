package dev.warden.registry.rebuild;

import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.api.WardenApiDefinition;
import dev.warden.registry.rebuild.RebuildWire.RebuildListResponse;
import dev.warden.registry.rebuild.RebuildWire.RebuildResponse;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import java.net.URI;

/**
 * Rebuilding the projection, for platform admins: the projection is every organization's, so emptying it and replaying
 * the topics is a cluster-wide act, and what it shows (offsets and counts) is no organization's data.
 */
@Path("/v1/registry/rebuilds")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.PLATFORM_ADMIN)
@Tag(name = "Registry rebuilds", description = "Platform administration: replay the consumed topics into a fresh projection")
public class RebuildResource {

    private static final int DEFAULT_LIMIT = 20;
    private static final int MAX_LIMIT = 100;

    private final RebuildService rebuilds;
    private final CurrentActor actor;

    public RebuildResource(RebuildService rebuilds, CurrentActor actor) {
        this.rebuilds = rebuilds;
        this.actor = actor;
    }

    @POST
    @Operation(operationId = "startRegistryRebuild", summary = "Rebuild the projection from offset zero",
            description = "Empties the projection of every organization and replays warden.agents.v1, warden.audit.v1, "
                    + "warden.fleet.v1 and warden.executions.v1 from their beginning into it, on every replica's "
                    + "consumer. Answers 202 at once; poll the rebuild for its progress. While it runs, the views answer "
                    + "from what has been replayed so far, with the header Warden-Projection: rebuilding. 409 while "
                    + "another rebuild runs.")
    @APIResponse(responseCode = "202", description = "Started; Location names the rebuild",
            headers = @Header(name = "Location", ref = WardenApiDefinition.LOCATION),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RebuildResponse.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    public Uni<RestResponse<RebuildResponse>> start() {
        return rebuilds.start(actor.name()).map(r -> RestResponse.ResponseBuilder.<RebuildResponse>create(202)
                .location(URI.create("/v1/registry/rebuilds/" + r.id())).entity(RebuildResponse.of(r)).build());
    }

    @GET
    @Operation(operationId = "listRegistryRebuilds", summary = "Rebuilds, newest first")
    public Uni<RebuildListResponse> list(
            @Parameter(description = "1 to 100, default 20", schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "100", defaultValue = "20")) @QueryParam("limit") String limit,
            @Parameter(description = "The next_cursor of the previous page") @QueryParam("cursor") String cursor,
            @Parameter(description = "Only rebuilds that changed at or after this time (ISO-8601): those running, and "
                    + "those that ended since", schema = @Schema(type = SchemaType.STRING, format = "date-time"))
            @QueryParam("updated_since") String updatedSince) {
        int size = Params.integer("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT);
        return rebuilds.list(size, PageRequest.Cursor.decode(cursor), Params.optionalSince("updated_since", updatedSince))
                .map(found -> new RebuildListResponse(found.items().stream().map(RebuildResponse::of).toList(),
                        found.nextCursor(r -> new PageRequest.Cursor(r.generation(), r.id()))));
    }

    @GET
    @Path("/{rebuild_id}")
    @Operation(operationId = "getRegistryRebuild", summary = "A rebuild's state and progress, per partition")
    public Uni<RebuildResponse> get(@PathParam("rebuild_id") String rebuildId) {
        return rebuilds.find(Params.uuid("rebuild_id", rebuildId)).map(RebuildResponse::of);
    }
}
