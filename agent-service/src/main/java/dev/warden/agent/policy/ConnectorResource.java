package dev.warden.agent.policy;

import dev.warden.agent.policy.PolicyModels.BindConnectorRequest;
import dev.warden.agent.policy.PolicyModels.ConnectorListResponse;
import dev.warden.api.Checks;
import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.api.WardenApiDefinition;
import dev.warden.events.agent.AgentEvents.ConnectorBinding;
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

@Path("/v1/agents")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Connectors", description = "The external systems an agent is bound to")
public class ConnectorResource {

    /**
     * Under the agents' root, not a root of its own: RESTEasy Reactive picks the class by its path first, and a method
     * this class does not declare (a PUT on the bindings) then fell through to a 404 instead of the 405 every other
     * path answers.
     */
    private static final String BINDINGS = "/{agent_id}/connectors";

    private final PolicyService service;
    private final CurrentActor actor;

    public ConnectorResource(PolicyService service, CurrentActor actor) {
        this.service = service;
        this.actor = actor;
    }

    @GET
    @Path(BINDINGS)
    @RolesAllowed(Roles.VIEWER)
    @Operation(operationId = "listConnectorBindings", summary = "List an agent's connector bindings")
    public Uni<ConnectorListResponse> list(@PathParam("agent_id") String agentId, @QueryParam("limit") String limit,
                                           @QueryParam("cursor") String cursor,
                                           @QueryParam("updated_since") String updatedSince) {
        return service.connectors(actor.org(), Params.uuid("agent_id", agentId),
                PageRequest.parse(limit, cursor, updatedSince));
    }

    @POST
    @Path(BINDINGS)
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "bindConnector", summary = "Bind a connector to an agent")
    @APIResponse(responseCode = "201", description = "Bound; Location names the binding",
            headers = @Header(name = "Location", ref = WardenApiDefinition.LOCATION),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ConnectorBinding.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    public Uni<RestResponse<ConnectorBinding>> bind(@PathParam("agent_id") String agentId, BindConnectorRequest request) {
        return service.bindConnector(actor.org(), actor.name(), Params.uuid("agent_id", agentId), Checks.body(request))
                .map(b -> RestResponse.ResponseBuilder.<ConnectorBinding>created(
                        URI.create("/v1/agents/" + agentId + "/connectors/" + b.id())).entity(b).build());
    }

    @GET
    @Path(BINDINGS + "/{binding_id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(operationId = "getConnectorBinding", summary = "Get one of an agent's connector bindings")
    public Uni<ConnectorBinding> get(@PathParam("agent_id") String agentId, @PathParam("binding_id") String bindingId) {
        return service.connector(actor.org(), Params.uuid("agent_id", agentId), Params.uuid("binding_id", bindingId));
    }

    @DELETE
    @Path(BINDINGS + "/{binding_id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "unbindConnector", summary = "Unbind a connector")
    @APIResponse(responseCode = "204", description = "Unbound")
    public Uni<RestResponse<Void>> unbind(@PathParam("agent_id") String agentId, @PathParam("binding_id") String bindingId) {
        return service.unbindConnector(actor.org(), Params.uuid("agent_id", agentId), Params.uuid("binding_id", bindingId))
                .map(done -> RestResponse.noContent());
    }
}
