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
        return pool.withTransaction(conn -> scopeTo(conn, orgId).chain(() -> work.apply(conn)));
    }

    /** Within a platform transaction, scopes what follows to one organization (e.g. its first API key). */
    public static Uni<Void> scopeTo(SqlConnection conn, UUID orgId) {
        return conn.preparedQuery("SELECT set_config('warden.org_id', $1, true)")
                .execute(Tuple.of(orgId.toString())).replaceWithVoid();
    }

    /** Runs {@code work} in one transaction over platform tables (organizations, outbox), which span organizations. */
    public <T> Uni<T> asPlatform(Function<SqlConnection, Uni<T>> work) {
        return pool.withTransaction(conn -> conn
                .query("SELECT set_config('warden.platform', 'on', true)")
                .execute()
                .chain(() -> work.apply(conn)));
    }
}
