package dev.warden.tenancy.db;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnectOptions;
import jakarta.inject.Singleton;

import java.util.List;

/**
 * The services' PostgreSQL pool, as Quarkus configures it, but with no wait timeout of its own: {@link TenantDb}'s
 * start deadline ({@code warden.db.start-timeout}) bounds the wait for a connection instead. The pool's 30 s timer
 * raced with a connection arriving at the same moment after an outage and logged {@code IllegalStateException: Result
 * is already complete}; without the timer a waiter is served or abandoned by TenantDb, which then releases what it got.
 * Quarkus' documented hook for the pool ({@link PgPoolCreator}); everything else is Quarkus' own options.
 */
@Singleton
public class DeadlineBoundPool implements PgPoolCreator {

    @Override
    public Pool create(Input input) {
        return pool(input.vertx(), input.poolOptions(), input.pgConnectOptionsList());
    }

    /** The pool {@link #create} builds, from given options. */
    public static Pool pool(Vertx vertx, PoolOptions poolOptions, List<PgConnectOptions> connectOptions) {
        PoolOptions options = new PoolOptions(poolOptions).setConnectionTimeout(0);
        return PgBuilder.pool().with(options).connectingTo(List.<SqlConnectOptions>copyOf(connectOptions)).using(vertx).build();
    }
}
