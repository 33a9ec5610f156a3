package dev.warden.audit.chain;

import dev.warden.api.ApiException;
import dev.warden.api.PageRequest.Cursor;
import dev.warden.api.Params;
import dev.warden.api.Slots;
import dev.warden.api.WardenApiDefinition;
import dev.warden.audit.chain.AuditRepository.EntryFilter;
import dev.warden.audit.chain.ChainVerifier.Export;
import dev.warden.audit.chain.ChainVerifier.Verification;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;

@Path("/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Audit", description = "The hash-chained, append-only audit log and its signed checkpoints")
public class AuditResource {

    private final AuditLogService log;
    private final ChainVerifier verifier;
    private final CurrentActor actor;

    public AuditResource(AuditLogService log, ChainVerifier verifier, CurrentActor actor) {
        this.log = log;
        this.verifier = verifier;
        this.actor = actor;
    }

    @GET
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "listAuditEntries", summary = "Query the audit log", description = "Entries in chain order, with their sequence and hashes.")
    public Uni<AuditPage> list(@Parameter(description = "1 to 1000, default 100", schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "1000", defaultValue = "100")) @QueryParam("limit") String limit,
                               @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "0", maximum = "1000000")) @QueryParam("offset") String offset,
                               @QueryParam("cursor") String cursor,
                               @QueryParam("agent_id") String agentId,
                               @QueryParam("action_type") String actionType,
                               @QueryParam("connector") String connector,
                               @QueryParam("status") String status,
                               @Parameter(description = "occurred at or after (ISO-8601)", schema = @Schema(type = SchemaType.STRING, format = "date-time")) @QueryParam("from") String from,
                               @Parameter(description = "occurred before (ISO-8601)", schema = @Schema(type = SchemaType.STRING, format = "date-time")) @QueryParam("to") String to,
                               @Parameter(description = "recorded at or after (ISO-8601): entries never change once recorded")
                               @QueryParam("updated_since") String updatedSince) {
        int pageSize = Params.integer("limit", limit, 100, 1, 1000);
        int skip = Params.integer("offset", offset, 0, 0, 1_000_000);
        Cursor after = Cursor.decode(cursor);
        Instant start = Params.optionalSince("from", from);
        Instant end = Params.optionalInstant("to", to);
        if (start != null && end != null && end.isBefore(start)) {
            // An empty page would say no entry happened then; the range is a mistake, as verify and export say too
            throw ApiException.invalidField("to", "must not be before from");
        }
        EntryFilter filter = new EntryFilter(Params.optionalId("agent_id", agentId, 200),
                Params.optionalText("action_type", actionType, 200), Params.optionalText("connector", connector, 64),
                auditStatus(status), start, end, Params.optionalSince("updated_since", updatedSince),
                after == null ? null : after.sequence());
        return log.list(actor.org(), filter, pageSize, skip);
    }

    @GET
    @Path("/verify")
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "verifyAuditChain", summary = "Recompute the chain", description = "Names the first entry that does not verify, and checks the newest checkpoint of the range.")
    public Uni<Verification> verify(@Parameter(description = "first sequence", schema = @Schema(type = SchemaType.INTEGER, format = "int64", minimum = "1")) @QueryParam("from") String from,
                                    @Parameter(description = "last sequence", schema = @Schema(type = SchemaType.INTEGER, format = "int64", minimum = "1")) @QueryParam("to") String to) {
        return verifier.verifyRequested(actor.org(), sequence("from", from), sequence("to", to));
    }

    @GET
    @Path("/export")
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "exportAuditChain", summary = "Export a range for offline verification", description = "Entries, the hash before them, the newest checkpoint of the range and its public key. At most two exports are answered at once per instance, one per organization: beyond, a 429 with Retry-After.")
    @APIResponse(responseCode = "200", description = "The range",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Export.class)))
    @APIResponse(responseCode = "429", ref = WardenApiDefinition.TOO_MANY_REQUESTS)
    public Uni<Export> export(@Parameter(description = "first sequence", schema = @Schema(type = SchemaType.INTEGER, format = "int64", minimum = "1")) @QueryParam("from") String from,
                              @Parameter(description = "last sequence", schema = @Schema(type = SchemaType.INTEGER, format = "int64", minimum = "1")) @QueryParam("to") String to,
                              @Context RoutingContext http) {
        Long first = sequence("from", from);
        Long last = sequence("to", to);
        Slots.Held held = verifier.exportSlot(actor.org());
        http.addEndHandler(ended -> held.answered());
        return verifier.export(actor.org(), first, last, held);
    }

    /** The statuses entries are recorded with: a filter on any other value is a typo, not a search that finds nothing. */
    static final java.util.List<String> STATUSES = java.util.List.of("success", "failure", "denied", "error", "running",
            "detected", "timeout", "oom");

    private static String auditStatus(String raw) {
        return Params.optionalChoice("status", raw, STATUSES);
    }

    /** A chain position: the document's int64, as the column is. */
    private static Long sequence(String name, String raw) {
        return Params.optionalLong(name, raw, 1, Long.MAX_VALUE);
    }
}
