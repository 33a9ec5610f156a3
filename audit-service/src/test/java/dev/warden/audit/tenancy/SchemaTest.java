package dev.warden.audit.tenancy;

import dev.warden.testing.SchemaChecks;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * Every table of audit-service's schema is under forced Row-Level Security and the runtime role owns nothing. (That
 * another organization's rows cannot be reached: the tests of each feature, through the API.)
 */
@QuarkusTest
class SchemaTest {

    @Test
    void everyTableHasForcedRowLevelSecurityAndTheRuntimeRoleOwnsNothing() {
        SchemaChecks.everyTableUnderRowLevelSecurity("warden_audit_test");
    }
}
