package dev.warden.tenancy.db;

import dev.warden.api.UnavailableException;
import dev.warden.tenancy.health.Outages;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;
import java.util.function.Function;

/**
 * The only way services reach their database: every transaction first tells PostgreSQL whose data it works on,
 * and Row-Level Security does the rest. A query that forgets {@code WHERE org_id} still sees one organization.
 */
@ApplicationScoped
public class TenantDb {

    private final Pool pool;

    public TenantDb(Pool pool) {
        this.pool = pool;
    }

    /** Runs {@code work} in one transaction scoped to {@code orgId}. */
    public <T> Uni<T> inOrg(UUID orgId, Function<SqlConnection, Uni<T>> work) {
        // A UUID's text is hex and dashes only, so it can stand in the statement itself.
        return transaction("BEGIN; SELECT set_config('warden.org_id', '" + orgId + "', true)", work);
    }

    /** Within a platform transaction, scopes what follows to one organization (e.g. its first API key). */
    public static Uni<Void> scopeTo(SqlConnection conn, UUID orgId) {
        return conn.preparedQuery("SELECT set_config('warden.org_id', $1, true)")
                .execute(Tuple.of(orgId.toString())).replaceWithVoid();
    }

    /** Runs {@code work} in one transaction over platform tables (organizations, outbox), which span organizations. */
    public <T> Uni<T> asPlatform(Function<SqlConnection, Uni<T>> work) {
        return transaction("BEGIN; SELECT set_config('warden.platform', 'on', true)", work);
    }

    /**
     * BEGIN and the scope go to PostgreSQL as one message, and the work's first statement is pipelined right behind
     * them on the same connection: a one-statement read costs two round trips (BEGIN, scope and the statement; then
     * COMMIT) instead of four with {@code Pool.withTransaction}. Safe by PostgreSQL's own rule: inside a transaction
     * block, once a statement fails every later one is refused (25P02), so nothing can run unscoped after a failed
     * scope. The setting is transaction-local: a pooled connection never carries one request's organization into the
     * next.
     */
    private <T> Uni<T> transaction(String beginAndScope, Function<SqlConnection, Uni<T>> work) {
        return pool.withConnection(conn -> Uni.combine().all()
                .unis(conn.query(beginAndScope).execute(), Uni.createFrom().deferred(() -> work.apply(conn)))
                .with((scoped, result) -> result)
                .call(() -> conn.query("COMMIT").execute())
                .onFailure().call(() -> rollback(conn))
                // A request abandoned half-way must not leave its transaction open on a pooled connection.
                .onCancellation().call(() -> rollback(conn)))
                // The one place every request meets the database: an outage leaves as a 503, never a 500.
                .onFailure(Outages::isOutage).transform(e -> new UnavailableException("database", e));
    }

    private static Uni<Void> rollback(SqlConnection conn) {
        return conn.query("ROLLBACK").execute().replaceWithVoid().onFailure().recoverWithNull();
    }
}
