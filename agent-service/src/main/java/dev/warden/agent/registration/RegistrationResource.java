package dev.warden.agent.registration;

import dev.warden.agent.registration.RegistrationWire.ApproveRequest;
import dev.warden.agent.registration.RegistrationWire.ApproveResponse;
import dev.warden.agent.registration.RegistrationWire.RegistrationListResponse;
import dev.warden.agent.registration.RegistrationWire.RejectRequest;
import dev.warden.agent.registration.RegistrationWire.SuccessResponse;
import dev.warden.api.Checks;
import dev.warden.api.Params;
import dev.warden.api.WardenApiDefinition;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Seed 004's registration approval: an org admin lists pending registrations and decides each once. */
@Path("/v1/registrations")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Registrations")
public class RegistrationResource {

    private static final int MAX_REASON = 2000;

    private final RegistrationService registrations;
    private final CurrentActor actor;

    public RegistrationResource(RegistrationService registrations, CurrentActor actor) {
        this.registrations = registrations;
        this.actor = actor;
    }

    @GET
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "listRegistrations", summary = "List pending registrations",
            description = "Oldest first, at most 1,000, with the capabilities the organization may grant.")
    public Uni<RegistrationListResponse> list() {
        return registrations.pending(actor.org());
    }

    @POST
    @Path("/{registration_id}/approve")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "approveRegistration", summary = "Approve a registration",
            description = "Grants a subset of the requested capabilities (anything else: 400) and creates the agent, "
                    + "inactive, with its DID. A registration is decided once: 409 after that.")
    @APIResponse(responseCode = "200", description = "Approved; agentId is the new agent's DID",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApproveResponse.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    public Uni<ApproveResponse> approve(@PathParam("registration_id") String id, ApproveRequest request) {
        ApproveRequest req = Checks.body(request);
        new Checks().required("capabilities", req.capabilities())
                .noBlankEntries("capabilities", req.capabilities())
                .check(req.capabilities() == null || req.capabilities().stream().distinct().count() == req.capabilities().size(),
                        "capabilities", "must not repeat a capability")
                .orThrow();
        return registrations.approve(actor.org(), actor.name(), Params.uuid("registration_id", id), req.capabilities(),
                req.realm());
    }

    @POST
    @Path("/{registration_id}/reject")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "rejectRegistration", summary = "Reject a registration",
            description = "Needs a non-empty reason. A registration is decided once: 409 after that.")
    @APIResponse(responseCode = "200", description = "Rejected",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SuccessResponse.class)))
    @APIResponse(responseCode = "409", ref = WardenApiDefinition.CONFLICT)
    public Uni<SuccessResponse> reject(@PathParam("registration_id") String id, RejectRequest request) {
        RejectRequest req = Checks.body(request);
        new Checks().required("reason", req.reason()).maxLength("reason", req.reason(), MAX_REASON).orThrow();
        return registrations.reject(actor.org(), actor.name(), Params.uuid("registration_id", id), req.reason());
    }
}
