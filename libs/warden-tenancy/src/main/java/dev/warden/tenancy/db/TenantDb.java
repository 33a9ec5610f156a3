package dev.warden.tenancy.db;

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
     * BEGIN and the scope go to PostgreSQL as one message, so a request's transaction costs one round trip fewer than
     * with {@code Pool.withTransaction} (BEGIN, then the scope). The setting is transaction-local: it ends with the
     * COMMIT or ROLLBACK, and a pooled connection never carries one request's organization into the next.
     */
    private <T> Uni<T> transaction(String beginAndScope, Function<SqlConnection, Uni<T>> work) {
        return pool.withConnection(conn -> conn.query(beginAndScope).execute()
                .chain(() -> Uni.createFrom().deferred(() -> work.apply(conn)))
                .call(() -> conn.query("COMMIT").execute())
                .onFailure().call(() -> rollback(conn))
                // A request abandoned half-way must not leave its transaction open on a pooled connection.
                .onCancellation().call(() -> rollback(conn)));
    }

    private static Uni<Void> rollback(SqlConnection conn) {
        return conn.query("ROLLBACK").execute().replaceWithVoid().onFailure().recoverWithNull();
    }
}
