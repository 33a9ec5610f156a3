package dev.warden.fleet.tenancy;

import dev.warden.testing.LocalPostgres;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every table of fleet-service's schema is under forced Row-Level Security and the runtime role owns nothing. (That
 * another organization's instances answer 404 everywhere: InstanceTest.anotherOrganizationsInstanceIsNotFound.)
 */
@QuarkusTest
class RowLevelSecurityTest {

    @Test
    void everyTableHasForcedRowLevelSecurityAndTheRuntimeRoleOwnsNothing() throws Exception {
        LocalPostgres pg = WardenInfra.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("warden_fleet_test"), pg.superUser(), pg.superPassword())) {
            List<String> unprotected = new ArrayList<>();
            try (ResultSet rs = c.createStatement().executeQuery("""
                    SELECT relname FROM pg_class
                    WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'
                      AND relname <> 'flyway_schema_history'
                      AND NOT (relrowsecurity AND relforcerowsecurity)""")) {
                while (rs.next()) {
                    unprotected.add(rs.getString(1));
                }
            }
            assertEquals(List.of(), unprotected);
            try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM pg_class WHERE relowner = 'warden_app'::regrole")) {
                rs.next();
                assertEquals(0, rs.getLong(1));
            }
        }
    }
}
