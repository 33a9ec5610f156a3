package dev.warden.registry.overview;

import dev.warden.api.PageRequest;
import dev.warden.registry.RegistryAgentRow;
import dev.warden.registry.overview.RegistryWire.Gap;
import dev.warden.registry.overview.RegistryWire.RegistryAgent;
import dev.warden.registry.overview.RegistryWire.Gaps;
import dev.warden.registry.overview.RegistryWire.Instances;
import dev.warden.registry.overview.RegistryWire.StatusBreakdown;
import dev.warden.registry.overview.RegistryWire.Summary;
import dev.warden.tenancy.db.ListQuery;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** Seed 000's reads: the agents with their kept counts, and the organization's summary in one aggregate statement. */
@ApplicationScoped
public class RegistryRepository {

    /** Ids listed per gap; the count covers them all. */
    static final int GAP_IDS = 100;

    /**
     * Seed 000's fields and nothing else, read by position: the list is every agent of the organization, so the JSON
     * columns the other seeds need are neither sent by PostgreSQL nor parsed here (a third of the list's CPU when read).
     */
    private static final String COLUMNS = "a.agent_id, a.name, a.description, " + RegistryAgentRow.EFFECTIVE_STATUS + """
             AS effective_status, a.runtime, a.version, a.owner_id, coalesce(s.connector_count, 0),
            coalesce(s.policy_count, 0), coalesce(s.audit_action_count, 0), coalesce(s.drift_event_count, 0),
            coalesce(s.compliance_package_count, 0), s.last_activity, a.created_at""";

    /** A page of the agents with {@code status} (null: all) whose entry changed at or after {@code since} (null: all). */
    public Uni<ListQuery.Slice<RegistryAgent>> agents(SqlConnection conn, String status, Instant since, int limit,
                                                      PageRequest.Cursor after) {
        return query(status, since).byTimeAfter("a.created_at", "a.agent_id", after)
                .slice(conn, limit, RegistryRepository::agent);
    }

    /** How many agents {@link #agents} lists on all its pages; only for {@code since}, the summary counts the rest. */
    public Uni<Long> count(SqlConnection conn, String status, Instant since) {
        return query(status, since).aggregate(conn, "count(*)", row -> row.getLong(0));
    }

    /**
     * What an agent's owner wrote at length: a page ends before 8 MB of it (ListQuery.sizedBy), as seed 000's list is
     * promised whole (up to 10,000): a user trial's 4,500 agents with descriptions of 4,000 characters made one answer
     * of 62 MB, and twelve at once were a 500 out of memory.
     */
    private static final String FREE_FORM = "octet_length(a.name) + coalesce(octet_length(a.description), 0) "
            + "+ octet_length(a.runtime) + coalesce(octet_length(a.owner_id), 0)";
    /** The most {@link #FREE_FORM} holds by agent-service's bounds: a name of 200 characters, a description of 4,000. */
    private static final long MOST_FREE_FORM = 4L * (200 + 4000 + 64 + 200);

    private static ListQuery query(String status, Instant since) {
        return ListQuery.select(COLUMNS, RegistryAgentRow.FROM).sizedBy(FREE_FORM, MOST_FREE_FORM)
                .whereEquals("(" + RegistryAgentRow.EFFECTIVE_STATUS + ")", status)
                .whereIfPresent(RegistryAgentRow.CHANGED_SINCE, since);
    }

    private static RegistryAgent agent(Row r) {
        return new RegistryAgent(r.getUUID(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                r.getInteger(5), r.getString(6), r.getInteger(7), r.getInteger(8), r.getLong(9), r.getLong(10),
                r.getLong(11), instant(r.getOffsetDateTime(12)), instant(r.getOffsetDateTime(13)));
    }

    private static Instant instant(OffsetDateTime at) {
        return at == null ? null : at.toInstant();
    }

    /** The organization's summary over the projection's agents (kept counts; nothing counted from events). */
    public Uni<Summary> summary(SqlConnection conn) {
        return conn.query("""
                        SELECT count(*) AS total,
                            count(*) FILTER (WHERE e.status = 'active') AS active,
                            count(*) FILTER (WHERE e.status = 'inactive') AS inactive,
                            count(*) FILTER (WHERE e.status = 'suspended') AS suspended,
                            count(*) FILTER (WHERE e.status = 'error') AS error,
                            coalesce(sum(s.drift_event_count), 0)::bigint AS drift,
                            count(*) FILTER (WHERE coalesce(s.policy_count, 0) = 0) AS without_policies,
                            count(*) FILTER (WHERE coalesce(s.compliance_package_count, 0) = 0) AS without_compliance,
                            coalesce(sum(s.instances_online), 0)::bigint AS online,
                            coalesce(sum(s.instances_stale), 0)::bigint AS stale,
                            coalesce(sum(s.instances_offline), 0)::bigint AS offline,
                            count(*) FILTER (WHERE a.status = 'active' AND coalesce(s.policy_count, 0) = 0) AS gap_policies,
                            (array_agg(a.agent_id ORDER BY a.created_at, a.agent_id)
                                FILTER (WHERE a.status = 'active' AND coalesce(s.policy_count, 0) = 0))[1:100] AS gap_policies_ids,
                            count(*) FILTER (WHERE a.status = 'active' AND coalesce(s.compliance_package_count, 0) = 0) AS gap_compliance,
                            (array_agg(a.agent_id ORDER BY a.created_at, a.agent_id)
                                FILTER (WHERE a.status = 'active' AND coalesce(s.compliance_package_count, 0) = 0))[1:100] AS gap_compliance_ids,
                            count(*) FILTER (WHERE s.last_drift_at > now() - interval '24 hours') AS gap_drift,
                            (array_agg(a.agent_id ORDER BY s.last_drift_at DESC, a.agent_id)
                                FILTER (WHERE s.last_drift_at > now() - interval '24 hours'))[1:100] AS gap_drift_ids,
                            count(*) FILTER (WHERE a.status = 'active'
                                             AND coalesce(s.instances_online + s.instances_stale, 0) = 0) AS gap_live,
                            (array_agg(a.agent_id ORDER BY a.created_at, a.agent_id)
                                FILTER (WHERE a.status = 'active'
                                        AND coalesce(s.instances_online + s.instances_stale, 0) = 0))[1:100] AS gap_live_ids,
                            (SELECT count(*) FROM registry_pending_registrations) AS pending,
                            (SELECT array_agg(id ORDER BY requested_at, id) FROM (SELECT id, requested_at
                                FROM registry_pending_registrations ORDER BY requested_at, id LIMIT 100) p) AS pending_ids
                        FROM\s""" + RegistryAgentRow.FROM + " CROSS JOIN LATERAL (SELECT " + RegistryAgentRow.EFFECTIVE_STATUS
                        + " AS status) e")
                .execute()
                .map(rows -> summary(rows.iterator().next()));
    }

    private static Summary summary(Row r) {
        return new Summary(r.getLong("total"),
                new StatusBreakdown(r.getLong("active"), r.getLong("inactive"), r.getLong("suspended"), r.getLong("error")),
                r.getLong("drift"), r.getLong("without_policies"), r.getLong("without_compliance"),
                new Instances(r.getLong("online"), r.getLong("stale"), r.getLong("offline")),
                new Gaps(gap(r, "gap_policies"), gap(r, "gap_compliance"), gap(r, "gap_drift"), gap(r, "gap_live"),
                        gap(r, "pending")));
    }

    private static Gap gap(Row r, String column) {
        UUID[] ids = r.getArrayOfUUIDs(column + "_ids");
        return new Gap(r.getLong(column), ids == null ? List.of() : Arrays.asList(ids));
    }
}
