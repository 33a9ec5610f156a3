package dev.warden.outbox;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
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
     * replica holds it. The lock is the session's: it goes when the connection does. The session is named for
     * {@code job} in this process on this host ({@code application_name}), so that {@code pg_stat_activity} says which
     * replica holds which job's lock.
     */
    public Connection open(String channel, long lockId, String job) throws SQLException {
        Connection conn = DriverManager.getConnection(jdbcUrl, properties);
        try (Statement s = conn.createStatement()) {
            // The lock lives as long as this session does on the server. A replica cut off from PostgreSQL (or its node
            // gone) without its connection closed kept its session, so its lock, for the server's default of two hours
            // of TCP keepalive: every job of the cluster stopped (a two-replica trial's frozen leader held the relay's
            // lock, and every deploy answered 503). The server probes this session's peer after 10 s of quiet, every
            // 5 s, and ends it after 3 unanswered, or when what it sent stays unacknowledged for 25 s: a standby leads
            // within about half a minute of its leader's last word. (A leader that is alive but stopped, its kernel
            // still answering, is its liveness probe's to restart.) One round trip, as standbys open one every few
            // poll intervals.
            s.execute("SELECT set_config('warden.platform', 'on', false), set_config('tcp_keepalives_idle', '10', false),"
                    + " set_config('tcp_keepalives_interval', '5', false), set_config('tcp_keepalives_count', '3', false),"
                    + " set_config('tcp_user_timeout', '25000', false),"
                    // The planner cannot see through warden_platform() and would scan and sort a large backlog; the
                    // generic plan uses the index from the first batch on (bench/: 0.32 -> 0.45 of Kafka's perf test
                    // for the relay).
                    + " set_config('plan_cache_mode', 'force_generic_plan', false)"
                    + ", set_config('application_name', " + quoted(applicationName(job)) + ", false)");
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

    /**
     * Takes lock {@code lockId} on {@code conn}'s session if nobody holds it, besides the job's own: a leader that acts
     * for another name in turn (runner-service's sweep of gone instances) holds that name's lock while it does.
     */
    public static boolean tryLock(Connection conn, long lockId) throws SQLException {
        return lockCall(conn, "pg_try_advisory_lock", lockId);
    }

    /** Gives back a lock {@link #tryLock} took. */
    public static void unlock(Connection conn, long lockId) throws SQLException {
        lockCall(conn, "pg_advisory_unlock", lockId);
    }

    private static boolean lockCall(Connection conn, String function, long lockId) throws SQLException {
        try (PreparedStatement s = conn.prepareStatement("SELECT " + function + "(?)")) {
            s.setLong(1, lockId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /**
     * Who holds lock {@code lockId}, as the server says: {@code 'warden <job> pid <pid> on <host>' from <address> since
     * <time>}; empty when nobody does, or when the server cannot be asked. For a replica standing by to say who it waits
     * for.
     */
    public Optional<String> holder(long lockId) {
        // A bigint advisory lock shows in pg_locks as its high and low 32 bits (classid, objid), objsubid 1.
        try (Connection conn = DriverManager.getConnection(jdbcUrl, properties);
             PreparedStatement s = conn.prepareStatement("SELECT a.application_name, host(a.client_addr), a.backend_start"
                     + " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory'"
                     + " AND l.granted AND l.objsubid = 1 AND l.classid::bigint = ? AND l.objid::bigint = ?")) {
            s.setLong(1, lockId >>> 32);
            s.setLong(2, lockId & 0xffffffffL);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of("'" + rs.getString(1) + "' from " + (rs.getString(2) == null ? "a local socket"
                        : rs.getString(2)) + " since " + rs.getTimestamp(3).toInstant());
            }
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    /** This host's name, the pod's in a cluster: looked up once, as standbys open a session every few poll intervals. */
    private static final String HOST = host();

    private static String host() {
        String host = System.getenv().getOrDefault("HOSTNAME", "");
        if (!host.isEmpty()) {
            return host;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "?";
        }
    }

    /**
     * {@code warden <job> pid <pid> on <host>}, within PostgreSQL's 63 bytes: the process too, as replicas started side
     * by side on one host are otherwise one name.
     */
    static String applicationName(String job) {
        String name = ("warden " + job + " pid " + ProcessHandle.current().pid() + " on " + HOST)
                .replaceAll("[^\\x20-\\x7e]", "?");
        return name.length() > 63 ? name.substring(0, 63) : name;
    }

    private static String quoted(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
