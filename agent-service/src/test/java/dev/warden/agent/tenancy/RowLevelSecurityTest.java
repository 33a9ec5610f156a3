package dev.warden.agent.tenancy;

import dev.warden.agent.support.AgentMother;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.testing.SchemaChecks;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The database, not the code, keeps organizations apart. */
@QuarkusTest
class RowLevelSecurityTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    TenantDb db;

    @Inject
    Pool pool;

    private Tenant a;
    private Tenant b;

    @BeforeEach
    void twoOrganizations() {
        a = Tenants.create();
        b = Tenants.create();
        a.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201);
        a.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201);
        b.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201);
    }

    @Test
    void aQueryWithoutOrgFilterSeesOnlyTheCurrentOrganization() {
        List<UUID> orgsSeenByA = db.inOrg(a.orgId(), conn -> conn.query("SELECT org_id FROM agents").execute()
                .map(rows -> {
                    List<UUID> out = new ArrayList<>();
                    rows.forEach(r -> out.add(r.getUUID(0)));
                    return out;
                })).await().atMost(WAIT);

        assertEquals(List.of(a.orgId(), a.orgId()), orgsSeenByA);
        assertEquals(1L, (long) db.inOrg(b.orgId(), conn -> conn.query("SELECT count(*) FROM agents").execute()
                .map(rows -> rows.iterator().next().getLong(0))).await().atMost(WAIT));
    }

    @Test
    void withoutAnOrganizationNothingIsVisible() {
        long count = pool.query("SELECT count(*) FROM agents").execute()
                .map(rows -> rows.iterator().next().getLong(0)).await().atMost(WAIT);

        assertEquals(0, count);
    }

    @Test
    void aRowCannotBeWrittenIntoAnotherOrganization() {
        var failure = assertThrows(Exception.class, () -> db.inOrg(a.orgId(), conn -> conn
                .preparedQuery("UPDATE agents SET org_id = $1")
                .execute(Tuple.of(b.orgId()))).await().atMost(WAIT));

        assertTrue(failure.getMessage().contains("row-level security"), failure.getMessage());
    }

    /** Thrown to roll back a transaction once it has answered what a test needs. */
    private static final class Answered extends RuntimeException {
        final List<Long> counts;

        Answered(List<Long> counts) {
            super(null, null, false, false);
            this.counts = counts;
        }
    }

    @Test
    void anOrganizationSeesOnlyItsOwnEventsWaitingInTheOutboxAndOnlyTheRelayDeletesThem() {
        // In one transaction never committed: an event of a waits; a sees it and cannot delete it; b sees nothing.
        String count = "SELECT count(*) FROM warden_outbox WHERE record_key = 'rls-probe'";
        var answered = assertThrows(Answered.class, () -> db.inOrg(a.orgId(), conn -> conn.preparedQuery("""
                        INSERT INTO warden_outbox (org_id, topic, record_key, event_id, event_type, payload)
                        VALUES ($1, 'warden.agents.v1', 'rls-probe', gen_random_uuid(), 'probe', '{}')""")
                .execute(Tuple.of(a.orgId()))
                .chain(() -> conn.query(count).execute())
                .chain(ownSeen -> conn.query("DELETE FROM warden_outbox WHERE record_key = 'rls-probe'").execute()
                        .chain(deleted -> conn.preparedQuery("SELECT set_config('warden.org_id', $1, true)")
                                .execute(Tuple.of(b.orgId().toString()))
                                .chain(() -> conn.query(count).execute())
                                .map(otherSeen -> {
                                    throw new Answered(List.of(ownSeen.iterator().next().getLong(0),
                                            (long) deleted.rowCount(), otherSeen.iterator().next().getLong(0)));
                                })))).await().atMost(WAIT));

        assertEquals(List.of(1L, 0L, 0L), answered.counts);
    }

    @Test
    void anotherOrganizationsAgentIsNotFoundWhateverTheOperation() {
        String bAgent = b.admin().get("/v1/agents").then().extract().path("agents[0].id");

        a.admin().get("/v1/agents/" + bAgent).then().statusCode(404);
        a.admin().body(Map.of("name", "stolen")).patch("/v1/agents/" + bAgent).then().statusCode(404);
        a.admin().body(AgentMother.deployment("img:evil")).post("/v1/agents/" + bAgent + "/deploy").then().statusCode(404);
        a.admin().post("/v1/agents/" + bAgent + "/suspend").then().statusCode(404);
        a.admin().body(AgentMother.intent()).put("/v1/agents/" + bAgent + "/intent").then().statusCode(404);
        a.admin().get("/v1/agents/" + bAgent + "/versions").then().statusCode(404);
        b.admin().get("/v1/agents/" + bAgent).then().statusCode(200).body("name", equalTo("triage-agent"))
                .body("status", equalTo("inactive"));
    }

    @Test
    void everyTableHasForcedRowLevelSecurityAndTheRuntimeRoleOwnsNothing() {
        SchemaChecks.everyTableUnderRowLevelSecurity("warden_agent_test");
    }
}
