package dev.warden.runner.execution;

import dev.warden.api.OpenStreams;
import dev.warden.api.Params;
import dev.warden.tenancy.security.CredentialWatch;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestStreamElementType;

import io.smallrye.common.annotation.Blocking;

import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code /v1/executions/**}: one execution, as it stands. */
@Path("/v1/executions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Executions")
public class ExecutionResource {

    private final ExecutionService executions;
    private final CurrentActor actor;
    private final CredentialWatch credentials;
    private final OpenStreams streams;

    public ExecutionResource(ExecutionService executions, CurrentActor actor, CredentialWatch credentials,
                             OpenStreams streams) {
        this.streams = streams;
        this.credentials = credentials;
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

    @GET
    @Path("/{execution_id}/logs")
    @RolesAllowed(Roles.VIEWER)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(operationId = "streamExecutionLogs", summary = "Stream an execution's output",
            description = "Server-Sent Events, one per output line ({\"stream\": \"stdout\", \"line\": \"...\"}): the "
                    + "lines so far, then each new one while the container runs (on the instance running it), and last "
                    + "{\"stream\": \"end\", \"line\": <the execution's status>}. When the output read again from the "
                    + "engine after the exit differs from what the live feed delivered (the feed can skip lines), a "
                    + "{\"stream\": \"reset\"} event comes before end, then every line again: keep what follows the "
                    + "last reset. For a finished execution, its kept lines (stdout, then stderr) and the end event; on an "
                    + "instance other than the one running it, the same once the run has ended.")
    @APIResponse(responseCode = "200", description = "The output, line by line",
            // The stream as one text: a generated client (openapi-generator) reads an event stream's body whole and
            // parsed it as one LogLine, which failed; each event's data is a LogLine's JSON, as the description says
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(type = SchemaType.STRING,
                    description = "Server-Sent Events; each event's data is {\"stream\": \"stdout\"|\"stderr\"|\"reset\"|\"end\", \"line\": \"...\"}")))
    @Blocking
    public Multi<LogLine> logs(@PathParam("execution_id") String executionId) {
        UUID id = Params.uuid("execution_id", executionId);
        UUID org = actor.org();
        // An unknown or another organization's execution is a 404 before the stream begins
        Execution execution = OpenStreams.readBeforeItBegins(executions.get(org, id));
        // A slot of the organization's open streams, taken before the stream begins: a refusal is a 429 in the error shape
        return credentials.whileUsable(streams.bounded(org, executions.logs(org, execution)));
    }
}
