package dev.warden.audit.agent;

import dev.warden.tenancy.db.Projections;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The agents audit-service knows: its projection of {@code warden.agents.v1} (the {@code agent_intents} table, one
 * row per agent with its newest snapshot, kept by the drift detector as events are recorded). Facts are accepted only
 * about these. Row-Level Security scopes the lookup to the caller's organization, so another organization's agent is
 * unknown exactly like one that does not exist.
 */
@ApplicationScoped
public class KnownAgentRepository {

    /**
     * Fails with 404 unless the caller's organization has this agent (a {@link Projections#notYetKnown}: an agent created
     * a moment ago may not have reached audit-service yet, see {@link Projections#withCatchUp}).
     */
    public Uni<Void> require(SqlConnection conn, String agentId) {
        return known(conn, agentId).invoke(known -> {
            if (!known) {
                throw Projections.notYetKnown("Agent");
            }
        }).replaceWithVoid();
    }

    public Uni<Boolean> known(SqlConnection conn, String agentId) {
        return conn.preparedQuery("SELECT 1 FROM agent_intents WHERE agent_id = $1").execute(Tuple.of(agentId))
                .map(rows -> rows.size() > 0);
    }
}
