package dev.warden.audit.drift;

import dev.warden.api.ApiException;
import dev.warden.api.PageRequest;
import dev.warden.api.PageRequest.Cursor;
import dev.warden.events.audit.AuditEvents.DriftEvent;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.warden.tenancy.db.Rows.all;
import static dev.warden.tenancy.db.Rows.instant;
import static dev.warden.tenancy.db.Rows.json;
import static dev.warden.tenancy.db.Rows.utc;

@Path("/v1/drift-events")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Drift", description = "Where agents' behaviour departed from their declared intent")
public class DriftResource {

    private static final Set<String> TYPES = Set.of("unauthorized_system", "unauthorized_action",
            "unauthorized_data_type", "frequency_exceeded");
    private static final String COLUMNS = """
            id, org_id, agent_id, drift_type, action_event_id, connector, action, data_type, details::text, occurred_at,
            detected_at, sequence""";

    private final TenantDb db;
    private final CurrentActor actor;

    public DriftResource(TenantDb db, CurrentActor actor) {
        this.db = db;
        this.actor = actor;
    }

    public record DriftPage(List<DriftEvent> driftEvents, long total,
                            @Schema(nullable = true, description = "null on the last page") String nextCursor) {
    }

    @GET
    @RolesAllowed(Roles.AUDITOR)
    @Operation(operationId = "listDriftEvents", summary = "List drift events", description = "Oldest first; each names the action and its chain sequence.")
    public Uni<DriftPage> list(@QueryParam("agent_id") String agentId, @QueryParam("drift_type") String driftType,
                               @QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
                               @QueryParam("updated_since") String updatedSince) {
        if (driftType != null && !TYPES.contains(driftType)) {
            throw ApiException.invalidField("drift_type", "must be one of " + String.join(", ", TYPES.stream().sorted().toList()));
        }
        PageRequest page = PageRequest.parse(limit, cursor, updatedSince);
        List<Object> args = new ArrayList<>();
        StringBuilder where = new StringBuilder("true");
        if (agentId != null) {
            args.add(agentId);
            where.append(" AND agent_id = $").append(args.size());
        }
        if (driftType != null) {
            args.add(driftType);
            where.append(" AND drift_type = $").append(args.size());
        }
        if (page.updatedSince() != null) {
            args.add(utc(page.updatedSince()));
            where.append(" AND detected_at >= $").append(args.size());
        }
        String filtered = where.toString();
        List<Object> countArgs = List.copyOf(args);
        if (page.after() != null) {
            args.add(utc(page.after().instant()));
            args.add(page.after().id());
            where.append(" AND (detected_at, id) > ($").append(args.size() - 1).append(", $").append(args.size()).append(")");
        }
        args.add(page.limit());
        String query = "SELECT " + COLUMNS + " FROM drift_events WHERE " + where + " ORDER BY detected_at, id LIMIT $" + args.size();
        return db.inOrg(actor.org(), conn -> conn.preparedQuery(query).execute(Tuple.from(args))
                .map(rows -> all(rows, DriftResource::drift))
                .chain(found -> conn.preparedQuery("SELECT count(*) FROM drift_events WHERE " + filtered)
                        .execute(Tuple.from(countArgs))
                        .map(rows -> new DriftPage(found, rows.iterator().next().getLong(0),
                                page.nextCursor(found, d -> Cursor.at(d.detectedAt(), d.id()))))));
    }

    private static DriftEvent drift(Row r) {
        return new DriftEvent(r.getUUID("id"), r.getUUID("org_id"), r.getString("agent_id"), r.getString("drift_type"),
                r.getUUID("action_event_id"), r.getString("connector"), r.getString("action"), r.getString("data_type"),
                json(r, "details"), instant(r, "occurred_at"), instant(r, "detected_at"), r.getLong("sequence"));
    }
}
