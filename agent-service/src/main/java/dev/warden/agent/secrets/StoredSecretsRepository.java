package dev.warden.agent.secrets;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The stored configs of deployed versions and connector bindings, by the revision of the secret rules they were checked with. */
@ApplicationScoped
public class StoredSecretsRepository {

    /** A stored config: a version's ({@code version} set) or a connector binding's ({@code version} null). */
    public record StoredConfig(UUID orgId, UUID agentId, UUID id, Integer version, String connector, String config) {
    }

    /** Up to {@code limit} configs checked with a revision below {@code revision}, across organizations (platform scope). */
    public Uni<List<StoredConfig>> unchecked(SqlConnection conn, int revision, int limit) {
        return conn.preparedQuery("""
                        (SELECT org_id, agent_id, id, version, NULL AS connector, config::text FROM agent_versions
                         WHERE secrets_checked < $1 AND config IS NOT NULL LIMIT $2)
                        UNION ALL
                        (SELECT org_id, agent_id, id, NULL, connector, config::text FROM connector_bindings
                         WHERE secrets_checked < $1 AND config IS NOT NULL LIMIT $2)""")
                .execute(Tuple.of(revision, limit)).map(rows -> {
                    List<StoredConfig> found = new ArrayList<>();
                    for (Row r : rows) {
                        found.add(new StoredConfig(r.getUUID(0), r.getUUID(1), r.getUUID(2), r.getInteger(3), r.getString(4),
                                r.getString(5)));
                    }
                    return found;
                });
    }

    /** Records that these configs of one organization (in its scope) were checked with {@code revision}, each in its table. */
    public Uni<Void> checked(SqlConnection conn, List<StoredConfig> configs, int revision) {
        UUID[] versions = configs.stream().filter(c -> c.version() != null).map(StoredConfig::id).toArray(UUID[]::new);
        UUID[] bindings = configs.stream().filter(c -> c.version() == null).map(StoredConfig::id).toArray(UUID[]::new);
        return mark(conn, "agent_versions", versions, revision).chain(() -> mark(conn, "connector_bindings", bindings, revision));
    }

    private static Uni<Void> mark(SqlConnection conn, String table, UUID[] ids, int revision) {
        return ids.length == 0 ? Uni.createFrom().voidItem()
                : conn.preparedQuery("UPDATE " + table + " SET secrets_checked = $1 WHERE id = ANY($2)")
                        .execute(Tuple.of(revision, ids)).replaceWithVoid();
    }
}
