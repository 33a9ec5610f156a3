package dev.warden.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The template's schema rule, checked on a service's test database as the superuser, so that a new table a migration
 * adds without {@code CALL warden_protect(...)} fails the build: every table of the schema (but Flyway's history) is
 * under forced Row-Level Security, and the runtime role owns nothing (an owner could turn it off) and is neither a
 * superuser nor exempt from Row-Level Security. That another
 * organization's rows cannot be reached is each service's own test, through its API.
 */
public final class SchemaChecks {

    private SchemaChecks() {
    }

    /** Checks the database {@code database} of the tests' PostgreSQL (such as {@code warden_fleet_test}). */
    public static void everyTableUnderRowLevelSecurity(String database) {
        LocalPostgres pg = WardenInfra.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(database), pg.superUser(), pg.superPassword())) {
            List<String> unprotected = new ArrayList<>();
            try (ResultSet rs = c.createStatement().executeQuery("""
                    SELECT relname FROM pg_class
                    WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')
                      AND relname <> 'flyway_schema_history'
                      AND NOT (relrowsecurity AND relforcerowsecurity)
                    ORDER BY relname""")) {
                while (rs.next()) {
                    unprotected.add(rs.getString(1));
                }
            }
            assertEquals(List.of(), unprotected, "tables of " + database + " not under forced Row-Level Security"
                    + " (a migration must CALL warden_protect('<table>'))");
            List<String> owned = new ArrayList<>();
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT relname FROM pg_class WHERE relowner = 'warden_app'::regrole ORDER BY relname")) {
                while (rs.next()) {
                    owned.add(rs.getString(1));
                }
            }
            assertEquals(List.of(), owned, "objects of " + database + " owned by the runtime role warden_app");
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = 'warden_app'")) {
                rs.next();
                assertEquals(false, rs.getBoolean(1), "the runtime role warden_app passes Row-Level Security by");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the catalog of " + database, e);
        }
    }
}
