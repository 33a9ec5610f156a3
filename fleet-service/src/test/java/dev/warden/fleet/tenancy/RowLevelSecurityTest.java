package dev.warden.fleet.tenancy;

import dev.warden.testing.SchemaChecks;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * Every table of fleet-service's schema is under forced Row-Level Security and the runtime role owns nothing. (That
 * another organization's instances answer 404 everywhere: InstanceTest.anotherOrganizationsInstanceIsNotFound.)
 */
@QuarkusTest
class RowLevelSecurityTest {

    @Test
    void everyTableHasForcedRowLevelSecurityAndTheRuntimeRoleOwnsNothing() {
        SchemaChecks.everyTableUnderRowLevelSecurity("warden_fleet_test");
    }
}
