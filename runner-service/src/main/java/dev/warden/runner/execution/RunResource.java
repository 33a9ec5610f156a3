package dev.warden.runner.execution;

import dev.warden.api.WardenApiDefinition;
import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.tenancy.db.Idempotency;
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

/** Seed 001's {@code POST /v1/agents/{agent_id}/run}, and an agent's executions. */
@Path("/v1/agents")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Executions", description = "Run an agent's container with its plan tier's hard limits")
public class RunResource {

    private final ExecutionService executions;
    private final CurrentActor actor;

    public RunResource(ExecutionService executions, CurrentActor actor) {
        this.executions = executions;
        this.actor = actor;
    }

    @POST
    @Path("/{agent_id}/run")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(operationId = "runAgent", summary = "Run an agent",
            description = "Runs the agent's current image with the limits of the organization's plan tier (CPU, memory, "
                    + "timeout, processes, output, network) and answers its outcome and output. 400 when the agent has "
                    + "no image, 403 when it is suspended, 429 beyond the concurrent-run limits (Retry-After), 503 when "
                    + "this replica can run nothing now (no container engine, or its instance name held by another "
                    + "replica; Retry-After). With async=true, 202 with the running execution at once.")
    @APIResponse(responseCode = "200", description = "The run's outcome",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Execution.class)))
    @APIResponse(responseCode = "202", description = "async=true: the run started; Location names the execution",
            headers = @Header(name = "Location", ref = WardenApiDefinition.LOCATION),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Execution.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    @APIResponse(responseCode = "429", ref = WardenApiDefinition.TOO_MANY_REQUESTS)
    @Parameter(name = Idempotency.HEADER, in = ParameterIn.HEADER, description = Idempotency.DESCRIPTION
            + " A run asked again answers its execution as it stands: finished, or a 409 naming it while it runs.",
            schema = @Schema(type = SchemaType.STRING, minLength = 1, maxLength = 255))
    public Uni<RestResponse<Execution>> run(@PathParam("agent_id") String agentId,
                                            @Parameter(description = "true: answer 202 at once and run in the background",
                                                    schema = @Schema(type = SchemaType.BOOLEAN))
                                            @QueryParam("async") String async,
                                            @Context UriInfo uri, @Context HttpHeaders headers) {
        boolean background = Boolean.TRUE.equals(Params.optionalBoolean("async", async));
        UUID id = Params.uuid("agent_id", agentId);
        Idempotency.Key key = Idempotency.Key.of(headers, actor.name(), "runAgent " + id + (background ? " async" : ""), null);
        return executions.run(actor.org(), actor.name(), id, background, key)
                .map(e -> background
                        ? RestResponse.ResponseBuilder.<Execution>accepted().entity(e)
                                .location(URI.create(uri.getBaseUri().getPath() + "v1/executions/" + e.executionId())).build()
                        : RestResponse.ok(e));
    }

    @GET
    @Path("/{agent_id}/executions")
    @RolesAllowed(Roles.VIEWER)
    @Operation(operationId = "listAgentExecutions", summary = "List an agent's executions", description = "Oldest first.")
    public Uni<ExecutionPage> list(@PathParam("agent_id") String agentId,
                                   @Parameter(description = "1 to 500, default 100") @QueryParam("limit") String limit,
                                   @Parameter(description = "next_cursor of the previous page") @QueryParam("cursor") String cursor,
                                   @Parameter(description = "Only executions changed at or after this time (ISO-8601)")
                                   @QueryParam("updated_since") String updatedSince) {
        PageRequest page = PageRequest.parse(limit, cursor, updatedSince);
        return executions.list(actor.org(), Params.uuid("agent_id", agentId), page);
    }
}
