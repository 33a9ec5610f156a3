package dev.warden.audit.drift;

import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1/drift-events")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Drift", description = "Where agents' behaviour departed from their declared intent")
public class DriftResource {

    private final DriftService service;
    private final CurrentActor actor;

    public DriftResource(DriftService service, CurrentActor actor) {
        this.service = service;
        this.actor = actor;
    }

    @GET
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "listDriftEvents", summary = "List drift events", description = "Oldest first; each names the action and its chain sequence.")
    public Uni<DriftPage> list(@Parameter(schema = @Schema(type = SchemaType.STRING, format = "uuid")) @QueryParam("agent_id") String agentId, @Parameter(schema = @Schema(type = SchemaType.STRING, enumeration = {DriftRules.FREQUENCY_EXCEEDED,
                                       DriftRules.UNAUTHORIZED_ACTION, DriftRules.UNAUTHORIZED_DATA_TYPE,
                                       DriftRules.UNAUTHORIZED_SYSTEM})) @QueryParam("drift_type") String driftType,
                               @QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
                               @QueryParam("updated_since") String updatedSince) {
        java.util.UUID agent = Params.optionalUuid("agent_id", agentId);
        return service.list(actor.org(), agent == null ? null : agent.toString(),
                Params.optionalChoice("drift_type", driftType, DriftRules.TYPES),
                PageRequest.parse(limit, cursor, updatedSince));
    }
}
