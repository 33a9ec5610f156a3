package dev.warden.agent.access;

import dev.warden.tenancy.db.MigrateMain;
import dev.warden.tenancy.db.Migrations;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.WardenInfra;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upgrade over organizations an older Warden let differ only in case or compatibility form ("Acme", "acme",
 * "Ａｃｍｅ"): V12 makes such names one name, and stopped the upgrade there (the suite could neither start nor go back).
 * V11_1 keeps the oldest's name and gives each later one its name and a part of its id, and the upgrade goes through.
 */
class OrganizationNamesUpgradeTest {

    @Test
    void organizationsWhoseNamesDifferOnlyInCaseAreRenamedApartAndTheUpgradeGoesThrough() throws Exception {
        LocalPostgres pg = WardenInfra.postgres();
        String database = "agent_names_upgrade";
        pg.ensureDatabase(database, true);
        String url = pg.jdbcUrl(database);
        // The database as Warden left it before V11_1 and V12, with names it accepted then
        Flyway.configure().dataSource(url, pg.superUser(), pg.superPassword())
                .locations("classpath:db/warden", "classpath:db/migration").outOfOrder(true).target("11")
                .placeholders(Map.of("app_role", LocalPostgres.APP_ROLE)).load().migrate();
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put("demo", "00000000-0000-4000-8000-000000000001");
        ids.put("Acme", "00000000-0000-4000-8000-000000000002");
        ids.put("acme", "10000000-0000-4000-8000-000000000003");
        ids.put("Ａｃｍｅ", "20000000-0000-4000-8000-000000000004");
        ids.put("DEMO", "30000000-0000-4000-8000-000000000005");
        ids.put("globex", "40000000-0000-4000-8000-000000000006");
        ids.put("ACME-20000000", "50000000-0000-4000-8000-000000000007"); // the name the full-width one would take
        int minute = 0;
        for (var org : ids.entrySet()) {
            execute(url, "INSERT INTO organizations (id, name, status, created_at, updated_at) VALUES ('" + org.getValue()
                    + "', '" + org.getKey() + "', 'active', now() - interval '" + (60 - minute) + " minutes', now())");
            minute++;
        }

        // As the launcher and the init container run it: MigrateMain, whose log names each organization renamed
        String log = migrationLog(url);
        assertTrue(log.contains("organization 10000000-0000-4000-8000-000000000003 renamed from 'acme' to "
                + "'acme-10000000'"), log);
        assertTrue(log.contains("renamed from 'DEMO' to 'DEMO-30000000'"), log);

        Map<String, String> expected = new LinkedHashMap<>();
        expected.put(ids.get("demo"), "demo");
        expected.put(ids.get("Acme"), "Acme");
        expected.put(ids.get("acme"), "acme-10000000");
        expected.put(ids.get("Ａｃｍｅ"), "Ａｃｍｅ-20000000-0000-4000-8000-000000000004");
        expected.put(ids.get("DEMO"), "DEMO-30000000");
        expected.put(ids.get("globex"), "globex");
        expected.put(ids.get("ACME-20000000"), "ACME-20000000");
        assertEquals(expected, names(url));
        assertEquals(1, count(url, "SELECT count(*) FROM pg_indexes WHERE indexname = 'organizations_name_folded'"));

        // Once through V12 there is nothing to rename: migrating again changes nothing
        Migrations.migrate(url, pg.superUser(), pg.superPassword(), LocalPostgres.APP_ROLE);
        assertEquals(expected, names(url));
    }

    /** What MigrateMain prints while it migrates {@code url} (it logs to standard output). */
    private static String migrationLog(String url) {
        LocalPostgres pg = WardenInfra.postgres();
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        java.util.logging.Handler[] handlers = root.getHandlers();
        java.util.logging.Level level = root.getLevel();
        PrintStream original = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, MigrateMain.run(Map.of("WARDEN_DB_MIGRATION_URL", url, "WARDEN_DB_OWNER_USER", pg.superUser(),
                    "WARDEN_DB_OWNER_PASSWORD", pg.superPassword(), "WARDEN_DB_APP_USER", LocalPostgres.APP_ROLE)));
        } finally {
            System.setOut(original);
            for (java.util.logging.Handler h : root.getHandlers()) {
                root.removeHandler(h);
            }
            for (java.util.logging.Handler h : handlers) {
                root.addHandler(h);
            }
            root.setLevel(level);
        }
        return printed.toString(StandardCharsets.UTF_8);
    }

    private static Map<String, String> names(String url) throws SQLException {
        Map<String, String> names = new LinkedHashMap<>();
        try (Connection c = owner(url); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT id, name FROM organizations ORDER BY created_at")) {
            while (rows.next()) {
                names.put(rows.getString(1), rows.getString(2));
            }
        }
        return names;
    }

    private static int count(String url, String sql) throws SQLException {
        try (Connection c = owner(url); Statement s = c.createStatement(); ResultSet rows = s.executeQuery(sql)) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static void execute(String url, String sql) throws SQLException {
        try (Connection c = owner(url); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static Connection owner(String url) throws SQLException {
        LocalPostgres pg = WardenInfra.postgres();
        return DriverManager.getConnection(url, pg.superUser(), pg.superPassword());
    }
}
