package dev.warden.audit.chain;

import dev.warden.api.Params;
import dev.warden.api.WardenApiDefinition;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import java.net.URI;

@Path("/v1/audit/verifications")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Audit")
public class VerificationResource {

    private final VerificationJobs jobs;
    private final CurrentActor actor;

    public VerificationResource(VerificationJobs jobs, CurrentActor actor) {
        this.jobs = jobs;
        this.actor = actor;
    }

    @POST
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "startChainVerification", summary = "Verify the whole chain in the background",
            description = "Answers 202 at once; poll the verification for progress and its verdict, which names the first "
                    + "entry that does not verify. GET /v1/audit/verify checks only from the newest checkpoint. One runs "
                    + "at a time per organization: while one runs, 429 with Retry-After, naming it.")
    @APIResponse(responseCode = "202", description = "Started; Location names the verification",
            headers = @Header(name = "Location", ref = WardenApiDefinition.LOCATION),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ChainVerification.class)))
    @APIResponse(responseCode = "429", ref = WardenApiDefinition.TOO_MANY_REQUESTS)
    public Uni<RestResponse<ChainVerification>> start() {
        return jobs.start(actor.org(), actor.name()).map(v -> RestResponse.ResponseBuilder.<ChainVerification>create(202)
                .location(URI.create("/v1/audit/verifications/" + v.id())).entity(v).build());
    }

    @GET
    @Path("/{verification_id}")
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "getChainVerification", summary = "Progress and verdict of a whole-chain verification")
    public Uni<ChainVerification> get(@PathParam("verification_id") String verificationId) {
        return jobs.find(actor.org(), Params.uuid("verification_id", verificationId));
    }
}
