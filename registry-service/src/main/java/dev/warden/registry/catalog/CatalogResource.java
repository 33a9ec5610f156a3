package dev.warden.registry.catalog;

import dev.warden.api.ApiException;
import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.registry.catalog.CatalogWire.CatalogAgent;
import dev.warden.registry.catalog.CatalogWire.CatalogAgentDetail;
import dev.warden.registry.catalog.CatalogWire.CatalogAgentResponse;
import dev.warden.registry.catalog.CatalogWire.CatalogListResponse;
import dev.warden.registry.catalog.CatalogWire.Pagination;
import dev.warden.tenancy.db.TenantDb;
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
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Seed 002's agent registry listing and detail, exactly as the seed: snake_case, success, pagination. */
@Path("/v1/registry/agents")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Registry agents", description = "Seed 002's agent registry")
public class CatalogResource {

    private static final Map<String, String> STATUSES = Map.of("draft", "inactive", "inactive", "inactive",
            "active", "active", "suspended", "suspended");
    private static final Set<String> TYPES = Set.of("autonomous", "supervised", "advisory", "mcp_server");
    private static final Set<String> SORTS = Set.of("created_at", "-created_at", "name", "-name");

    private final TenantDb db;
    private final CatalogRepository catalog;
    private final CurrentActor actor;

    public CatalogResource(TenantDb db, CatalogRepository catalog, CurrentActor actor) {
        this.db = db;
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
            @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "0", defaultValue = "0"))
            @QueryParam("offset") String offset,
            @Parameter(description = "Beyond seed 002: part of the name") @QueryParam("q") String q,
            @Parameter(description = "Beyond seed 002", schema = @Schema(enumeration = {"created_at", "-created_at", "name", "-name"}))
            @QueryParam("sort") String sort,
            @Parameter(description = "Beyond seed 002: the next_cursor of the previous page (default order only)")
            @QueryParam("cursor") String cursor,
            @Parameter(description = "Beyond seed 002: only agents whose entry (snapshot or counts) changed at or after "
                    + "this time (ISO-8601)", schema = @Schema(type = SchemaType.STRING, format = "date-time"))
            @QueryParam("updated_since") String updatedSince) {
        if (statusFilter != null && !STATUSES.containsKey(statusFilter)) {
            throw ApiException.invalidField("status_filter", "must be one of draft, active, suspended");
        }
        if (typeFilter != null && !TYPES.contains(typeFilter)) {
            throw ApiException.invalidField("type_filter", "must be one of autonomous, supervised, advisory, mcp_server");
        }
        if (sort != null && !SORTS.contains(sort)) {
            throw ApiException.invalidField("sort", "must be one of created_at, -created_at, name, -name");
        }
        int size = Params.integer("limit", limit, 100, 1, 500);
        int skip = Params.integer("offset", offset, 0, 0, Integer.MAX_VALUE);
        String search = Params.optionalText("q", q, 200);
        PageRequest.Cursor after = PageRequest.Cursor.decode(cursor);
        Instant since = Params.optionalInstant("updated_since", updatedSince);
        if (after != null && sort != null && !"created_at".equals(sort)) {
            throw ApiException.invalidField("cursor", "pages the default order only; use offset with sort");
        }
        // The page knows whether more follow it (ListQuery reads one row past it): has_more and next_cursor then agree
        // with each other and with what the next page holds, with a cursor as with an offset.
        return db.inOrg(actor.org(), conn -> catalog.list(conn, statusFilter == null ? null : STATUSES.get(statusFilter),
                        typeFilter, search, sort == null ? "created_at" : sort, size, skip, after, since))
                .map(page -> new CatalogListResponse(true, page.items().stream().map(CatalogAgent::of).toList(),
                        new Pagination(page.total(), size, skip, page.more()),
                        sort == null || "created_at".equals(sort)
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
        return db.inOrg(actor.org(), conn -> catalog.find(conn, id)).map(found -> {
            if (found == null) {
                throw ApiException.notFound("Agent");
            }
            return new CatalogAgentResponse(true, CatalogAgentDetail.of(found));
        });
    }
}
