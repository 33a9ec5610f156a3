package dev.warden.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The launcher's server (passwords only, its log in a file), as an operator reading that log finds it. */
class LocalPostgresTest {

    @TempDir
    Path dir;

    @Test
    void theLaunchersServerReloadsItsConfigurationWithoutErrorsAcrossARestart() throws Exception {
        Path log = dir.resolve("postgres.log");
        LocalPostgres.start(dir.resolve("data"), 0, "app", "secret", true, log).close();
        // Started again on the same data, as by the launcher's next `bin/warden up`.
        try (LocalPostgres pg = LocalPostgres.start(dir.resolve("data"), 0, "app", "secret", true, log)) {
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.superUser(), pg.superPassword());
                 Statement statement = c.createStatement()) {
                try (ResultSet rs = statement.executeQuery("SHOW max_connections")) {
                    rs.next();
                    assertEquals("300", rs.getString(1));
                }
                // A reload of our own after the starts' ones: its line in the log comes after everything they said.
                statement.execute("SELECT pg_reload_conf()");
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> count(log, "received SIGHUP") >= 3);
            String said = Files.readString(log);
            // Each start requires passwords and reloads; initdb's max_connections = 100 in postgresql.conf, against
            // the 300 the server runs with, made each reload say the file "contains errors".
            assertFalse(said.contains("contains errors"), said);
            assertFalse(said.contains("cannot be changed without restarting"), said);
        }
    }

    private static long count(Path log, String line) throws Exception {
        return Files.readAllLines(log).stream().filter(l -> l.contains(line)).count();
    }
}
