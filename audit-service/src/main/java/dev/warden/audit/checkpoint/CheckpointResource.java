package dev.warden.audit.checkpoint;

import dev.warden.api.PageRequest;
import dev.warden.api.Params;
import dev.warden.api.WardenApiDefinition;
import dev.warden.events.audit.AuditEvents.Checkpoint;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirementsSet;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import java.net.URI;

@Path("/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Audit", description = "The hash-chained, append-only audit log and its signed checkpoints")
public class CheckpointResource {

    private final CheckpointService checkpoints;
    private final SigningKey key;
    private final CurrentActor actor;

    public CheckpointResource(CheckpointService checkpoints, SigningKey key, CurrentActor actor) {
        this.checkpoints = checkpoints;
        this.key = key;
        this.actor = actor;
    }

    public record PublicKey(String keyId, String algorithm, String publicKey, String publicKeyPem) {
    }

    @GET
    @Path("/checkpoints")
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "listCheckpoints", summary = "List signed checkpoints, newest first")
    public Uni<CheckpointPage> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
                                    @QueryParam("updated_since") String updatedSince) {
        return checkpoints.list(actor.org(), PageRequest.parse(limit, cursor, updatedSince));
    }

    @POST
    @Path("/checkpoints")
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "signCheckpoint", summary = "Sign the current head now",
            description = "A head this service's key has signed already is not signed again: its checkpoint is the answer (200).")
    @APIResponse(responseCode = "201", description = "Signed; Location names the checkpoint",
            headers = @Header(name = "Location", ref = WardenApiDefinition.LOCATION),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Checkpoint.class)))
    @APIResponse(responseCode = "200", description = "The head had not moved since this key signed it: that checkpoint",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Checkpoint.class)))
    public Uni<RestResponse<Checkpoint>> sign() {
        return checkpoints.signOnce(actor.org()).map(signed -> signed.now()
                ? RestResponse.ResponseBuilder.<Checkpoint>created(URI.create("/v1/audit/checkpoints/"
                        + signed.checkpoint().id())).entity(signed.checkpoint()).build()
                : RestResponse.ok(signed.checkpoint()));
    }

    @GET
    @Path("/checkpoints/{checkpoint_id}")
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "getCheckpoint", summary = "Get a signed checkpoint")
    public Uni<Checkpoint> get(@PathParam("checkpoint_id") String id) {
        return checkpoints.get(actor.org(), Params.uuid("checkpoint_id", id));
    }

    @GET
    @Path("/public-key")
    @PermitAll
    @Operation(operationId = "getPublicKey", summary = "The Ed25519 public key that signs checkpoints, or a kept one by its id",
            description = "Public: anyone may verify. Without key_id, the key that signs now. With key_id, that key, "
                    + "current or rotated out: every public key that ever signed a checkpoint or a compliance package is "
                    + "kept, so what it signed (an older export, a compliance package) stays verifiable after a rotation. "
                    + "404 when no key of that id ever signed.")
    @SecurityRequirementsSet
    @APIResponse(responseCode = "200", description = "The public key",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PublicKey.class)))
    @APIResponse(responseCode = "404", ref = WardenApiDefinition.NOT_FOUND)
    public PublicKey publicKey(@Parameter(description = "The id of the key to answer (a checkpoint's or a compliance "
            + "package's key_id: 16 lower-case hex digits); without it, the current key",
            schema = @Schema(type = SchemaType.STRING, pattern = SigningKey.KEY_ID_PATTERN, minLength = 16, maxLength = 16))
                                    @QueryParam("key_id") String keyId) {
        String wanted = SigningKey.parseKeyId("key_id", keyId);
        if (wanted == null || wanted.equals(key.keyId())) {
            return publicKey(key.keyId(), SigningKey.ALGORITHM, key.publicKeyBase64());
        }
        // Answered on a worker thread, as before there was a key_id: a method answering a Uni runs on the event loop,
        // where RESTEasy Reactive resolves the caller's identity first, so a wrong API key sent to this public
        // operation was a 401 (the fuzzer found it)
        var kept = checkpoints.keptKey(wanted).await().atMost(KEPT_KEY_WAIT);
        return publicKey(kept.keyId(), kept.algorithm(), kept.publicKey());
    }

    private static final java.time.Duration KEPT_KEY_WAIT = java.time.Duration.ofSeconds(30);

    private static PublicKey publicKey(String keyId, String algorithm, String base64) {
        String pem = "-----BEGIN PUBLIC KEY-----\n" + base64 + "\n-----END PUBLIC KEY-----\n";
        return new PublicKey(keyId, algorithm, base64, pem);
    }
}
