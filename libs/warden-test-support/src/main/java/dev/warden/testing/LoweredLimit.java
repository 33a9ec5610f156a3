package dev.warden.testing;

import org.awaitility.Awaitility;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A limit per organization ({@code warden.limits.<kind>}, warden-tenancy's {@code Limits}) lowered in a service's test
 * database, as an operator would through the configuration and a restart, and put back as it was on close:
 * <pre>try (LoweredLimit limit = LoweredLimit.to("warden_agent_test", "agents", 2)) { ... }</pre>
 */
public final class LoweredLimit implements AutoCloseable {

    private final String database;
    private final String kind;
    private final long was;

    private LoweredLimit(String database, String kind, long was) {
        this.database = database;
        this.kind = kind;
        this.was = was;
    }

    /** Lowers {@code kind} to {@code most}, once the service has written its configured limits. */
    public static LoweredLimit to(String database, String kind, long most) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> limits(database).containsKey(kind));
        LoweredLimit lowered = new LoweredLimit(database, kind, limits(database).get(kind));
        set(database, kind, most);
        return lowered;
    }

    /** The limits the service wrote, by kind. */
    public static Map<String, Long> limits(String database) {
        Map<String, Long> found = new HashMap<>();
        try (Connection c = connect(database);
             ResultSet rows = c.createStatement().executeQuery("SELECT kind, most FROM warden_limits")) {
            while (rows.next()) {
                found.put(rows.getString(1), rows.getLong(2));
            }
            return found;
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the limits of " + database, e);
        }
    }

    @Override
    public void close() {
        set(database, kind, was);
    }

    private static void set(String database, String kind, long most) {
        try (Connection c = connect(database);
             PreparedStatement s = c.prepareStatement("UPDATE warden_limits SET most = ? WHERE kind = ?")) {
            s.setLong(1, most);
            s.setString(2, kind);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not set the limit of " + kind + " in " + database, e);
        }
    }

    private static Connection connect(String database) throws SQLException {
        LocalPostgres pg = WardenInfra.postgres();
        return DriverManager.getConnection(pg.jdbcUrl(database), pg.superUser(), pg.superPassword());
    }
}
