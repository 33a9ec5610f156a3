package dev.warden.fleet.policy;

import dev.warden.fleet.policy.PolicyWire.FleetPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** SQL of what an instance fetches of its agent's policies (the projection of {@code warden.agents.v1}). */
@ApplicationScoped
public class PolicyRepository {

    /**
     * A live instance's agent, the agent's policy version and the policies bound to it, by name, in one statement, so
     * that the version is the one those policies are (a projection's commit between two statements could pair a
     * version with rules of another). A binding whose policy has not arrived yet (it travels on another partition) is
     * left out: the policy's arrival counts a change for the agent, so its instances fetch again.
     */
    public Uni<Optional<AgentPolicies>> ofInstance(SqlConnection conn, String instanceId) {
        return conn.preparedQuery("""
                        SELECT i.agent_id, coalesce(a.policy_changes, 0) AS policy_changes, p.policy_id, p.name,
                               p.description, p.enforcement, p.version, p.rules::text AS rules, p.updated_at
                        FROM fleet_instances i
                             LEFT JOIN fleet_agents a ON a.org_id = i.org_id AND a.agent_id = i.agent_id
                             LEFT JOIN fleet_policy_bindings b ON b.org_id = i.org_id AND b.agent_id = i.agent_id
                             LEFT JOIN fleet_policies p ON p.org_id = b.org_id AND p.policy_id = b.policy_id AND NOT p.removed
                        WHERE i.id = $1 AND i.status <> 'deregistered'
                        ORDER BY p.name, p.policy_id""")
                .execute(Tuple.of(instanceId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    UUID agent = null;
                    int version = 0;
                    List<FleetPolicy> policies = new ArrayList<>();
                    for (Row row : rows) {
                        agent = row.getUUID("agent_id");
                        version = row.getInteger("policy_changes");
                        if (row.getUUID("policy_id") != null) {
                            policies.add(new FleetPolicy(row.getUUID("policy_id"), row.getString("name"),
                                    row.getString("description"), row.getString("enforcement"), row.getInteger("version"),
                                    row.getString("rules"), row.getOffsetDateTime("updated_at").toInstant()));
                        }
                    }
                    return Optional.of(new AgentPolicies(agent, version, policies));
                });
    }

    /**
     * Records that the instance has its agent's policies at {@code version}: its heartbeats count pendingPolicies from
     * it. Never lowers a version a heartbeat reported meanwhile; writes nothing when it is already there.
     */
    public Uni<Void> fetched(SqlConnection conn, String instanceId, int version) {
        return conn.preparedQuery("""
                        UPDATE fleet_instances SET active_policy_version = $2
                        WHERE id = $1 AND status <> 'deregistered'
                          AND (active_policy_version IS NULL OR active_policy_version < $2)""")
                .execute(Tuple.of(instanceId, version)).replaceWithVoid();
    }

    /** {@code agentId}: null for an instance that runs no governed agent (and so has no policies, at version 0). */
    public record AgentPolicies(UUID agentId, int version, List<FleetPolicy> policies) {
    }
}
