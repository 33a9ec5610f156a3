package dev.warden.agent.lifecycle;

import dev.warden.agent.lifecycle.AgentRequests.CreateAgentRequest;
import dev.warden.agent.lifecycle.AgentRequests.DeclaredIntentRequest;
import dev.warden.agent.lifecycle.AgentRequests.DeployRequest;
import dev.warden.agent.lifecycle.AgentRequests.UpdateAgentRequest;
import dev.warden.agent.lifecycle.AgentResponses.AgentListResponse;
import dev.warden.agent.lifecycle.AgentResponses.VersionListResponse;
import dev.warden.api.Checks;
import dev.warden.api.IfMatch;
import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.api.WardenApiDefinition;
import dev.warden.events.agent.AgentSnapshot;
import dev.warden.events.agent.AgentStatus;
import dev.warden.tenancy.db.Idempotency;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
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
import java.util.UUID;

@Path("/v1/agents")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Agents", description = "Agent lifecycle: define, deploy, suspend, declare intent, roll back")
public class AgentResource {

    private final AgentService agents;
    private final CurrentActor actor;

    public AgentResource(AgentService agents, CurrentActor actor) {
        this.agents = agents;
        this.actor = actor;
    }

    @GET
    @RolesAllowed(Roles.VIEWER)
    @Operation(operationId = "listAgents", summary = "List agents", description = "All agents of the caller's organization, oldest first.")
    public Uni<AgentListResponse> list(
            @Parameter(description = "inactive, active, suspended or error", schema = @Schema(implementation = AgentStatus.class)) @QueryParam("status") String status,
            @Parameter(description = PageRequest.WHOLE_LIMIT, schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "500"))
            @QueryParam("limit") String limit,
            @Parameter(description = "next_cursor of the previous page") @QueryParam("cursor") String cursor,
            @Parameter(description = "Only agents changed at or after this time (ISO-8601)") @QueryParam("updated_since") String updatedSince) {
        PageRequest page = PageRequest.parseWhole(limit, cursor, updatedSince);
        return agents.list(actor.org(), page, Params.optionalEnum("status", status, AgentStatus.class));
    }

    @GET
    @Path("/{agent_id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(operationId = "getAgent", summary = "Get an agent")
    @APIResponse(responseCode = "200", description = "The agent; ETag is its revision, for If-Match on an edit",
            headers = @Header(name = IfMatch.ETAG, ref = IfMatch.ETAG),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AgentSnapshot.class)))
    public Uni<AgentSnapshot> get(@PathParam("agent_id") String agentId) {
        return agents.get(actor.org(), Params.uuid("agent_id", agentId));
    }

    @POST
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "createAgent", summary = "Create an agent", description = "Creates the agent in the inactive state.")
    @APIResponse(responseCode = "201", description = "Created; Location names the agent",
            headers = @Header(name = "Location", ref = WardenApiDefinition.LOCATION), content = @Content(schema = @Schema(implementation = AgentSnapshot.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    @Parameter(name = Idempotency.HEADER, in = ParameterIn.HEADER, description = Idempotency.DESCRIPTION,
            schema = @Schema(type = SchemaType.STRING, minLength = 1, maxLength = 255))
    public Uni<RestResponse<AgentSnapshot>> create(CreateAgentRequest request, @Context UriInfo uri, @Context HttpHeaders headers) {
        CreateAgentRequest body = Checks.body(request);
        return agents.create(actor.org(), actor.name(), body, Idempotency.Key.of(headers, actor.name(), "createAgent", body))
                .map(agent -> RestResponse.ResponseBuilder.<AgentSnapshot>created(
                        URI.create(uri.getBaseUri().getPath() + "v1/agents/" + agent.id())).entity(agent).build());
    }

    @PATCH
    @Path("/{agent_id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "updateAgent", summary = "Update an agent's metadata", description = "Only the fields given change; an empty body is a 400.")
    @APIResponse(responseCode = "200", description = "The agent as changed; ETag is its new revision",
            headers = @Header(name = IfMatch.ETAG, ref = IfMatch.ETAG),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AgentSnapshot.class)))
    @APIResponse(responseCode = "412", ref = WardenApiDefinition.PRECONDITION_FAILED)
    @Parameter(name = IfMatch.HEADER, in = ParameterIn.HEADER, description = IfMatch.DESCRIPTION,
            schema = @Schema(type = SchemaType.STRING))
    public Uni<AgentSnapshot> update(@PathParam("agent_id") String agentId, UpdateAgentRequest request,
                                     @Context HttpHeaders headers) {
        return agents.update(actor.org(), actor.name(), Params.uuid("agent_id", agentId), Checks.body(request),
                IfMatch.accepted(headers));
    }

    @POST
    @Path("/{agent_id}/deploy")
    @RolesAllowed(Roles.OPERATOR)
    @APIResponse(responseCode = "200", description = "The agent, active at its new version",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AgentSnapshot.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    @Operation(operationId = "deployAgent", summary = "Deploy a new version", description = "Creates version N+1 with the "
            + "image and sets the agent active. A suspended agent stays suspended: only an admin can lift a suspension, "
            + "with lift_suspension; anyone else gets 403.")
    @Parameter(name = Idempotency.HEADER, in = ParameterIn.HEADER, description = Idempotency.DESCRIPTION,
            schema = @Schema(type = SchemaType.STRING, minLength = 1, maxLength = 255))
    public Uni<AgentSnapshot> deploy(@PathParam("agent_id") String agentId, DeployRequest request, @Context HttpHeaders headers) {
        UUID id = Params.uuid("agent_id", agentId);
        DeployRequest body = Checks.body(request);
        return agents.deploy(actor.org(), caller(), id, body, Idempotency.Key.of(headers, actor.name(), "deployAgent " + id, body));
    }

    @POST
    @Path("/{agent_id}/suspend")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(operationId = "suspendAgent", summary = "Suspend an agent")
    public Uni<AgentSnapshot> suspend(@PathParam("agent_id") String agentId) {
        return agents.suspend(actor.org(), actor.name(), Params.uuid("agent_id", agentId));
    }

    @PUT
    @Path("/{agent_id}/intent")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "declareAgentIntent", summary = "Set the declared intent manifest",
            description = "Records the manifest, who signed it and when, and the SHA-256 of its canonical JSON. An agent "
                    + "with a key may sign the manifest itself: the Warden-Intent-Signature header carries a detached JWS "
                    + "(EdDSA, header..signature) over the RFC 8785 canonical JSON of the manifest with all five fields "
                    + "(absent data_types is [], absent description and rate_limit are null), its protected header naming "
                    + "the agent (warden_agent_id) and when it was signed (iat, seconds since the epoch: within 5 minutes "
                    + "of now, and later than the signature it replaces). A valid one makes the agent's DID "
                    + "declared_intent_signed_by and is kept in declared_intent_jws; one that does not verify, or is for "
                    + "another agent, stale or older, is a 401.")
    @APIResponse(responseCode = "200", description = "The agent with its manifest; ETag is its new revision",
            headers = @Header(name = IfMatch.ETAG, ref = IfMatch.ETAG),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AgentSnapshot.class)))
    @APIResponse(responseCode = "412", ref = WardenApiDefinition.PRECONDITION_FAILED)
    @Parameter(name = IfMatch.HEADER, in = ParameterIn.HEADER, description = IfMatch.DESCRIPTION,
            schema = @Schema(type = SchemaType.STRING))
    public Uni<AgentSnapshot> declareIntent(@PathParam("agent_id") String agentId, DeclaredIntentRequest request,
                                            @Parameter(description = "The agent's detached JWS of the manifest; optional")
                                            @HeaderParam(IntentSignature.HEADER) String signature,
                                            @Context HttpHeaders headers) {
        // A header sent empty is a signing step that produced nothing: a 400, not an unsigned manifest
        String jws = signature == null && headers.getRequestHeaders().containsKey(IntentSignature.HEADER) ? "" : signature;
        return agents.declareIntent(actor.org(), actor.name(), Params.uuid("agent_id", agentId), Checks.body(request),
                jws, IfMatch.accepted(headers));
    }

    @POST
    @Path("/{agent_id}/rollback")
    @RolesAllowed(Roles.OPERATOR)
    @APIResponse(responseCode = "200", description = "The agent at the version rolled back to",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AgentSnapshot.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    @Operation(operationId = "rollbackAgent", summary = "Roll back to a previous version",
            description = "To target_version, or the version before the current one; 400 when there is none. "
                    + "A suspended agent stays suspended: only an admin can lift a suspension, with lift_suspension=true; "
                    + "anyone else gets 403.")
    @Parameter(name = Idempotency.HEADER, in = ParameterIn.HEADER, description = Idempotency.DESCRIPTION,
            schema = @Schema(type = SchemaType.STRING, minLength = 1, maxLength = 255))
    public Uni<AgentSnapshot> rollback(@PathParam("agent_id") String agentId,
                                       @Parameter(schema = @Schema(type = SchemaType.INTEGER, format = "int32", minimum = "1",
                                               maximum = "2147483647"))
                                       @QueryParam("target_version") String targetVersion,
                                       @Parameter(schema = @Schema(type = SchemaType.BOOLEAN))
                                       @QueryParam("lift_suspension") String liftSuspension, @Context HttpHeaders headers) {
        UUID id = Params.uuid("agent_id", agentId);
        Integer target = Params.optionalInteger("target_version", targetVersion, 1, Integer.MAX_VALUE);
        boolean lift = Boolean.TRUE.equals(Params.optionalBoolean("lift_suspension", liftSuspension));
        return agents.rollback(actor.org(), caller(), id, target, lift,
                Idempotency.Key.of(headers, actor.name(), "rollbackAgent " + id + " " + target + " " + lift, null));
    }

    private Caller caller() {
        return new Caller(actor.name(), actor.has(Roles.ADMIN));
    }

    @GET
    @Path("/{agent_id}/versions")
    @RolesAllowed(Roles.VIEWER)
    @Operation(operationId = "listAgentVersions", summary = "List an agent's versions", description = "Newest first.")
    public Uni<VersionListResponse> versions(@PathParam("agent_id") String agentId,
                                             @Parameter(description = PageRequest.WHOLE_LIMIT, schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "500"))
                                             @QueryParam("limit") String limit,
                                             @QueryParam("cursor") String cursor,
                                             @QueryParam("updated_since") String updatedSince) {
        return agents.versions(actor.org(), Params.uuid("agent_id", agentId), PageRequest.parseWhole(limit, cursor, updatedSince));
    }
}
