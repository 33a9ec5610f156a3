package dev.warden.agent.policy;

import dev.warden.agent.policy.PolicyModels.PolicyVersion;
import dev.warden.api.Checks;
import dev.warden.api.PageRequest;
import dev.warden.events.EventJson;
import dev.warden.events.agent.AgentEvents.ConnectorBinding;
import dev.warden.events.agent.AgentEvents.Policy;
import dev.warden.tenancy.db.ListQuery;
import dev.warden.tenancy.db.ListQuery.Page;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.first;
import static dev.warden.tenancy.db.Rows.instant;
import static dev.warden.tenancy.db.Rows.jsonText;
import static dev.warden.tenancy.db.Rows.utc;

/** Connector bindings, policies, their versions and bindings. Row-Level Security scopes every statement. */
@ApplicationScoped
public class PolicyRepository {

    private static final String BINDING_COLUMNS = "id, agent_id, connector, name, config::text, created_by, created_at";
    /** The most a policy's description and rules hold: a request body's 1 MB (ListQuery.sizedBy). */
    private static final long MOST_PER_POLICY = 1024 * 1024;
    private static final String POLICY_COLUMNS = """
            p.id, p.org_id, p.name, p.description, p.enforcement, p.rules::text, p.version, p.created_at,
            p.created_by, p.updated_at, p.updated_by,
            coalesce((SELECT array_agg(b.agent_id ORDER BY b.created_at, b.agent_id) FROM policy_bindings b
                      WHERE b.policy_id = p.id), '{}') AS agent_ids""";
    private static final String VERSION_COLUMNS =
            "policy_id, version, name, description, enforcement, rules::text, created_at, created_by";

    public Uni<Void> insertBinding(SqlConnection conn, UUID org, ConnectorBinding b) {
        // secrets_checked: the service checked the config as it came in (Checks.noSecrets)
        return conn.preparedQuery("INSERT INTO connector_bindings (org_id, " + BINDING_COLUMNS.replace("::text", "")
                        + ", secrets_checked) VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7, $8, $9)")
                .execute(Tuple.from(Arrays.asList(org, b.id(), b.agentId(), b.connector(), b.name(),
                        jsonText(b.config()), b.createdBy(), utc(b.createdAt()), Checks.SECRET_RULES_REVISION)))
                .replaceWithVoid();
    }

    public Uni<ConnectorBinding> findBinding(SqlConnection conn, UUID agentId, UUID id) {
        return conn.preparedQuery("SELECT " + BINDING_COLUMNS + " FROM connector_bindings WHERE agent_id = $1 AND id = $2")
                .execute(Tuple.of(agentId, id)).map(rows -> first(rows, PolicyRepository::binding));
    }

    public Uni<ConnectorBinding> deleteBinding(SqlConnection conn, UUID agentId, UUID id) {
        return conn.preparedQuery("DELETE FROM connector_bindings WHERE agent_id = $1 AND id = $2 RETURNING "
                        + BINDING_COLUMNS)
                .execute(Tuple.of(agentId, id)).map(rows -> first(rows, PolicyRepository::binding));
    }

    public Uni<Page<ConnectorBinding>> listBindings(SqlConnection conn, UUID agentId, PageRequest page) {
        // A binding's config is at most 64 KiB now; ones bound before that bound may hold up to a request body's 1 MB
        return ListQuery.select(BINDING_COLUMNS, "connector_bindings").sizedBy("octet_length(config::text)", 1024 * 1024)
                .where("agent_id = ?", agentId)
                .updatedSince("created_at", page.updatedSince())
                .byTimeAfter("created_at", "id", page.after())
                .page(conn, page.limit(), PolicyRepository::binding);
    }

    public Uni<Void> insertPolicy(SqlConnection conn, Policy p) {
        return conn.preparedQuery("""
                        INSERT INTO policies (id, org_id, name, description, enforcement, rules, version, created_at,
                            created_by, updated_at, updated_by)
                        VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7, $8, $9, $10, $11)""")
                .execute(Tuple.from(Arrays.asList(p.id(), p.orgId(), p.name(), p.description(), p.enforcement(),
                        jsonText(p.rules()), p.version(), utc(p.createdAt()), p.createdBy(), utc(p.updatedAt()), p.updatedBy())))
                .chain(() -> insertVersion(conn, p));
    }

    public Uni<Void> updatePolicy(SqlConnection conn, Policy p) {
        return conn.preparedQuery("""
                        UPDATE policies SET name = $2, description = $3, enforcement = $4, rules = $5::text::jsonb,
                            version = $6, updated_at = $7, updated_by = $8
                        WHERE id = $1""")
                .execute(Tuple.from(Arrays.asList(p.id(), p.name(), p.description(), p.enforcement(), jsonText(p.rules()),
                        p.version(), utc(p.updatedAt()), p.updatedBy())))
                .chain(() -> insertVersion(conn, p));
    }

    public Uni<Void> deletePolicy(SqlConnection conn, UUID id) {
        return conn.preparedQuery("DELETE FROM policies WHERE id = $1").execute(Tuple.of(id)).replaceWithVoid();
    }

    public Uni<Policy> lockPolicy(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT id FROM policies WHERE id = $1 FOR UPDATE").execute(Tuple.of(id))
                .chain(rows -> rows.rowCount() == 0 ? Uni.createFrom().nullItem() : findPolicy(conn, id));
    }

    public Uni<Policy> findPolicy(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT " + POLICY_COLUMNS + " FROM policies p WHERE p.id = $1").execute(Tuple.of(id))
                .map(rows -> first(rows, PolicyRepository::policy));
    }

    /** Whether the policy exists or existed: a removed policy keeps its versions. */
    public Uni<Boolean> known(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT EXISTS (SELECT 1 FROM policies WHERE id = $1) "
                        + "OR EXISTS (SELECT 1 FROM policy_versions WHERE policy_id = $1)").execute(Tuple.of(id))
                .map(rows -> rows.iterator().next().getBoolean(0));
    }

    public Uni<Page<Policy>> listPolicies(SqlConnection conn, PageRequest page, UUID agentId) {
        return ListQuery.select(POLICY_COLUMNS, "policies p").sizedBy("coalesce(octet_length(p.description), 0) + octet_length(p.rules::text)", MOST_PER_POLICY)
                .whereIfPresent("EXISTS (SELECT 1 FROM policy_bindings b WHERE b.policy_id = p.id AND b.agent_id = ?)", agentId)
                .updatedSince("p.updated_at", page.updatedSince())
                .byTimeAfter("p.created_at", "p.id", page.after())
                .page(conn, page.limit(), PolicyRepository::policy);
    }

    /** Binds, and answers whether the binding is new. */
    public Uni<Boolean> bind(SqlConnection conn, UUID org, UUID policyId, UUID agentId, String actor) {
        return conn.preparedQuery("""
                        INSERT INTO policy_bindings (org_id, policy_id, agent_id, created_at, created_by)
                        VALUES ($1, $2, $3, now(), $4) ON CONFLICT DO NOTHING""")
                .execute(Tuple.of(org, policyId, agentId, actor)).map(rows -> rows.rowCount() == 1);
    }

    public Uni<Boolean> unbind(SqlConnection conn, UUID policyId, UUID agentId) {
        return conn.preparedQuery("DELETE FROM policy_bindings WHERE policy_id = $1 AND agent_id = $2")
                .execute(Tuple.of(policyId, agentId)).map(rows -> rows.rowCount() == 1);
    }

    /** Newest first; the cursor's position is the version number. */
    public Uni<Page<PolicyVersion>> versions(SqlConnection conn, UUID policyId, PageRequest page) {
        return ListQuery.select(VERSION_COLUMNS, "policy_versions").sizedBy("coalesce(octet_length(description), 0) + octet_length(rules::text)", MOST_PER_POLICY)
                .where("policy_id = ?", policyId)
                .updatedSince("created_at", page.updatedSince())
                .byNumberAfter("version", page.after() == null ? null : page.after().version(), true)
                .page(conn, page.limit(), r -> new PolicyVersion(r.getUUID("policy_id"), r.getInteger("version"),
                        r.getString("name"), r.getString("description"), r.getString("enforcement"),
                        EventJson.tree(r.getString("rules")), instant(r, "created_at"), r.getString("created_by")));
    }

    private Uni<Void> insertVersion(SqlConnection conn, Policy p) {
        return conn.preparedQuery("""
                        INSERT INTO policy_versions (org_id, policy_id, version, name, description, enforcement, rules,
                            created_at, created_by)
                        VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb, $8, $9)""")
                .execute(Tuple.from(Arrays.asList(p.orgId(), p.id(), p.version(), p.name(), p.description(),
                        p.enforcement(), jsonText(p.rules()), utc(p.updatedAt()), p.updatedBy())))
                .replaceWithVoid();
    }

    private static ConnectorBinding binding(Row r) {
        String config = r.getString("config");
        return new ConnectorBinding(r.getUUID("id"), r.getUUID("agent_id"), r.getString("connector"), r.getString("name"),
                config == null ? null : EventJson.tree(config), r.getString("created_by"), instant(r, "created_at"));
    }

    private static Policy policy(Row r) {
        return new Policy(r.getUUID("id"), r.getUUID("org_id"), r.getString("name"), r.getString("description"),
                r.getString("enforcement"), EventJson.tree(r.getString("rules")), r.getInteger("version"),
                List.of(r.getArrayOfUUIDs("agent_ids")), instant(r, "created_at"), r.getString("created_by"),
                instant(r, "updated_at"), r.getString("updated_by"));
    }
}
