package dev.warden.outbox;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/**
 * The database connection of a {@link LeaderLoop}: plain JDBC on its own thread, platform scope, generic plans, woken
 * by NOTIFY, and only for the one replica holding the job's advisory lock.
 */
public final class LeaderConnection {

    private final String jdbcUrl;
    private final Properties properties = new Properties();

    /**
     * {@code reactiveUrl}: the service's {@code quarkus.datasource.reactive.url}. {@code readTimeout}: how long any
     * read may wait for PostgreSQL ({@link OutboxConfig#leaderReadTimeout()}).
     */
    public LeaderConnection(String reactiveUrl, String username, String password, Duration readTimeout) {
        this.jdbcUrl = "jdbc:" + reactiveUrl.replaceFirst("^vertx-reactive:", "");
        properties.setProperty("user", username);
        properties.setProperty("password", password);
        // A server that vanishes without closing the connection (a failover behind a network that drops its packets)
        // would otherwise leave the leader waiting on its socket for ever, holding no lock and letting no one else
        // lead on this replica. Past the timeout the read fails, the connection is dropped and the loop reconnects.
        // Whole seconds: pgjdbc's unit. The waits for NOTIFY are shorter and set their own.
        String seconds = String.valueOf(Math.max(1, readTimeout.toSeconds()));
        properties.setProperty("socketTimeout", seconds);
        properties.setProperty("loginTimeout", seconds);
        properties.setProperty("tcpKeepAlive", "true");
    }

    /**
     * A connection listening on {@code channel} (none if null) and holding lock {@code lockId}; null while another
     * replica holds it. The lock is the session's: it goes when the connection does.
     */
    public Connection open(String channel, long lockId) throws SQLException {
        Connection conn = DriverManager.getConnection(jdbcUrl, properties);
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
