package dev.warden.fleet.instance;

import dev.warden.api.ApiException;
import dev.warden.tenancy.db.ListQuery;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** SQL of fleet instances. Row-Level Security scopes every statement to the transaction's organization. */
@ApplicationScoped
public class InstanceRepository {

    public Uni<Instance> insert(SqlConnection conn, String id, UUID org, UUID agentId, String hostname, String os,
                                String version, String ip, List<String> tags, Instant at, String credentialSha256,
                                String enrolledBy) {
        return conn.preparedQuery("INSERT INTO fleet_instances (id, org_id, agent_id, hostname, os, version, ip, tags, "
                        + "status, last_heartbeat, registered_at, status_changed_at, credential_sha256, enrolled_by) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'online', $9, $9, $9, $10, $11) RETURNING " + Instance.COLUMNS)
                .execute(Tuple.from(new Object[]{id, org, agentId, hostname, os, version, ip, tags.toArray(String[]::new),
                        utc(at), credentialSha256, enrolledBy}))
                .map(rows -> Instance.from(rows.iterator().next()));
    }

    /** A live (not deregistered) instance of the organization. */
    public Uni<Optional<Instance>> find(SqlConnection conn, String id) {
        return conn.preparedQuery("SELECT " + Instance.COLUMNS + " FROM fleet_instances WHERE id = $1 AND status <> 'deregistered'")
                .execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(Instance.from(rows.iterator().next())));
    }

    /** The instance locked for a change, as it was before it. */
    public Uni<Optional<Instance>> lock(SqlConnection conn, String id) {
        return conn.preparedQuery("SELECT " + Instance.COLUMNS + " FROM fleet_instances WHERE id = $1 AND status <> 'deregistered' FOR UPDATE")
                .execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(Instance.from(rows.iterator().next())));
    }

    public Uni<Instance> deregister(SqlConnection conn, String id, Instant at) {
        return conn.preparedQuery("UPDATE fleet_instances SET status = 'deregistered', status_changed_at = $2, "
                        + "deregistered_at = $2 WHERE id = $1 RETURNING " + Instance.COLUMNS)
                .execute(Tuple.of(id, utc(at)))
                .map(rows -> Instance.from(rows.iterator().next()));
    }

    /**
     * What an instance's registration wrote at length: a list's page ends before 8 MB of it (ListQuery.sizedBy), as
     * seed 003's list is promised whole (up to 10,000): a user trial's 10,000 instances with 50 tags of 64 three-byte
     * characters made one answer of 109 MB, and four at once ran fleet-service out of memory.
     */
    private static final String FREE_FORM =
            "octet_length(hostname) + octet_length(os) + octet_length(version) + octet_length(array_to_string(tags, ''))";
    /** The most {@link #FREE_FORM} holds by the registration's bounds: 253, 64 and 64 characters, 50 tags of 64. */
    private static final long MOST_FREE_FORM = 4L * (253 + 64 + 64 + 50 * 64);

    /**
     * One page of the organization's live instances, filtered and ordered as asked, with its total. Asked with
     * {@code updated_since} and no status, the instances deregistered since then are in it too (status
     * {@code deregistered}): a client kept in step by {@code updated_since} learns of departures as of arrivals.
     */
    public Uni<ListQuery.Page<Instance>> page(SqlConnection conn, InstanceQuery query) {
        ListQuery list = ListQuery.select(Instance.COLUMNS, "fleet_instances").sizedBy(FREE_FORM, MOST_FREE_FORM);
        if (query.status() != null) {
            list.where("status = ?", query.status());
        } else if (query.updatedSince() == null) {
            list.where("status <> 'deregistered'");
        }
        list.whereEquals("org_id::text", query.orgId());
        if (!query.tags().isEmpty()) {
            list.where("tags @> ?::text[]", (Object) query.tags().toArray(String[]::new));
        }
        list.whereIfPresent("greatest(last_heartbeat, status_changed_at) >= ?", query.updatedSince());
        if (query.q() != null) {
            list.where("(hostname ILIKE ? ESCAPE '\\' OR id = ?)", ListQuery.containing(query.q()), query.q());
        }
        InstanceQuery.Sort sort = query.sortBy();
        String dir = query.descending() ? " DESC" : "";
        String order = Stream.concat(sort.keys.stream(), Stream.of("id")).map(key -> key + dir).collect(Collectors.joining(", "));
        InstanceQuery.Position after = query.after();
        if (after == null) {
            list.orderBy(order, null);
        } else {
            Object value = sort == InstanceQuery.Sort.hostname ? after.value() : utc(after.instant());
            List<Object> values = new ArrayList<>();
            sort.positions.forEach(position -> values.add(value));
            values.add(after.id());
            list.orderBy(order, "(" + String.join(", ", sort.keys) + ", id) " + (query.descending() ? "<" : ">") + " ("
                    + String.join(", ", sort.positions) + ", ?)", values.toArray());
        }
        return list.page(conn, query.limit(), Instance::from);
    }

    /** Drift events of {@code agentId} since {@code since}: an instance's recent threats. */
    public Uni<Long> driftSince(SqlConnection conn, UUID agentId, Instant since) {
        if (agentId == null) {
            return Uni.createFrom().item(0L);
        }
        return conn.preparedQuery("SELECT count(*) FROM fleet_drift_events WHERE agent_id = $1 AND occurred_at >= $2")
                .execute(Tuple.of(agentId.toString(), utc(since)))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /** How many policy changes concern the agent: its current policy version. */
    public Uni<Integer> policyChanges(SqlConnection conn, UUID agentId) {
        if (agentId == null) {
            return Uni.createFrom().item(0);
        }
        return conn.preparedQuery("SELECT policy_changes FROM fleet_agents WHERE agent_id = $1")
                .execute(Tuple.of(agentId))
                .map(rows -> rows.size() == 0 ? 0 : rows.iterator().next().getInteger(0));
    }

    public Uni<Boolean> agentKnown(SqlConnection conn, UUID agentId) {
        return conn.preparedQuery("SELECT 1 FROM fleet_agents WHERE agent_id = $1").execute(Tuple.of(agentId))
                .map(rows -> rows.size() > 0);
    }

    /**
     * Refuses (409) to enrol for an agent its organization suspended, as fleet-service last heard from agent-service: a
     * suspension holds the agent, and new instances of it would run on (a security trial enrolled some).
     */
    public Uni<Void> refuseSuspended(SqlConnection conn, UUID agentId) {
        if (agentId == null) {
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery("SELECT 1 FROM fleet_agents WHERE agent_id = $1 AND status = 'suspended'")
                .execute(Tuple.of(agentId))
                .invoke(rows -> {
                    if (rows.size() > 0) {
                        throw ApiException.conflict("The agent is suspended: no instance of it enrols until an admin "
                                + "lifts the suspension (a deploy or rollback that says so)");
                    }
                })
                .replaceWithVoid();
    }

    /** Live instances per status, for the counts beside a list. */
    public Uni<Map<String, Long>> countsByStatus(SqlConnection conn) {
        return conn.preparedQuery("SELECT status, count(*) FROM fleet_instances WHERE status <> 'deregistered' GROUP BY status")
                .execute()
                .map(rows -> {
                    Map<String, Long> counts = new HashMap<>();
                    for (Row row : rows) {
                        counts.put(row.getString(0), row.getLong(1));
                    }
                    return counts;
                });
    }

    /**
     * The policy version an instance applies after a heartbeat: the one it reports, but never one its agent has not
     * reached (policy_changes only grows). An instance that claimed a version ahead would otherwise be told of no policy
     * change until the agent's version passed its claim; it is taken as applying the current one.
     */
    private static final String APPLIED_POLICY_VERSION = """
            CASE WHEN x.apv IS NULL THEN i.active_policy_version
                 ELSE least(x.apv, coalesce((SELECT a.policy_changes FROM fleet_agents a
                                             WHERE a.org_id = i.org_id AND a.agent_id = i.agent_id), 0)) END""";

    /** {@link #onlineHeartbeats}' statement, built once. */
    private static final String ONLINE_HEARTBEATS = """
                        WITH x AS (
                            SELECT * FROM unnest($1::text[], $2::float8[], $3::float8[], $4::float8[], $5::text[],
                                                 $6::int4[], $7::timestamptz[]) AS x(id, cpu, memory, uptime, version, apv, at)
                        ), locked AS (
                            SELECT i.id FROM fleet_instances i JOIN x ON x.id = i.id
                            WHERE i.status = 'online' ORDER BY i.id FOR UPDATE OF i
                        )
                        UPDATE fleet_instances i SET
                            cpu = coalesce(x.cpu, i.cpu), memory = coalesce(x.memory, i.memory),
                            uptime = coalesce(x.uptime, i.uptime), version = coalesce(x.version, i.version),
                            active_policy_version = APPLIED_POLICY_VERSION,
                            last_heartbeat = greatest(i.last_heartbeat, x.at)
                        FROM x JOIN locked ON locked.id = x.id
                        WHERE i.id = x.id AND i.status = 'online'
                        RETURNING i.id, i.status, i.last_heartbeat, i.active_policy_version,
                            coalesce((SELECT a.policy_changes FROM fleet_agents a
                                      WHERE a.org_id = i.org_id AND a.agent_id = i.agent_id), 0) AS policy_changes"""
            .replace("APPLIED_POLICY_VERSION", APPLIED_POLICY_VERSION);

    /** {@link #revive}'s statement, built once. */
    private static final String REVIVE = """
                        WITH x AS (
                            SELECT * FROM unnest($1::text[], $2::float8[], $3::float8[], $4::float8[], $5::text[],
                                                 $6::int4[], $7::timestamptz[]) AS x(id, cpu, memory, uptime, version, apv, at)
                        ), old AS (
                            SELECT i.id, i.status, i.last_heartbeat FROM fleet_instances i JOIN x ON x.id = i.id
                            WHERE i.status <> 'deregistered' ORDER BY i.id FOR UPDATE OF i
                        )
                        UPDATE fleet_instances i SET
                            cpu = coalesce(x.cpu, i.cpu), memory = coalesce(x.memory, i.memory),
                            uptime = coalesce(x.uptime, i.uptime), version = coalesce(x.version, i.version),
                            active_policy_version = APPLIED_POLICY_VERSION,
                            last_heartbeat = greatest(i.last_heartbeat, x.at), status = 'online',
                            status_changed_at = CASE WHEN old.status <> 'online' THEN x.at ELSE i.status_changed_at END
                        FROM x JOIN old ON old.id = x.id
                        WHERE i.id = x.id
                        RETURNING i.id, i.org_id, i.agent_id, i.hostname, i.os, i.version, i.ip, i.tags, i.status,
                            i.cpu, i.memory, i.uptime, i.active_policy_version, i.last_heartbeat, i.registered_at,
                            old.status AS previous_status, old.last_heartbeat AS previous_heartbeat,
                            coalesce((SELECT a.policy_changes FROM fleet_agents a
                                      WHERE a.org_id = i.org_id AND a.agent_id = i.agent_id), 0) AS policy_changes"""
            .replace("APPLIED_POLICY_VERSION", APPLIED_POLICY_VERSION);

    /**
     * Applies a batch of heartbeats (one per instance, sorted by id) to the instances that are online, in one statement:
     * the common case, which changes no status and so needs neither the row as it was nor an event. Each gets its
     * figures and heartbeat time; answers, per instance written, what its heartbeat's answer needs. Instances not online
     * (stale, offline, deregistered, unknown) are absent from the answer: {@link #revive} takes the live ones. Rows are
     * locked first, sorted by id ({@code ORDER BY ... FOR UPDATE} locks in the order it sorts), as {@link #revive} and
     * any other batch lock them, so concurrent batches of online instances cannot deadlock whatever plan PostgreSQL picks for the update
     * (a sorted list joined to the table locked in the table's order when the planner scanned it: a benchmark at 64
     * connections found batches deadlocking, each a 503); a sweep that marked an instance stale first leaves it to
     * {@link #revive}, one that comes after skips it.
     */
    public Uni<List<Beat>> onlineHeartbeats(SqlConnection conn, List<HeartbeatWrite> beats) {
        return conn.preparedQuery(ONLINE_HEARTBEATS)
                .execute(columns(beats))
                .map(rows -> {
                    List<Beat> out = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        out.add(new Beat(row.getString(0), row.getString(1), row.getOffsetDateTime(2).toInstant(),
                                row.getInteger(3), row.getInteger(4)));
                    }
                    return out;
                });
    }

    /**
     * Applies a batch of heartbeats (one per instance) of instances that may not be online, in one statement: each live
     * instance gets its figures, its heartbeat time and status online; answers, per instance found, the row after, its
     * status and last heartbeat before (for the transition's event), and its agent's policy version. Instances
     * deregistered or unknown are absent from the answer.
     */
    public Uni<List<Revived>> revive(SqlConnection conn, List<HeartbeatWrite> beats) {
        return conn.preparedQuery(REVIVE)
                .execute(columns(beats))
                .map(InstanceRepository::revived);
    }

    private static Tuple columns(List<HeartbeatWrite> beats) {
        int n = beats.size();
        String[] ids = new String[n];
        Double[] cpu = new Double[n];
        Double[] memory = new Double[n];
        Double[] uptime = new Double[n];
        String[] version = new String[n];
        Integer[] policy = new Integer[n];
        OffsetDateTime[] at = new OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
            HeartbeatWrite b = beats.get(i);
            ids[i] = b.id();
            cpu[i] = b.cpu();
            memory[i] = b.memory();
            uptime[i] = b.uptime();
            version[i] = b.version();
            policy[i] = b.activePolicyVersion();
            at[i] = utc(b.at());
        }
        return Tuple.from(new Object[]{ids, cpu, memory, uptime, version, policy, at});
    }

    private static List<Revived> revived(RowSet<Row> rows) {
        List<Revived> out = new ArrayList<>(rows.size());
        for (Row row : rows) {
            out.add(new Revived(Instance.from(row), row.getString("previous_status"),
                    row.getOffsetDateTime("previous_heartbeat").toInstant(), row.getInteger("policy_changes")));
        }
        return out;
    }

    /** One heartbeat to write. */
    public record HeartbeatWrite(String id, Double cpu, Double memory, Double uptime, String version,
                                 Integer activePolicyVersion, Instant at) {
    }

    /** A written heartbeat, as its answer needs it: the instance's status and heartbeat after it, its agent's policy version. */
    public record Beat(String id, String status, Instant lastHeartbeat, Integer activePolicyVersion, int policyChanges) {
    }

    /** A heartbeat written by {@link #revive}: the instance after it, its status and heartbeat before, its agent's policy version. */
    public record Revived(Instance instance, String previousStatus, Instant previousHeartbeat, int policyChanges) {

        Beat beat() {
            return new Beat(instance.id(), instance.status(), instance.lastHeartbeat(), instance.activePolicyVersion(),
                    policyChanges);
        }
    }

    static OffsetDateTime utc(Instant at) {
        return at == null ? null : at.atOffset(ZoneOffset.UTC);
    }
}
