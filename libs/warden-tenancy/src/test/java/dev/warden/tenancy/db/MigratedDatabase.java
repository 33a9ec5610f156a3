package dev.warden.tenancy.db;

import dev.warden.testing.LocalPostgres;
import dev.warden.testing.WardenInfra;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * A fresh database of the tests' PostgreSQL with the shared migrations ({@code db/warden}) and the statements a test
 * runs as the owner after them, reached as the runtime role through a {@link TenantDb} over a pool of its own.
 */
final class MigratedDatabase implements AutoCloseable {

    private final Vertx vertx;
    private final Pool pool;
    final TenantDb db;

    private MigratedDatabase(Vertx vertx, Pool pool, TenantDb db) {
        this.vertx = vertx;
        this.pool = pool;
        this.db = db;
    }

    static MigratedDatabase create(String name, int poolSize, Duration startTimeout, String... asOwner)
            throws SQLException {
        LocalPostgres pg = WardenInfra.postgres();
        pg.ensureDatabase(name, true);
        String url = pg.jdbcUrl(name);
        Migrations.migrate(url, pg.superUser(), pg.superPassword(), LocalPostgres.APP_ROLE);
        try (Connection c = DriverManager.getConnection(url, pg.superUser(), pg.superPassword());
             Statement s = c.createStatement()) {
            for (String statement : asOwner) {
                s.execute(statement);
            }
        }
        Vertx vertx = Vertx.vertx();
        PgConnectOptions connect = new PgConnectOptions().setHost(pg.host()).setPort(pg.port()).setDatabase(name)
                .setUser(LocalPostgres.APP_ROLE).setPassword(pg.appPassword());
        Pool pool = Pool.newInstance(DeadlineBoundPool.pool(vertx, new PoolOptions().setMaxSize(poolSize), List.of(connect)));
        return new MigratedDatabase(vertx, pool, new TenantDb(vertx, pool, startTimeout, poolSize));
    }

    /** The pool under {@link #db}, for what a test does outside its transactions. */
    Pool pool() {
        return pool;
    }

    @Override
    public void close() {
        pool.close().await().atMost(Duration.ofSeconds(10));
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
