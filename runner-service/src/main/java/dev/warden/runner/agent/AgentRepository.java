package dev.warden.runner.agent;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The {@code runner_agents} projection; Row-Level Security scopes every statement to the transaction's organization. */
@ApplicationScoped
public class AgentRepository {

    public Uni<Optional<RunnableAgent>> find(SqlConnection conn, UUID agentId) {
        return conn.preparedQuery("""
                        SELECT a.org_id, a.agent_id, a.image_uri, a.version, a.status, a.revision, v.config::text AS config,
                               v.version IS NOT NULL AS config_known
                        FROM runner_agents a LEFT JOIN runner_agent_versions v
                            ON v.org_id = a.org_id AND v.agent_id = a.agent_id AND v.version = a.version
                        WHERE a.agent_id = $1""")
                .execute(Tuple.of(agentId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(map(rows.iterator().next())));
    }

    /**
     * Keeps each agent's newest snapshot: one of a revision not above the stored one changes nothing, and the stored
     * image stays unless the version changes (as {@link RunnableAgent#then}).
     */
    public Uni<Void> upsert(SqlConnection conn, List<RunnableAgent> agents) {
        if (agents.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        List<Tuple> rows = agents.stream().map(a -> Tuple.from(List.<Object>of(a.orgId(), a.agentId(),
                a.imageUri() == null ? "" : a.imageUri(), a.version(), a.status(), a.revision(), now))).toList();
        return conn.preparedQuery("""
                        INSERT INTO runner_agents (org_id, agent_id, image_uri, version, status, revision, updated_at)
                        VALUES ($1, $2, nullif($3, ''), $4, $5, $6, $7)
                        ON CONFLICT (org_id, agent_id) DO UPDATE SET image_uri = CASE
                                WHEN runner_agents.version = EXCLUDED.version THEN runner_agents.image_uri
                                ELSE EXCLUDED.image_uri END,
                            version = EXCLUDED.version, status = EXCLUDED.status, revision = EXCLUDED.revision,
                            updated_at = EXCLUDED.updated_at
                        WHERE runner_agents.revision < EXCLUDED.revision""")
                .executeBatch(rows).replaceWithVoid();
    }

    /** Keeps each deployed version's config; a version's config never changes, so a redelivery changes nothing. */
    public Uni<Void> keepVersions(SqlConnection conn, UUID org, List<DeployedVersion> versions) {
        if (versions.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = versions.stream().map(v -> Tuple.of(org, v.agentId(), v.version(), v.config())).toList();
        return conn.preparedQuery("""
                        INSERT INTO runner_agent_versions (org_id, agent_id, version, config) VALUES ($1, $2, $3, $4::text::json)
                        ON CONFLICT (org_id, agent_id, version) DO NOTHING""")
                .executeBatch(rows).replaceWithVoid();
    }

    /**
     * Platform scope: how many agents' current version (1 or more) has no recorded deploy, so no known config: versions
     * deployed before runner-service kept them (its V4).
     */
    public Uni<Long> versionsUnrecorded(SqlConnection conn) {
        return conn.preparedQuery("""
                        SELECT count(*) FROM runner_agents a
                        WHERE a.version >= 1 AND NOT EXISTS (SELECT 1 FROM runner_agent_versions v
                            WHERE v.org_id = a.org_id AND v.agent_id = a.agent_id AND v.version = a.version)""")
                .execute().map(rows -> rows.iterator().next().getLong(0));
    }

    /** A version as a deployed event names it: its number, and its config as JSON text (null without one). */
    public record DeployedVersion(UUID agentId, int version, String config) {
    }

    private static RunnableAgent map(Row r) {
        return new RunnableAgent(r.getUUID("org_id"), r.getUUID("agent_id"), r.getString("image_uri"),
                r.getInteger("version"), r.getString("status"), r.getLong("revision"), r.getString("config"),
                r.getBoolean("config_known"));
    }
}
