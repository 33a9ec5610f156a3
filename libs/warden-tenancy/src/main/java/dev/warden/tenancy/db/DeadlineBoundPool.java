package dev.warden.tenancy.db;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgBuilder;
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
        PoolOptions options = new PoolOptions(input.poolOptions()).setConnectionTimeout(0);
        return PgBuilder.pool().with(options).connectingTo(List.<SqlConnectOptions>copyOf(input.pgConnectOptionsList())).using(input.vertx()).build();
    }
}
