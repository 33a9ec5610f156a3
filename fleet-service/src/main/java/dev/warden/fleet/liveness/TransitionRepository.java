package dev.warden.fleet.liveness;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** {@code fleet_transitions}: the live view's transitions, numbered per organization, kept a day. */
@ApplicationScoped
public class TransitionRepository {

    /** Numbers the events from the organization's counter row, locked until the caller's transaction commits. */
    public Uni<Void> insert(SqlConnection conn, UUID org, UUID[] ids, String[] types, String[] events, OffsetDateTime[] at) {
        return conn.preparedQuery("""
                        WITH drawn AS (
                            INSERT INTO fleet_transition_numbers AS c (org_id, last) VALUES ($1, $6)
                            ON CONFLICT (org_id) DO UPDATE SET last = c.last + $6
                            RETURNING last - $6 AS base)
                        INSERT INTO fleet_transitions (org_id, number, event_id, event_type, event, at)
                        SELECT $1, (SELECT base FROM drawn) + n, i, t, e, a
                        FROM unnest($2::uuid[], $3::text[], $4::text[], $5::timestamptz[])
                             WITH ORDINALITY AS x(i, t, e, a, n) ORDER BY n""")
                .execute(Tuple.of(org, ids, types, events, at, (long) ids.length)).replaceWithVoid();
    }

    /** The organization's transitions after its number {@code after}, oldest first, as stored. */
    public Uni<List<TransitionEvents.Recorded>> after(SqlConnection conn, long after, int limit) {
        return conn.preparedQuery("""
                        SELECT number, event_type, event FROM fleet_transitions
                        WHERE org_id = warden_current_org() AND number > $1 ORDER BY number LIMIT $2""")
                .execute(Tuple.of(after, limit))
                .map(rows -> {
                    List<TransitionEvents.Recorded> out = new ArrayList<>(rows.size());
                    for (Row r : rows) {
                        out.add(new TransitionEvents.Recorded(r.getLong(0), r.getString(1), r.getString(2)));
                    }
                    return out;
                });
    }

    /** The organization's newest transition, or 0. */
    public Uni<Long> newest(SqlConnection conn) {
        return conn.preparedQuery("SELECT coalesce(max(number), 0) FROM fleet_transitions WHERE org_id = warden_current_org()")
                .execute().map(rows -> rows.iterator().next().getLong(0));
    }

    /** Platform scope: forgets transitions older than {@code before}. */
    public Uni<Void> forgetBefore(SqlConnection conn, Instant before) {
        return conn.preparedQuery("DELETE FROM fleet_transitions WHERE at < $1")
                .execute(Tuple.of(before.atOffset(ZoneOffset.UTC))).replaceWithVoid();
    }
}
