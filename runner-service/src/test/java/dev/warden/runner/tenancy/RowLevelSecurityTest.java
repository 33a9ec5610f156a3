package dev.warden.runner.tenancy;

import dev.warden.runner.support.RunnerFixtures;
import dev.warden.runner.support.TestImages;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.testing.SchemaChecks;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static dev.warden.runner.support.RunnerFixtures.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The database, not the code, keeps organizations' agents and executions apart. */
@QuarkusTest
class RowLevelSecurityTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    TenantDb db;

    @Inject
    Pool pool;

    @Test
    void aQueryWithoutOrgFilterSeesOnlyTheCurrentOrganizationsAgentsAndExecutions() {
        TestOrg a = RunnerFixtures.organization();
        TestOrg b = RunnerFixtures.organization();
        String agentOfA = RunnerFixtures.agent(a, TestImages.HELLO);
        as(a, "operator").post("/v1/agents/" + agentOfA + "/run").then().statusCode(200);

        assertEquals(1, count(a.id(), "runner_agents"));
        assertEquals(1, count(a.id(), "executions"));
        assertEquals(0, count(b.id(), "runner_agents"));
        assertEquals(0, count(b.id(), "executions"));
        // Without an organization, nothing at all.
        assertEquals(0L, (long) pool.query("SELECT count(*) FROM executions").execute()
                .map(rows -> rows.iterator().next().getLong(0)).await().atMost(WAIT));

        var failure = assertThrows(Exception.class, () -> db.inOrg(a.id(), conn -> conn
                .preparedQuery("UPDATE executions SET org_id = $1").execute(Tuple.of(b.id()))).await().atMost(WAIT));
        assertTrue(failure.getMessage().contains("row-level security"), failure.getMessage());
    }

    private long count(UUID org, String table) {
        return db.inOrg(org, conn -> conn.query("SELECT count(*) FROM " + table).execute()
                .map(rows -> rows.iterator().next().getLong(0))).await().atMost(WAIT);
    }

    @Test
    void everyTableHasForcedRowLevelSecurityAndTheRuntimeRoleOwnsNothing() {
        SchemaChecks.everyTableUnderRowLevelSecurity("warden_runner_test");
    }
}
