package dev.warden.runner.execution;

import dev.warden.api.Params;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code /v1/executions/**}: one execution, as it stands. */
@Path("/v1/executions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Executions")
public class ExecutionResource {

    private final ExecutionService executions;
    private final CurrentActor actor;

    public ExecutionResource(ExecutionService executions, CurrentActor actor) {
        this.executions = executions;
        this.actor = actor;
    }

    @GET
    @Path("/{execution_id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(operationId = "getExecution", summary = "Get an execution",
            description = "status running until the container has exited, then its outcome and output.")
    public Uni<Execution> get(@PathParam("execution_id") String executionId) {
        return executions.get(actor.org(), Params.uuid("execution_id", executionId));
    }
}
