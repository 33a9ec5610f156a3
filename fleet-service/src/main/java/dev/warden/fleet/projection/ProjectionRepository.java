package dev.warden.fleet.projection;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/** SQL of the projections of {@code warden.agents.v1} and {@code warden.audit.v1}, idempotent by event id. */
@ApplicationScoped
public class ProjectionRepository {

    public Uni<Void> knowAgents(SqlConnection conn, UUID org, List<UUID> agents) {
        if (agents.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery("INSERT INTO fleet_agents (org_id, agent_id) SELECT $1, a FROM unnest($2::uuid[]) AS a "
                        + "ON CONFLICT DO NOTHING")
                .execute(Tuple.of(org, agents.toArray(UUID[]::new))).replaceWithVoid();
    }

    /** Each agent's status as of its revision: an older or repeated event changes nothing. */
    public Uni<Void> agentStates(SqlConnection conn, List<AgentState> states) {
        if (states.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery("""
                        UPDATE fleet_agents f SET status = s.status, revision = s.revision
                        FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS s(agent_id, status, revision)
                        WHERE f.agent_id = s.agent_id AND (f.revision IS NULL OR f.revision < s.revision)""")
                .execute(Tuple.of(states.stream().map(AgentState::agentId).toArray(UUID[]::new),
                        states.stream().map(AgentState::status).toArray(String[]::new),
                        states.stream().map(AgentState::revision).toArray(Long[]::new)))
                .replaceWithVoid();
    }

    /** Records policy changes once each (by agent and event id) and counts the new ones into their agents' version. */
    public Uni<Void> policyChanges(SqlConnection conn, UUID org, List<PolicyChange> changes) {
        if (changes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        int n = changes.size();
        UUID[] agents = new UUID[n];
        UUID[] events = new UUID[n];
        UUID[] policies = new UUID[n];
        String[] kinds = new String[n];
        OffsetDateTime[] times = new OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
            PolicyChange c = changes.get(i);
            agents[i] = c.agentId();
            events[i] = c.eventId();
            policies[i] = c.policyId();
            kinds[i] = c.change();
            times[i] = c.at().atOffset(ZoneOffset.UTC);
        }
        return conn.preparedQuery("""
                        WITH added AS (
                            INSERT INTO fleet_policy_changes (org_id, agent_id, event_id, policy_id, change, occurred_at)
                            SELECT $1, a, e, p, c, t FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[],
                                                                 $6::timestamptz[]) AS x(a, e, p, c, t)
                            ON CONFLICT DO NOTHING RETURNING agent_id
                        ), counted AS (SELECT agent_id, count(*) AS n FROM added GROUP BY agent_id)
                        UPDATE fleet_agents f SET policy_changes = f.policy_changes + counted.n
                        FROM counted WHERE f.org_id = $1 AND f.agent_id = counted.agent_id""")
                .execute(Tuple.from(new Object[]{org, agents, events, policies, kinds, times})).replaceWithVoid();
    }

    public Uni<Void> drift(SqlConnection conn, UUID org, List<Drift> drift) {
        if (drift.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        int n = drift.size();
        UUID[] events = new UUID[n];
        String[] agents = new String[n];
        OffsetDateTime[] times = new OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
            events[i] = drift.get(i).eventId();
            agents[i] = drift.get(i).agentId();
            times[i] = drift.get(i).at().atOffset(ZoneOffset.UTC);
        }
        return conn.preparedQuery("INSERT INTO fleet_drift_events (event_id, org_id, agent_id, occurred_at) "
                        + "SELECT e, $1, a, t FROM unnest($2::uuid[], $3::text[], $4::timestamptz[]) AS x(e, a, t) "
                        + "ON CONFLICT DO NOTHING")
                .execute(Tuple.of(org, events, agents, times)).replaceWithVoid();
    }

    public record PolicyChange(UUID agentId, UUID eventId, UUID policyId, String change, java.time.Instant at) {
    }

    public record AgentState(UUID agentId, String status, long revision) {
    }

    public record Drift(UUID eventId, String agentId, java.time.Instant at) {
    }
}
