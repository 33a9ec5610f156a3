package dev.warden.agent.registration;

import dev.warden.api.PageRequest;
import dev.warden.events.agent.AgentType;
import dev.warden.tenancy.db.ListQuery;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.all;
import static dev.warden.tenancy.db.Rows.first;
import static dev.warden.tenancy.db.Rows.instant;
import static dev.warden.tenancy.db.Rows.utc;

/** Auto-approval rules. Row-Level Security scopes every statement to the transaction's organization. */
@ApplicationScoped
public class RegistrationRuleRepository {

    /** The most rules an organization may have; each registration is checked against all of them. */
    static final int MAX_RULES = 100;

    private static final String COLUMNS = "id, org_id, name, capabilities, agent_type, max_risk_score, created_at, created_by";

    public Uni<Void> insert(SqlConnection conn, RegistrationRule rule) {
        return conn.preparedQuery("INSERT INTO registration_rules (" + COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .execute(Tuple.from(Arrays.asList(rule.id, rule.orgId, rule.name, rule.capabilities.toArray(String[]::new),
                        rule.agentType == null ? null : rule.agentType.toString(), rule.maxRiskScore, utc(rule.createdAt),
                        rule.createdBy)))
                .replaceWithVoid();
    }

    /** The organization's rules, oldest first: the order in which they are tried. */
    public Uni<List<RegistrationRule>> list(SqlConnection conn) {
        return query(null, null).items(conn, MAX_RULES, RegistrationRuleRepository::rule);
    }

    /**
     * A page of them in the same order, after the page's cursor, created at or after its {@code updated_since} (a rule
     * never changes, it is created or deleted).
     */
    public Uni<ListQuery.Slice<RegistrationRule>> list(SqlConnection conn, PageRequest page) {
        return query(page.after(), page.updatedSince()).slice(conn, page.limit(), RegistrationRuleRepository::rule);
    }

    private static ListQuery query(PageRequest.Cursor after, Instant since) {
        return ListQuery.select(COLUMNS, "registration_rules").updatedSince("created_at", since)
                .byTimeAfter("created_at", "id", after);
    }

    /**
     * The organization's rules, counted under a lock on its rules held to the end of the caller's transaction: a
     * concurrent create waits for this one to commit and then counts it (a statement of its own, so that under READ
     * COMMITTED its snapshot comes after the wait). Without it, parallel creates all counted 95 and made 106 rules.
     */
    public Uni<Long> lockAndCount(SqlConnection conn) {
        return conn.query("SELECT pg_advisory_xact_lock(hashtextextended('warden.registration_rules ' "
                        + "|| current_setting('warden.org_id'), 0))").execute()
                .chain(() -> conn.query("SELECT count(*) FROM registration_rules").execute())
                .map(rows -> rows.iterator().next().getLong(0));
    }

    public Uni<Boolean> nameTaken(SqlConnection conn, String name) {
        return conn.preparedQuery("SELECT EXISTS (SELECT 1 FROM registration_rules WHERE name = $1)").execute(Tuple.of(name))
                .map(rows -> rows.iterator().next().getBoolean(0));
    }

    /** The rule, or null when the organization has no such rule. */
    public Uni<RegistrationRule> find(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT " + COLUMNS + " FROM registration_rules WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> first(rows, RegistrationRuleRepository::rule));
    }

    /** Deletes the rule and answers it, or null when the organization has no such rule. */
    public Uni<RegistrationRule> delete(SqlConnection conn, UUID id) {
        return conn.preparedQuery("DELETE FROM registration_rules WHERE id = $1 RETURNING " + COLUMNS).execute(Tuple.of(id))
                .map(rows -> first(rows, RegistrationRuleRepository::rule));
    }

    private static RegistrationRule rule(Row row) {
        RegistrationRule rule = new RegistrationRule();
        rule.id = row.getUUID("id");
        rule.orgId = row.getUUID("org_id");
        rule.name = row.getString("name");
        rule.capabilities = List.of(row.getArrayOfStrings("capabilities"));
        String type = row.getString("agent_type");
        rule.agentType = type == null ? null : AgentType.valueOf(type.toUpperCase());
        rule.maxRiskScore = row.getInteger("max_risk_score");
        rule.createdAt = instant(row, "created_at");
        rule.createdBy = row.getString("created_by");
        return rule;
    }
}
