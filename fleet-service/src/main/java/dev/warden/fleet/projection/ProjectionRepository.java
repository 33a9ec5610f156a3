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

    /**
     * Each policy as the batch last tells it, kept when newer than what is kept (by version; a removal leaves a
     * tombstone that nothing older replaces). A newer version counts a change for every agent bound to it here: one
     * whose binding came before the policy itself (they travel on different partitions) may have had its instances
     * fetch without the policy, and so learns there is more to fetch; an agent the event names is counted once.
     */
    public Uni<Void> policies(SqlConnection conn, UUID org, List<PolicyState> policies) {
        if (policies.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        int n = policies.size();
        UUID[] ids = new UUID[n];
        Integer[] versions = new Integer[n];
        String[] names = new String[n];
        String[] descriptions = new String[n];
        String[] enforcements = new String[n];
        String[] rules = new String[n];
        Boolean[] removed = new Boolean[n];
        UUID[] events = new UUID[n];
        String[] kinds = new String[n];
        OffsetDateTime[] times = new OffsetDateTime[n];
        OffsetDateTime[] updated = new OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
            PolicyState p = policies.get(i);
            ids[i] = p.policyId();
            versions[i] = p.version();
            names[i] = p.name();
            descriptions[i] = p.description();
            enforcements[i] = p.enforcement();
            rules[i] = p.rules();
            removed[i] = p.removed();
            events[i] = p.eventId();
            kinds[i] = p.change();
            times[i] = p.at().atOffset(ZoneOffset.UTC);
            updated[i] = p.updatedAt().atOffset(ZoneOffset.UTC);
        }
        return conn.preparedQuery("""
                        WITH x AS (
                            SELECT * FROM unnest($2::uuid[], $3::int4[], $4::text[], $5::text[], $6::text[], $7::text[],
                                                 $8::bool[], $9::uuid[], $10::text[], $11::timestamptz[], $12::timestamptz[])
                                AS x(policy_id, version, name, description, enforcement, rules, removed, event_id, change, at,
                                     updated_at)
                        ), kept AS (
                            INSERT INTO fleet_policies AS p (org_id, policy_id, version, name, description, enforcement,
                                                             rules, removed, updated_at)
                            SELECT $1, policy_id, version, name, description, enforcement,
                                   CASE WHEN removed THEN '[]'::json ELSE rules::json END, removed, updated_at FROM x
                            ON CONFLICT (org_id, policy_id) DO UPDATE SET version = excluded.version, name = excluded.name,
                                description = excluded.description, enforcement = excluded.enforcement,
                                rules = excluded.rules, removed = excluded.removed, updated_at = excluded.updated_at
                            WHERE NOT p.removed AND (p.version < excluded.version OR excluded.removed)
                            RETURNING policy_id, removed
                        ), added AS (
                            INSERT INTO fleet_policy_changes (org_id, agent_id, event_id, policy_id, change, occurred_at)
                            SELECT $1, b.agent_id, x.event_id, x.policy_id, x.change, x.at
                            FROM kept JOIN x USING (policy_id)
                                 JOIN fleet_policy_bindings b ON b.org_id = $1 AND b.policy_id = kept.policy_id
                            WHERE NOT kept.removed
                            ON CONFLICT DO NOTHING RETURNING agent_id
                        ), counted AS (SELECT agent_id, count(*) AS n FROM added GROUP BY agent_id)
                        UPDATE fleet_agents f SET policy_changes = f.policy_changes + counted.n
                        FROM counted WHERE f.org_id = $1 AND f.agent_id = counted.agent_id""")
                .execute(Tuple.from(new Object[]{org, ids, versions, names, descriptions, enforcements, rules, removed,
                        events, kinds, times, updated}))
                .replaceWithVoid();
    }

    /** The batch's last binding event for each agent and policy: bound adds the pair, unbound removes it. */
    public Uni<Void> bindings(SqlConnection conn, UUID org, List<Binding> all) {
        if (all.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery("""
                        WITH x AS (SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::bool[]) AS x(agent_id, policy_id, bound)),
                        gone AS (
                            DELETE FROM fleet_policy_bindings b USING x
                            WHERE NOT x.bound AND b.org_id = $1 AND b.agent_id = x.agent_id AND b.policy_id = x.policy_id
                        )
                        INSERT INTO fleet_policy_bindings (org_id, agent_id, policy_id)
                        SELECT $1, agent_id, policy_id FROM x WHERE bound ON CONFLICT DO NOTHING""")
                .execute(Tuple.of(org, all.stream().map(Binding::agentId).toArray(UUID[]::new),
                        all.stream().map(Binding::policyId).toArray(UUID[]::new),
                        all.stream().map(Binding::bound).toArray(Boolean[]::new)))
                .replaceWithVoid();
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

    /** A policy as one event tells it; {@code rules} as JSON. */
    public record PolicyState(UUID policyId, int version, String name, String description, String enforcement,
                              String rules, boolean removed, UUID eventId, String change, java.time.Instant at,
                              java.time.Instant updatedAt) {

        /** Whether this tells of the policy after {@code kept} does: a newer version, or its removal. */
        boolean supersedes(PolicyState kept) {
            return version > kept.version || removed && !kept.removed;
        }
    }

    /** An agent bound to a policy, or unbound from it. */
    public record Binding(UUID agentId, UUID policyId, boolean bound) {

        List<UUID> key() {
            return List.of(agentId, policyId);
        }
    }

    public record AgentState(UUID agentId, String status, long revision) {
    }

    public record Drift(UUID eventId, String agentId, java.time.Instant at) {
    }
}
