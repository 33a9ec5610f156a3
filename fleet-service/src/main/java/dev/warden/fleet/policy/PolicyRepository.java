package dev.warden.fleet.policy;

import dev.warden.fleet.policy.PolicyWire.FleetPolicy;
import dev.warden.tenancy.db.ListQuery;
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
     * A live instance's agent, the agent's policy version and the policies bound to it after {@code after} (null for
     * the first page), by id, up to {@link ListQuery#ANSWER_BUDGET} of what their rules, names and descriptions hold
     * (a page holds at least one policy), in one statement, so that the version is the one those policies are (a
     * projection's commit between two statements could pair a version with rules of another). PostgreSQL sums the sizes
     * as it reads the policies in order, so what is past the budget never reaches the service: an agent may be bound to
     * thousands of policies of up to 256 KiB of rules each. A binding whose policy has not arrived yet (it travels on
     * another partition) is left out: the policy's arrival counts a change for the agent, so its instances fetch again.
     */
    public Uni<Optional<AgentPolicies>> ofInstance(SqlConnection conn, String instanceId, UUID after) {
        return conn.preparedQuery("""
                        WITH instance AS (
                            SELECT i.org_id, i.agent_id, coalesce(a.policy_changes, 0) AS policy_changes
                            FROM fleet_instances i
                                 LEFT JOIN fleet_agents a ON a.org_id = i.org_id AND a.agent_id = i.agent_id
                            WHERE i.id = $1 AND i.status <> 'deregistered'
                        ), sized AS (
                            SELECT p.org_id, p.policy_id,
                                   sum(octet_length(p.rules::text) + octet_length(p.name)
                                       + coalesce(octet_length(p.description), 0))
                                       OVER (ORDER BY p.policy_id ROWS UNBOUNDED PRECEDING) AS through,
                                   row_number() OVER (ORDER BY p.policy_id) AS n
                            FROM instance
                                 JOIN fleet_policy_bindings b ON b.org_id = instance.org_id AND b.agent_id = instance.agent_id
                                 JOIN fleet_policies p ON p.org_id = b.org_id AND p.policy_id = b.policy_id AND NOT p.removed
                            WHERE $2::uuid IS NULL OR p.policy_id > $2
                        ), page AS (
                            SELECT p.policy_id, p.name, p.description, p.enforcement, p.version, p.rules::text AS rules,
                                   p.updated_at
                            FROM sized JOIN fleet_policies p ON p.org_id = sized.org_id AND p.policy_id = sized.policy_id
                            WHERE sized.n = 1 OR sized.through <= $3
                        )
                        SELECT instance.agent_id, instance.policy_changes,
                               EXISTS (SELECT 1 FROM sized WHERE sized.n > 1 AND sized.through > $3) AS more,
                               page.policy_id, page.name, page.description, page.enforcement, page.version, page.rules,
                               page.updated_at
                        FROM instance LEFT JOIN page ON true
                        ORDER BY page.policy_id""")
                .execute(Tuple.of(instanceId, after, ListQuery.ANSWER_BUDGET))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    UUID agent = null;
                    int version = 0;
                    boolean more = false;
                    List<FleetPolicy> policies = new ArrayList<>();
                    for (Row row : rows) {
                        agent = row.getUUID("agent_id");
                        version = row.getInteger("policy_changes");
                        more = row.getBoolean("more");
                        if (row.getUUID("policy_id") != null) {
                            policies.add(new FleetPolicy(row.getUUID("policy_id"), row.getString("name"),
                                    row.getString("description"), row.getString("enforcement"), row.getInteger("version"),
                                    row.getString("rules"), row.getOffsetDateTime("updated_at").toInstant()));
                        }
                    }
                    return Optional.of(new AgentPolicies(agent, version, policies, more));
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

    /**
     * {@code agentId}: null for an instance that runs no governed agent (and so has no policies, at version 0);
     * {@code more}: policies past this page's budget remain.
     */
    public record AgentPolicies(UUID agentId, int version, List<FleetPolicy> policies, boolean more) {
    }
}
