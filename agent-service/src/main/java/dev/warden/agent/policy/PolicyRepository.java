package dev.warden.agent.policy;

import dev.warden.agent.policy.PolicyModels.PolicyVersion;
import dev.warden.api.PageRequest;
import dev.warden.events.EventJson;
import dev.warden.events.agent.AgentEvents.ConnectorBinding;
import dev.warden.events.agent.AgentEvents.Policy;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.all;
import static dev.warden.tenancy.db.Rows.first;
import static dev.warden.tenancy.db.Rows.instant;
import static dev.warden.tenancy.db.Rows.jsonText;
import static dev.warden.tenancy.db.Rows.utc;

/** Connector bindings, policies, their versions and bindings. Row-Level Security scopes every statement. */
@ApplicationScoped
public class PolicyRepository {

    private static final String BINDING_COLUMNS = "id, agent_id, connector, name, config::text, created_by, created_at";
    private static final String POLICY_SELECT = """
            SELECT p.id, p.org_id, p.name, p.description, p.enforcement, p.rules::text, p.version, p.created_at,
                   p.created_by, p.updated_at, p.updated_by,
                   coalesce((SELECT array_agg(b.agent_id ORDER BY b.created_at, b.agent_id) FROM policy_bindings b
                             WHERE b.policy_id = p.id), '{}') AS agent_ids
            FROM policies p""";

    public Uni<Void> insertBinding(SqlConnection conn, UUID org, ConnectorBinding b) {
        return conn.preparedQuery("INSERT INTO connector_bindings (org_id, " + BINDING_COLUMNS.replace("::text", "")
                        + ") VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7, $8)")
                .execute(Tuple.from(Arrays.asList(org, b.id(), b.agentId(), b.connector(), b.name(),
                        jsonText(b.config()), b.createdBy(), utc(b.createdAt()))))
                .replaceWithVoid();
    }

    public Uni<ConnectorBinding> deleteBinding(SqlConnection conn, UUID agentId, UUID id) {
        return conn.preparedQuery("DELETE FROM connector_bindings WHERE agent_id = $1 AND id = $2 RETURNING "
                        + BINDING_COLUMNS)
                .execute(Tuple.of(agentId, id)).map(rows -> first(rows, PolicyRepository::binding));
    }

    public Uni<List<ConnectorBinding>> listBindings(SqlConnection conn, UUID agentId, PageRequest page) {
        List<Object> args = new ArrayList<>(List.of(agentId));
        String where = "agent_id = $1" + since(args, page, "created_at") + after(args, page);
        args.add(page.limit());
        return conn.preparedQuery("SELECT " + BINDING_COLUMNS + " FROM connector_bindings WHERE " + where
                        + " ORDER BY created_at, id LIMIT $" + args.size())
                .execute(Tuple.from(args)).map(rows -> all(rows, PolicyRepository::binding));
    }

    public Uni<Long> countBindings(SqlConnection conn, UUID agentId, PageRequest page) {
        List<Object> args = new ArrayList<>(List.of(agentId));
        String where = "agent_id = $1" + since(args, page, "created_at");
        return conn.preparedQuery("SELECT count(*) FROM connector_bindings WHERE " + where)
                .execute(Tuple.from(args)).map(rows -> rows.iterator().next().getLong(0));
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
        return conn.preparedQuery(POLICY_SELECT + " WHERE p.id = $1").execute(Tuple.of(id))
                .map(rows -> first(rows, PolicyRepository::policy));
    }

    public Uni<List<Policy>> listPolicies(SqlConnection conn, PageRequest page, UUID agentId) {
        List<Object> args = new ArrayList<>();
        String where = policyFilters(args, page, agentId) + after(args, page).replace("(created_at, id)", "(p.created_at, p.id)");
        args.add(page.limit());
        return conn.preparedQuery(POLICY_SELECT + " WHERE " + where + " ORDER BY p.created_at, p.id LIMIT $" + args.size())
                .execute(Tuple.from(args)).map(rows -> all(rows, PolicyRepository::policy));
    }

    public Uni<Long> countPolicies(SqlConnection conn, PageRequest page, UUID agentId) {
        List<Object> args = new ArrayList<>();
        return conn.preparedQuery("SELECT count(*) FROM policies p WHERE " + policyFilters(args, page, agentId))
                .execute(Tuple.from(args)).map(rows -> rows.iterator().next().getLong(0));
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

    public Uni<List<PolicyVersion>> versions(SqlConnection conn, UUID policyId) {
        return conn.preparedQuery("""
                        SELECT policy_id, version, name, description, enforcement, rules::text, created_at, created_by
                        FROM policy_versions WHERE policy_id = $1 ORDER BY version DESC""")
                .execute(Tuple.of(policyId))
                .map(rows -> all(rows, r -> new PolicyVersion(r.getUUID("policy_id"), r.getInteger("version"),
                        r.getString("name"), r.getString("description"), r.getString("enforcement"),
                        EventJson.tree(r.getString("rules")), instant(r, "created_at"), r.getString("created_by"))));
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

    private static String policyFilters(List<Object> args, PageRequest page, UUID agentId) {
        String where = "true" + since(args, page, "p.updated_at");
        if (agentId != null) {
            args.add(agentId);
            where += " AND EXISTS (SELECT 1 FROM policy_bindings b WHERE b.policy_id = p.id AND b.agent_id = $" + args.size() + ")";
        }
        return where;
    }

    private static String since(List<Object> args, PageRequest page, String column) {
        if (page.updatedSince() == null) {
            return "";
        }
        args.add(utc(page.updatedSince()));
        return " AND " + column + " >= $" + args.size();
    }

    private static String after(List<Object> args, PageRequest page) {
        if (page.after() == null) {
            return "";
        }
        args.add(utc(page.after().instant()));
        args.add(page.after().id());
        return " AND (created_at, id) > ($" + (args.size() - 1) + ", $" + args.size() + ")";
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
