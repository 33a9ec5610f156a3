package dev.warden.audit.rest;

import dev.warden.api.PageRequest.Cursor;
import dev.warden.api.Params;
import dev.warden.audit.chain.AuditRepository;
import dev.warden.audit.chain.AuditRepository.EntryFilter;
import dev.warden.audit.chain.ChainVerifier;
import dev.warden.audit.chain.ChainVerifier.Export;
import dev.warden.audit.chain.ChainVerifier.Verification;
import dev.warden.audit.checkpoint.CheckpointService;
import dev.warden.audit.checkpoint.SigningKey;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.events.audit.AuditEvents.Checkpoint;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirementsSet;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import java.net.URI;
import java.util.List;
import java.util.UUID;

@Path("/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Audit", description = "The hash-chained, append-only audit log and its signed checkpoints")
public class AuditResource {

    private final TenantDb db;
    private final AuditRepository repository;
    private final ChainVerifier verifier;
    private final CheckpointService checkpoints;
    private final SigningKey key;
    private final CurrentActor actor;

    public AuditResource(TenantDb db, AuditRepository repository, ChainVerifier verifier, CheckpointService checkpoints,
                         SigningKey key, CurrentActor actor) {
        this.db = db;
        this.repository = repository;
        this.verifier = verifier;
        this.checkpoints = checkpoints;
        this.key = key;
        this.actor = actor;
    }

    public record AuditPage(List<AuditEntry> entries, long total, int limit, int offset,
                            @Schema(nullable = true, description = "null on the last page") String nextCursor) {
    }

    public record CheckpointPage(List<Checkpoint> checkpoints,
                                 @Schema(nullable = true, description = "null on the last page") String nextCursor) {
    }

    public record PublicKey(String keyId, String algorithm, String publicKey, String publicKeyPem) {
    }

    @GET
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "listAuditEntries", summary = "Query the audit log", description = "Entries in chain order, with their sequence and hashes.")
    public Uni<AuditPage> list(@Parameter(description = "1 to 1000, default 100") @QueryParam("limit") String limit,
                               @QueryParam("offset") String offset,
                               @QueryParam("cursor") String cursor,
                               @QueryParam("agent_id") String agentId,
                               @QueryParam("action_type") String actionType,
                               @QueryParam("connector") String connector,
                               @QueryParam("status") String status,
                               @Parameter(description = "occurred at or after (ISO-8601)") @QueryParam("from") String from,
                               @Parameter(description = "occurred before (ISO-8601)") @QueryParam("to") String to) {
        int pageSize = Params.integer("limit", limit, 100, 1, 1000);
        int skip = Params.integer("offset", offset, 0, 0, Integer.MAX_VALUE);
        Cursor after = Cursor.decode(cursor);
        EntryFilter filter = new EntryFilter(agentId, actionType, connector, status, Params.optionalInstant("from", from),
                Params.optionalInstant("to", to), after == null ? null : after.position());
        return db.inOrg(actor.org(), conn -> repository.entries(conn, filter, pageSize, skip)
                .chain(entries -> repository.count(conn, filter).map(total -> new AuditPage(entries, total, pageSize, skip,
                        entries.size() == pageSize ? new Cursor(entries.getLast().sequence(), entries.getLast().eventId()).encode() : null))));
    }

    @GET
    @Path("/verify")
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "verifyAuditChain", summary = "Recompute the chain", description = "Names the first entry that does not verify, and checks the newest checkpoint of the range.")
    public Uni<Verification> verify(@QueryParam("from") String from, @QueryParam("to") String to) {
        return verifier.verify(actor.org(), sequence("from", from), sequence("to", to));
    }

    @GET
    @Path("/export")
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "exportAuditChain", summary = "Export a range for offline verification", description = "Entries, the hash before them, the newest checkpoint of the range and its public key.")
    public Uni<Export> export(@QueryParam("from") String from, @QueryParam("to") String to) {
        return verifier.export(actor.org(), sequence("from", from), sequence("to", to));
    }

    @GET
    @Path("/checkpoints")
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "listCheckpoints", summary = "List signed checkpoints, newest first")
    public Uni<CheckpointPage> checkpoints(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        int pageSize = Params.integer("limit", limit, 100, 1, 500);
        Cursor after = Cursor.decode(cursor);
        return checkpoints.list(actor.org(), pageSize, after == null ? null : after.position() - 1)
                .map(found -> new CheckpointPage(found, found.size() == pageSize
                        ? new Cursor(found.getLast().sequence(), found.getLast().id()).encode() : null));
    }

    @POST
    @Path("/checkpoints")
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "signCheckpoint", summary = "Sign the current head now")
    @APIResponse(responseCode = "201", description = "Signed; Location names the checkpoint",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Checkpoint.class)))
    public Uni<RestResponse<Checkpoint>> sign() {
        return checkpoints.sign(actor.org()).map(c -> RestResponse.ResponseBuilder.<Checkpoint>created(
                URI.create("/v1/audit/checkpoints/" + c.id())).entity(c).build());
    }

    @GET
    @Path("/public-key")
    @PermitAll
    @Operation(operationId = "getPublicKey", summary = "The Ed25519 public key that signs checkpoints", description = "Public: anyone may verify.")
    @SecurityRequirementsSet
    public PublicKey publicKey() {
        String base64 = key.publicKeyBase64();
        String pem = "-----BEGIN PUBLIC KEY-----\n" + base64 + "\n-----END PUBLIC KEY-----\n";
        return new PublicKey(key.keyId(), SigningKey.ALGORITHM, base64, pem);
    }

    private static Long sequence(String name, String raw) {
        Integer value = Params.optionalInteger(name, raw, 1, Integer.MAX_VALUE);
        return value == null ? null : value.longValue();
    }
}
