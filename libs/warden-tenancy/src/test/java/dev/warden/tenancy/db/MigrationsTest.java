package dev.warden.tenancy.db;

import dev.warden.testing.LocalPostgres;
import dev.warden.testing.LogCapture;
import dev.warden.testing.WardenInfra;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A service's database is its own runtime role's alone (V0_7), on a new database and on one made while every service
 * shared the role {@code warden_app}, whose privileges pass to the service's role as they were, revocations included.
 */
class MigrationsTest {

    private static final String OWN = "handover_app";
    private static final String OTHER = "another_service_app";
    private static final String PASSWORD = "handover-password";

    /**
     * Out-of-order mode is on by design (two sequences share one history), so Flyway's warning that it is, at every
     * migration, is dropped; a warning that says something (a database newer than the code) still shows.
     */
    @Test
    void flywaysWarningThatOutOfOrderModeIsOnIsDroppedAndItsOtherWarningsStay() throws Exception {
        LocalPostgres pg = WardenInfra.postgres();
        String database = "migrations_warnings";
        pg.ensureDatabase(database, true);
        String url = pg.jdbcUrl(database);
        try (LogCapture log = LogCapture.start()) {
            Migrations.migrate(url, pg.superUser(), pg.superPassword(), LocalPostgres.APP_ROLE);
            asOwner(url, "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, "
                    + "installed_by, execution_time, success) VALUES (1000, '999', 'from a newer Warden', 'SQL', "
                    + "'V999__newer.sql', 'test', 0, true)");
            Migrations.migrate(url, pg.superUser(), pg.superPassword(), LocalPostgres.APP_ROLE);

            assertEquals(List.of(), log.mentioning("outOfOrder"));
            assertEquals(1, log.mentioning("newer than the latest available migration").size(),
                    "a warning that says something stays");
        }
    }

    @Test
    void aDatabaseOfTheSharedRoleBecomesItsServiceRolesAloneWithThePrivilegesItHad() throws Exception {
        LocalPostgres pg = WardenInfra.postgres();
        String database = "migrations_handover";
        pg.ensureDatabase(database, true); // as every database was made: the shared role may connect
        String url = pg.jdbcUrl(database);
        // Migrated before V0_7, for the shared role, with a service's table and one privilege taken back from it
        Flyway.configure().dataSource(url, pg.superUser(), pg.superPassword()).locations("classpath:db/warden")
                .target("0.6").placeholders(Map.of("app_role", LocalPostgres.APP_ROLE)).load().migrate();
        asOwner(url, "CREATE TABLE things (id int)", "REVOKE DELETE ON things FROM " + LocalPostgres.APP_ROLE,
                "INSERT INTO things VALUES (1)");
        pg.ensureRole(OWN, PASSWORD);
        pg.ensureRole(OTHER, PASSWORD);

        Migrations.migrate(url, pg.superUser(), pg.superPassword(), OWN);
        asOwner(url, "CREATE TABLE later (id int)");

        try (Connection own = DriverManager.getConnection(url, OWN, PASSWORD); Statement s = own.createStatement()) {
            s.execute("INSERT INTO things VALUES (2)");
            s.execute("UPDATE things SET id = 3 WHERE id = 2");
            try (var rows = s.executeQuery("SELECT count(*) FROM things")) {
                assertTrue(rows.next());
                assertEquals(2, rows.getInt(1));
            }
            SQLException delete = assertThrows(SQLException.class, () -> s.execute("DELETE FROM things"));
            assertEquals("42501", delete.getSQLState(), "a privilege the shared role had lost stays lost");
            s.execute("INSERT INTO later VALUES (1)"); // a table made after the hand-over is the service role's too
        }
        for (String role : new String[]{LocalPostgres.APP_ROLE, OTHER}) {
            String password = role.equals(OTHER) ? PASSWORD : pg.appPassword();
            SQLException refused = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url, role, password).close(), role);
            assertEquals("42501", refused.getSQLState(), role + ": " + refused.getMessage());
        }
    }

    private static void asOwner(String url, String... statements) throws SQLException {
        LocalPostgres pg = WardenInfra.postgres();
        try (Connection c = DriverManager.getConnection(url, pg.superUser(), pg.superPassword());
             Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }
}
