package dev.warden.fleet.liveness;

import dev.warden.fleet.instance.Instance;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The sweep's SQL, in the platform scope (every organization's instances). Each statement moves only rows still in
 * the state it moves from, locked and re-checked by PostgreSQL, and skips rows a heartbeat holds: two sweeps at once
 * never move one instance twice.
 */
@ApplicationScoped
public class LivenessRepository {

    /** Instances in {@code from} whose last heartbeat is before {@code cutoff}, moved to {@code to}, oldest first. */
    public Uni<List<Instance>> move(SqlConnection conn, String from, String to, Instant cutoff, Instant at, int limit) {
        return conn.preparedQuery("""
                        WITH due AS (
                            SELECT id FROM fleet_instances WHERE status = $1 AND last_heartbeat < $3
                            ORDER BY last_heartbeat LIMIT $5 FOR UPDATE SKIP LOCKED
                        )
                        UPDATE fleet_instances i SET status = $2, status_changed_at = $4
                        FROM due WHERE i.id = due.id AND i.status = $1 AND i.last_heartbeat < $3
                        RETURNING\s""" + prefixed())
                .execute(Tuple.of(from, to, cutoff.atOffset(ZoneOffset.UTC), at.atOffset(ZoneOffset.UTC), limit))
                .map(rows -> {
                    List<Instance> moved = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        moved.add(Instance.from(row));
                    }
                    return moved;
                });
    }

    /** Online instances not summarized since {@code cutoff}, marked summarized at {@code at}, oldest first. */
    public Uni<List<Instance>> summarize(SqlConnection conn, Instant cutoff, Instant at, int limit) {
        return conn.preparedQuery("""
                        WITH due AS (
                            SELECT id FROM fleet_instances WHERE status = 'online'
                                AND coalesce(summarized_at, registered_at) < $1
                            ORDER BY coalesce(summarized_at, registered_at) LIMIT $3 FOR UPDATE SKIP LOCKED
                        )
                        UPDATE fleet_instances i SET summarized_at = $2 FROM due WHERE i.id = due.id
                        RETURNING\s""" + prefixed())
                .execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC), at.atOffset(ZoneOffset.UTC), limit))
                .map(rows -> {
                    List<Instance> out = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        out.add(Instance.from(row));
                    }
                    return out;
                });
    }

    private static String prefixed() {
        return String.join(", ", java.util.Arrays.stream(Instance.COLUMNS.split(",\\s*")).map(c -> "i." + c).toList());
    }
}
