package dev.warden.agent.policy;

import dev.warden.agent.policy.PolicyModels.CreatePolicyRequest;
import dev.warden.agent.policy.PolicyModels.PolicyListResponse;
import dev.warden.agent.policy.PolicyModels.PolicyVersionListResponse;
import dev.warden.agent.policy.PolicyModels.UpdatePolicyRequest;
import dev.warden.api.Checks;
import dev.warden.api.IfMatch;
import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.api.WardenApiDefinition;
import dev.warden.events.agent.AgentEvents.Policy;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
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

@Path("/v1/policies")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Policies", description = "Versioned policy rules bound to agents")
public class PolicyResource {

    private final PolicyService service;
    private final CurrentActor actor;

    public PolicyResource(PolicyService service, CurrentActor actor) {
        this.service = service;
        this.actor = actor;
    }

    @GET
    @RolesAllowed(Roles.VIEWER)
    @Operation(operationId = "listPolicies", summary = "List policies", description = "Optionally only those bound to agent_id.")
    public Uni<PolicyListResponse> list(@Parameter(schema = @Schema(type = SchemaType.STRING, format = "uuid")) @QueryParam("agent_id") String agentId, @QueryParam("limit") String limit,
                                        @QueryParam("cursor") String cursor,
                                        @QueryParam("updated_since") String updatedSince) {
        return service.list(actor.org(), PageRequest.parse(limit, cursor, updatedSince),
                Params.optionalUuid("agent_id", agentId));
    }

    @POST
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "createPolicy", summary = "Create a policy (version 1), optionally bound to agents")
    @APIResponse(responseCode = "201", description = "Created; Location names the policy",
            headers = @Header(name = "Location", ref = WardenApiDefinition.LOCATION),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Policy.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    public Uni<RestResponse<Policy>> create(CreatePolicyRequest request) {
        return service.create(actor.org(), actor.name(), Checks.body(request))
                .map(p -> RestResponse.ResponseBuilder.<Policy>created(URI.create("/v1/policies/" + p.id())).entity(p).build());
    }

    @GET
    @Path("/{policy_id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(operationId = "getPolicy", summary = "Get a policy")
    @APIResponse(responseCode = "200", description = "The policy; ETag changes with its version and its bound agents, for If-Match on an edit",
            headers = @Header(name = IfMatch.ETAG, ref = IfMatch.ETAG),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Policy.class)))
    public Uni<Policy> get(@PathParam("policy_id") String policyId) {
        return service.get(actor.org(), Params.uuid("policy_id", policyId));
    }

    @PATCH
    @Path("/{policy_id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "updatePolicy", summary = "Change a policy", description = "Each change is a new version; earlier versions are kept.")
    @APIResponse(responseCode = "200", description = "The policy as changed; ETag is its new tag",
            headers = @Header(name = IfMatch.ETAG, ref = IfMatch.ETAG),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Policy.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    @APIResponse(responseCode = "412", ref = WardenApiDefinition.PRECONDITION_FAILED)
    @Parameter(name = IfMatch.HEADER, in = ParameterIn.HEADER, description = IfMatch.DESCRIPTION,
            schema = @Schema(type = SchemaType.STRING))
    public Uni<Policy> update(@PathParam("policy_id") String policyId, UpdatePolicyRequest request,
                              @Context HttpHeaders headers) {
        return service.update(actor.org(), actor.name(), Params.uuid("policy_id", policyId), request,
                IfMatch.accepted(headers));
    }

    @DELETE
    @Path("/{policy_id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "deletePolicy", summary = "Remove a policy", description = "Its agents are unbound; its versions stay on record.")
    @APIResponse(responseCode = "204", description = "Removed")
    public Uni<RestResponse<Void>> remove(@PathParam("policy_id") String policyId) {
        return service.remove(actor.org(), actor.name(), Params.uuid("policy_id", policyId)).map(done -> RestResponse.noContent());
    }

    @GET
    @Path("/{policy_id}/versions")
    @RolesAllowed(Roles.VIEWER)
    @Operation(operationId = "listPolicyVersions", summary = "List a policy's versions, newest first")
    public Uni<PolicyVersionListResponse> versions(@PathParam("policy_id") String policyId,
                                                   @QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
                                                   @QueryParam("updated_since") String updatedSince) {
        return service.versions(actor.org(), Params.uuid("policy_id", policyId), PageRequest.parse(limit, cursor, updatedSince));
    }

    @PUT
    @Path("/{policy_id}/agents/{agent_id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "bindPolicyToAgent", summary = "Bind the policy to an agent")
    public Uni<Policy> bind(@PathParam("policy_id") String policyId, @PathParam("agent_id") String agentId) {
        return service.bind(actor.org(), actor.name(), Params.uuid("policy_id", policyId), Params.uuid("agent_id", agentId));
    }

    @DELETE
    @Path("/{policy_id}/agents/{agent_id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "unbindPolicyFromAgent", summary = "Unbind the policy from an agent")
    public Uni<Policy> unbind(@PathParam("policy_id") String policyId, @PathParam("agent_id") String agentId) {
        return service.unbind(actor.org(), actor.name(), Params.uuid("policy_id", policyId), Params.uuid("agent_id", agentId));
    }
}
