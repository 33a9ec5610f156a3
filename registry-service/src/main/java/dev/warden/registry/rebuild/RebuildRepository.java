package dev.warden.registry.rebuild;

import dev.warden.api.PageRequest;
import dev.warden.tenancy.db.ListQuery;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.first;
import static dev.warden.tenancy.db.Rows.instant;
import static dev.warden.tenancy.db.Rows.json;
import static dev.warden.tenancy.db.Rows.jsonText;

/** The projection's generation and its rebuilds; platform transactions only (no organization's data is here). */
@ApplicationScoped
public class RebuildRepository {

    private static final String COLUMNS = "r.id, r.generation, r.state, r.requested_by, r.started_at, r.finished_at, "
            + "r.reason, r.partitions::text AS partitions";

    /** The generation the projection is at, and the rebuild running, if any. */
    public record Current(long generation, Rebuild running) {
    }

    public Uni<Current> current(SqlConnection conn) {
        return conn.query("SELECT p.generation AS projection_generation, " + COLUMNS
                        + " FROM registry_projection p LEFT JOIN registry_rebuilds r ON r.state = 'running'").execute()
                .map(rows -> first(rows, row -> new Current(row.getLong("projection_generation"),
                        row.getUUID("id") == null ? null : rebuild(row))));
    }

    /**
     * Starts a rebuild of the next generation, after the projection's and after {@code committedGeneration}, the highest
     * the consumer group committed under (registry_rebuild_start: the projection emptied for every organization);
     * answers that generation, or null when a rebuild is running already.
     */
    public Uni<Long> start(SqlConnection conn, UUID id, String requestedBy, List<Rebuild.Partition> partitions,
                           long committedGeneration) {
        return conn.preparedQuery("SELECT registry_rebuild_start($1, $2, $3::text::jsonb, $4) AS generation")
                .execute(Tuple.of(id, requestedBy, jsonText(partitions), committedGeneration))
                .map(rows -> first(rows, row -> row.getLong("generation")));
    }

    public Uni<Rebuild> find(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT " + COLUMNS + " FROM registry_rebuilds r WHERE r.id = $1").execute(Tuple.of(id))
                .map(rows -> first(rows, RebuildRepository::rebuild));
    }

    /**
     * Newest first; with {@code since}, those that changed at or after it: every running one (its progress moves), and
     * those that ended since.
     */
    public Uni<ListQuery.Slice<Rebuild>> list(SqlConnection conn, int limit, PageRequest.Cursor after, Instant since) {
        return ListQuery.select(COLUMNS, "registry_rebuilds r")
                .whereIfPresent("(r.state = 'running' OR coalesce(r.finished_at, r.started_at) >= ?)", since)
                .byNumberAfter("r.generation", after == null ? null : after.sequence(), true)
                .slice(conn, limit, RebuildRepository::rebuild);
    }

    /**
     * Records how far a running rebuild came, and its end when it has one; a rebuild that ended stays as it ended.
     * Answers whether it was still running.
     */
    public Uni<Boolean> record(SqlConnection conn, Rebuild measured) {
        return conn.preparedQuery("""
                        UPDATE registry_rebuilds SET partitions = $2::text::jsonb, state = $3, reason = $4,
                            finished_at = CASE WHEN $3 = 'running' THEN NULL ELSE now() END
                        WHERE id = $1 AND state = 'running'""")
                .execute(Tuple.of(measured.id(), jsonText(measured.partitions()), measured.state(), measured.reason()))
                .map(rows -> rows.rowCount() == 1);
    }

    private static Rebuild rebuild(Row row) {
        return new Rebuild(row.getUUID("id"), row.getLong("generation"), row.getString("state"),
                row.getString("requested_by"), instant(row, "started_at"), instant(row, "finished_at"),
                row.getString("reason"), Arrays.asList(json(row, "partitions", Rebuild.Partition[].class)));
    }
}
