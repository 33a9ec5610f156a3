package dev.warden.agent.access;

import dev.warden.agent.access.AccessModels.CreateOrganizationRequest;
import dev.warden.agent.access.AccessModels.CreateOrganizationResponse;
import dev.warden.agent.access.AccessModels.OrganizationListResponse;
import dev.warden.agent.access.AccessModels.OutboundAllowList;
import dev.warden.api.Checks;
import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.api.WardenApiDefinition;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
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

/** Organizations, managed by platform admins, who see no organization's data. */
@Path("/v1/orgs")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.PLATFORM_ADMIN)
@Tag(name = "Organizations", description = "Platform administration: create, list and disable organizations")
public class OrganizationResource {

    private final AccessService access;
    private final CurrentActor actor;

    public OrganizationResource(AccessService access, CurrentActor actor) {
        this.access = access;
        this.actor = actor;
    }

    @POST
    @Operation(operationId = "createOrganization", summary = "Create an organization and its first admin API key (its secret is shown once)")
    @APIResponse(responseCode = "201", description = "Created; Location names the organization",
            headers = @Header(name = "Location", ref = WardenApiDefinition.LOCATION),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CreateOrganizationResponse.class)))
    @APIResponse(responseCode = "202", description = "Created, but not yet in force: the event stream did not carry it within "
            + "the delivery timeout (the broker is away). The admin key's secret is shown here all the same, once; it works "
            + "in every service once the broker is back",
            headers = @Header(name = "Location", ref = WardenApiDefinition.LOCATION),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CreateOrganizationResponse.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    public Uni<RestResponse<CreateOrganizationResponse>> create(CreateOrganizationRequest request) {
        return access.createOrganization(actor.name(), Checks.body(request))
                .map(shown -> shown.answer(URI.create("/v1/orgs/" + shown.created().organization().id())));
    }

    @GET
    @Operation(operationId = "listOrganizations", summary = "List organizations")
    public Uni<OrganizationListResponse> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
                                              @QueryParam("updated_since") String updatedSince) {
        return access.listOrganizations(PageRequest.parse(limit, cursor, updatedSince));
    }

    @GET
    @Path("/{org_id}")
    @Operation(operationId = "getOrganization", summary = "Get an organization")
    public Uni<OrganizationRecord> get(@PathParam("org_id") String orgId) {
        return access.getOrganization(Params.uuid("org_id", orgId));
    }

    @POST
    @Path("/{org_id}/disable")
    @Operation(operationId = "disableOrganization", summary = "Disable an organization: its keys stop working in every service")
    public Uni<OrganizationRecord> disable(@PathParam("org_id") String orgId) {
        return access.setOrganizationStatus(Params.uuid("org_id", orgId), "disabled");
    }

    @PUT
    @Path("/{org_id}/outbound-allow-list")
    @Operation(operationId = "setOutboundAllowList", summary = "Set the internal addresses its agents may call",
            description = "webhook_url and mcp_server_url may not point at loopback, link-local, private or metadata "
                    + "addresses unless this list admits them. Replaces the list.")
    public Uni<OrganizationRecord> setOutboundAllowList(@PathParam("org_id") String orgId, OutboundAllowList request) {
        return access.setOutboundAllowList(Params.uuid("org_id", orgId), Checks.body(request));
    }

    @POST
    @Path("/{org_id}/enable")
    @Operation(operationId = "enableOrganization", summary = "Enable a disabled organization again")
    public Uni<OrganizationRecord> enable(@PathParam("org_id") String orgId) {
        return access.setOrganizationStatus(Params.uuid("org_id", orgId), "active");
    }
}
