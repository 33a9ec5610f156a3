package dev.warden.outbox;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The database connection of a {@link LeaderLoop}: plain JDBC on its own thread, platform scope, generic plans, woken
 * by NOTIFY, and only for the one replica holding the job's advisory lock.
 */
public final class LeaderConnection {

    private final String jdbcUrl;
    private final String username;
    private final String password;

    /** {@code reactiveUrl}: the service's {@code quarkus.datasource.reactive.url}. */
    public LeaderConnection(String reactiveUrl, String username, String password) {
        this.jdbcUrl = "jdbc:" + reactiveUrl.replaceFirst("^vertx-reactive:", "");
        this.username = username;
        this.password = password;
    }

    /**
     * A connection listening on {@code channel} (none if null) and holding lock {@code lockId}; null while another
     * replica holds it. The lock is the session's: it goes when the connection does.
     */
    public Connection open(String channel, long lockId) throws SQLException {
        Connection conn = DriverManager.getConnection(jdbcUrl, username, password);
        try (Statement s = conn.createStatement()) {
            s.execute("SELECT set_config('warden.platform', 'on', false)");
            // The planner cannot see through warden_platform() and would scan and sort a large backlog; the generic
            // plan uses the index from the first batch on (bench/: 0.32 -> 0.45 of Kafka's perf test for the relay).
            s.execute("SET plan_cache_mode = force_generic_plan");
            if (channel != null) {
                s.execute("LISTEN " + channel);
            }
            try (ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(" + lockId + ")")) {
                if (rs.next() && rs.getBoolean(1)) {
                    return conn;
                }
            }
        } catch (SQLException e) {
            conn.close();
            throw e;
        }
        conn.close();
        return null;
    }
}
