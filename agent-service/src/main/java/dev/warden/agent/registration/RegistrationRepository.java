package dev.warden.agent.registration;

import dev.warden.api.PageRequest;
import dev.warden.events.agent.AgentType;
import dev.warden.tenancy.db.ListQuery;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.all;
import static dev.warden.tenancy.db.Rows.first;
import static dev.warden.tenancy.db.Rows.instant;
import static dev.warden.tenancy.db.Rows.utc;

/** Challenges and registrations. Row-Level Security scopes every statement to the transaction's organization. */
@ApplicationScoped
public class RegistrationRepository {

    private static final String COLUMNS = """
            id, org_id, name, version, public_key, requested_capabilities, status, requested_at, requested_by,
            granted_capabilities, agent_id, reason, decided_at, decided_by, agent_type, risk_score, rule_id""";

    /** The most pending registrations one page answers, and its default (seed 004's list has no paging). */
    static final int LIST_BOUND = 1000;

    public Uni<Void> insertChallenge(SqlConnection conn, UUID org, String challenge, String publicKey, Instant expiresAt) {
        return conn.preparedQuery("""
                        INSERT INTO registration_challenges (challenge, org_id, public_key, expires_at, created_at)
                        VALUES ($1, $2, $3, $4, now())""")
                .execute(Tuple.of(challenge, org, publicKey, utc(expiresAt)))
                .replaceWithVoid();
    }

    /** Removes the challenge issued for this key and answers when it expires (null when there is none): used once. */
    public Uni<Instant> consumeChallenge(SqlConnection conn, String challenge, String publicKey) {
        return conn.preparedQuery("""
                        DELETE FROM registration_challenges WHERE challenge = $1 AND public_key = $2 RETURNING expires_at""")
                .execute(Tuple.of(challenge, publicKey))
                .map(rows -> first(rows, row -> instant(row, "expires_at")));
    }

    /**
     * Spends one of {@code address}'s open registration calls, at one call every {@code interval} with bursts of up to
     * {@code tolerance / interval + 1} (the generic cell rate algorithm, in the database's clock, so that every replica
     * counts the same calls): null when spent, or how long until the next is due, spending nothing. Platform scope.
     */
    public Uni<Duration> spendOpenCall(SqlConnection conn, String address, Duration interval, Duration tolerance) {
        return conn.preparedQuery("""
                        INSERT INTO open_registration_calls AS c (address, due_at)
                        VALUES ($1, now() + $2 * interval '1 microsecond')
                        ON CONFLICT (address) DO UPDATE SET due_at = greatest(c.due_at, now()) + $2 * interval '1 microsecond'
                        WHERE c.due_at - now() <= $3 * interval '1 microsecond'
                        RETURNING due_at""")
                .execute(Tuple.of(address, micros(interval), micros(tolerance)))
                .chain(spent -> spent.rowCount() > 0 ? Uni.createFrom().nullItem() : conn.preparedQuery("""
                                SELECT (extract(epoch FROM due_at - now()) * 1000000)::bigint - $2 AS wait
                                FROM open_registration_calls WHERE address = $1""")
                        .execute(Tuple.of(address, micros(tolerance)))
                        .map(rows -> {
                            Long wait = first(rows, row -> row.getLong("wait"));
                            return Duration.ofNanos(1000 * Math.max(1, wait == null ? 1 : wait));
                        }));
    }

    /** Forgets addresses whose next call is due already: their rows say nothing more than no row. Platform scope. */
    public Uni<Integer> forgetIdleAddresses(SqlConnection conn) {
        return conn.preparedQuery("DELETE FROM open_registration_calls WHERE due_at < now()").execute()
                .map(rows -> rows.rowCount());
    }

    private static long micros(Duration d) {
        return d.toNanos() / 1000;
    }

    /** Challenges of this organization that can no longer be used. */
    public Uni<Void> deleteExpiredChallenges(SqlConnection conn) {
        return conn.preparedQuery("DELETE FROM registration_challenges WHERE expires_at < now()").execute().replaceWithVoid();
    }

    /**
     * Whether the key has a pending or approved registration, or is an agent's key already. The key is unique across
     * two tables, which no index can say, so the check first takes a lock on the key in the organization, held to the
     * end of the caller's transaction: a second create or registration of the same key waits for the first to commit,
     * then sees it (a statement of its own, so that under READ COMMITTED its snapshot comes after the wait).
     */
    public Uni<Boolean> keyInUse(SqlConnection conn, String publicKey) {
        return conn.preparedQuery("""
                        SELECT pg_advisory_xact_lock(hashtextextended(
                            'warden.public_key ' || current_setting('warden.org_id') || ' ' || $1, 0))""")
                .execute(Tuple.of(publicKey))
                .chain(() -> conn.preparedQuery("""
                                SELECT EXISTS (SELECT 1 FROM registrations WHERE public_key = $1 AND status IN ('pending', 'approved'))
                                    OR EXISTS (SELECT 1 FROM agents WHERE public_key = $1)""")
                        .execute(Tuple.of(publicKey)))
                .map(rows -> rows.iterator().next().getBoolean(0));
    }

    public Uni<Void> insert(SqlConnection conn, Registration r) {
        return conn.preparedQuery("""
                        INSERT INTO registrations (id, org_id, name, version, public_key, requested_capabilities, status,
                            requested_at, requested_by, agent_type, risk_score)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""")
                .execute(Tuple.from(Arrays.asList(r.id, r.orgId, r.name, r.version, r.publicKey,
                        r.requestedCapabilities.toArray(String[]::new), r.status, utc(r.requestedAt), r.requestedBy,
                        r.agentType == null ? null : r.agentType.toString(), r.riskScore)))
                .replaceWithVoid();
    }

    /** Reads the registration and locks it until the transaction ends, so it is decided once. */
    public Uni<Registration> lockById(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT " + COLUMNS + " FROM registrations WHERE id = $1 FOR UPDATE")
                .execute(Tuple.of(id))
                .map(rows -> first(rows, RegistrationRepository::registration));
    }

    public Uni<Void> decide(SqlConnection conn, Registration r) {
        return conn.preparedQuery("""
                        UPDATE registrations SET status = $2, granted_capabilities = $3, agent_id = $4, reason = $5,
                            decided_at = $6, decided_by = $7, rule_id = $8
                        WHERE id = $1""")
                .execute(Tuple.from(Arrays.asList(r.id, r.status,
                        r.grantedCapabilities == null ? null : r.grantedCapabilities.toArray(String[]::new),
                        r.agentId, r.reason, utc(r.decidedAt), r.decidedBy, r.ruleId)))
                .replaceWithVoid();
    }

    /**
     * A page of the pending registrations asked for after {@code since} (older ones have expired), oldest first, from
     * the page's cursor, asked for at or after its {@code updated_since} (a pending registration does not change
     * until it is decided, and then it is no longer pending).
     */
    public Uni<ListQuery.Slice<Registration>> pending(SqlConnection conn, Instant since, PageRequest page) {
        return ListQuery.select(COLUMNS, "registrations")
                .where("status = 'pending'")
                .whereIfPresent("requested_at > ?", since)
                .updatedSince("requested_at", page.updatedSince())
                .byTimeAfter("requested_at", "id", page.after())
                .slice(conn, page.limit(), RegistrationRepository::registration);
    }

    /**
     * Marks at most {@code limit} pending registrations asked for before {@code before} expired and answers them;
     * rows a decision holds are skipped, to be seen next time (or decided).
     */
    public Uni<List<Registration>> expire(SqlConnection conn, Instant before, Instant now, int limit) {
        return conn.preparedQuery("""
                        UPDATE registrations SET status = 'expired', decided_at = $2
                        WHERE id IN (SELECT id FROM registrations WHERE status = 'pending' AND requested_at <= $1
                                     ORDER BY requested_at LIMIT $3 FOR UPDATE SKIP LOCKED)
                        RETURNING\s""" + COLUMNS)
                .execute(Tuple.of(utc(before), utc(now), limit))
                .map(rows -> all(rows, RegistrationRepository::registration));
    }

    /** The organizations that exist, for the expiry sweep (a platform-scope read). */
    public Uni<List<UUID>> organizations(SqlConnection conn) {
        return conn.query("SELECT id FROM organizations ORDER BY id").execute()
                .map(rows -> all(rows, row -> row.getUUID("id")));
    }

    private static Registration registration(Row row) {
        Registration r = new Registration();
        r.id = row.getUUID("id");
        r.orgId = row.getUUID("org_id");
        r.name = row.getString("name");
        r.version = row.getString("version");
        r.publicKey = row.getString("public_key");
        r.requestedCapabilities = List.of(row.getArrayOfStrings("requested_capabilities"));
        r.status = row.getString("status");
        r.requestedAt = instant(row, "requested_at");
        r.requestedBy = row.getString("requested_by");
        String[] granted = row.getArrayOfStrings("granted_capabilities");
        r.grantedCapabilities = granted == null ? null : List.of(granted);
        r.agentId = row.getUUID("agent_id");
        r.reason = row.getString("reason");
        r.decidedAt = instant(row, "decided_at");
        r.decidedBy = row.getString("decided_by");
        String type = row.getString("agent_type");
        r.agentType = type == null ? null : AgentType.valueOf(type.toUpperCase());
        r.riskScore = row.getInteger("risk_score");
        r.ruleId = row.getUUID("rule_id");
        return r;
    }
}
