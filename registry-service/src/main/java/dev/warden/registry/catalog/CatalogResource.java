package dev.warden.registry.catalog;

import dev.warden.api.ApiException;
import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.registry.catalog.CatalogWire.CatalogAgent;
import dev.warden.registry.catalog.CatalogWire.CatalogAgentDetail;
import dev.warden.registry.catalog.CatalogWire.CatalogAgentResponse;
import dev.warden.registry.catalog.CatalogWire.CatalogListResponse;
import dev.warden.registry.catalog.CatalogWire.Pagination;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Seed 002's agent registry listing and detail, exactly as the seed: snake_case, success, pagination. */
@Path("/v1/registry/agents")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Registry agents", description = "Seed 002's agent registry")
public class CatalogResource {

    private static final Map<String, String> STATUSES = Map.of("draft", "inactive", "inactive", "inactive",
            "active", "active", "suspended", "suspended");
    private static final List<String> TYPES = List.of("autonomous", "supervised", "advisory", "mcp_server");
    private static final List<String> SORTS = List.of("created_at", "-created_at", "name", "-name");

    private final CatalogService catalog;
    private final CurrentActor actor;

    public CatalogResource(CatalogService catalog, CurrentActor actor) {
        this.catalog = catalog;
        this.actor = actor;
    }

    @GET
    @RolesAllowed({Roles.VIEWER, Roles.AUDITOR})
    @Operation(operationId = "listRegistryAgents", summary = "List agents (seed 002)")
    public Uni<CatalogListResponse> list(
            @Parameter(description = "draft (Warden's inactive; both words are accepted), active, suspended",
                    schema = @Schema(enumeration = {"draft", "inactive", "active", "suspended"}))
            @QueryParam("status_filter") String statusFilter,
            @Parameter(schema = @Schema(enumeration = {"autonomous", "supervised", "advisory", "mcp_server"}))
            @QueryParam("type_filter") String typeFilter,
            @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "500", defaultValue = "100"))
            @QueryParam("limit") String limit,
            @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "0", maximum = "2147483647", defaultValue = "0"))
            @QueryParam("offset") String offset,
            @Parameter(description = "Beyond seed 002: part of the name") @QueryParam("q") String q,
            @Parameter(description = "Beyond seed 002", schema = @Schema(enumeration = {"created_at", "-created_at", "name", "-name"}))
            @QueryParam("sort") String sort,
            @Parameter(description = "Beyond seed 002: the next_cursor of the previous page (default order only)")
            @QueryParam("cursor") String cursor,
            @Parameter(description = "Beyond seed 002: only agents whose entry (snapshot or counts) changed at or after "
                    + "this time (ISO-8601)", schema = @Schema(type = SchemaType.STRING, format = "date-time"))
            @QueryParam("updated_since") String updatedSince) {
        // An empty filter (?status_filter=) is no filter, as for every query parameter (Params)
        String status = Params.optionalChoice("status_filter", statusFilter, List.of("draft", "active", "suspended", "inactive"));
        String type = Params.optionalChoice("type_filter", typeFilter, TYPES);
        String order = Params.optionalChoice("sort", sort, SORTS);
        int size = Params.integer("limit", limit, 100, 1, 500);
        int skip = Params.integer("offset", offset, 0, 0, Integer.MAX_VALUE);
        String search = Params.optionalText("q", q, 200);
        PageRequest.Cursor after = PageRequest.Cursor.decode(cursor);
        Instant since = Params.optionalSince("updated_since", updatedSince);
        if (after != null && order != null && !"created_at".equals(order)) {
            throw ApiException.invalidField("cursor", "pages the default order only; use offset with sort");
        }
        // The page knows whether more follow it (ListQuery reads one row past it): has_more and next_cursor then agree
        // with each other and with what the next page holds, with a cursor as with an offset.
        return catalog.list(actor.org(), status == null ? null : STATUSES.get(status), type, search,
                        order == null ? "created_at" : order, size, skip, after, since)
                .map(page -> new CatalogListResponse(true, page.items().stream().map(CatalogAgent::of).toList(),
                        new Pagination(page.total(), size, skip, page.more()),
                        order == null || "created_at".equals(order)
                                ? page.nextCursor(a -> PageRequest.Cursor.at(a.createdAt(), a.agentId())) : null));
    }

    @GET
    @Path("/{agent_id}")
    @RolesAllowed({Roles.VIEWER, Roles.AUDITOR})
    @Operation(operationId = "getRegistryAgent", summary = "Get an agent (seed 002)",
            description = "Unknown, or another organization's: 404.")
    public Uni<CatalogAgentResponse> get(@PathParam("agent_id") String agentId) {
        UUID id = Params.uuidOrNull(agentId);
        if (id == null) {
            throw ApiException.notFound("Agent");
        }
        return catalog.find(actor.org(), id).map(found -> new CatalogAgentResponse(true, CatalogAgentDetail.of(found)));
    }
}
