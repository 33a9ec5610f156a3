package dev.warden.audit;

import dev.warden.audit.support.AuditFixtures;
import dev.warden.audit.support.AuditOutageProfile;
import dev.warden.testing.CuttableProxy;
import dev.warden.testing.HealthProbe;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.LogCapture;
import dev.warden.testing.RequestLoad;
import dev.warden.testing.TestOrganizations.TestOrg;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;

import static dev.warden.audit.support.AuditFixtures.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Real outages of audit-service's database and broker: requests answer 503 with Retry-After in the error shape,
 * readiness answers at once and names what is down, liveness stays UP, every action accepted is recorded once the
 * dependency is back, and nothing unexpected is logged.
 */
@QuarkusTest
@TestProfile(AuditOutageProfile.class)
class FaultsTest {

    /** The client gives up after this: readiness's own bound is 500 ms per dependency. */
    private static final Duration PROMPTLY = Duration.ofSeconds(2);
    private static final Duration RECOVERY = Duration.ofSeconds(60);

    private TestOrg org;
    private LogCapture log;
    private String agent;

    @BeforeEach
    void organization() {
        org = AuditFixtures.organization();
        agent = AuditFixtures.knownAgent(org);
        log = LogCapture.start();
    }

    @AfterEach
    void restore() {
        WardenInfra.endOutages();
        log.close();
    }

    @Test
    void aDatabaseOutageIsA503WithRetryAfterAndReadinessNamesTheDatabase() {
        WardenInfra.postgresProxy().cut();

        for (ValidatableResponse answer : List.of(as(org, "auditor").get("/v1/audit").then(), report().then())) {
            answer.statusCode(503).header("Retry-After", "5").contentType(containsString("application/json"))
                    .body("error.code", equalTo("service_unavailable"))
                    .body("error.message", equalTo("The database is unavailable; try again later"));
        }
        HealthProbe ready = HealthProbe.ready(RestAssured.port, PROMPTLY);
        assertEquals(503, ready.status());
        assertEquals("DOWN", ready.check("database"));
        assertNotNull(ready.reason("database"));
        assertEquals("UP", ready.check("kafka"));
        assertEquals(200, HealthProbe.live(RestAssured.port, PROMPTLY).status());

        WardenInfra.postgresProxy().restore();

        Awaitility.await().atMost(RECOVERY).pollInterval(Duration.ofMillis(200))
                .until(() -> as(org, "auditor").get("/v1/audit").statusCode() == 200);
        HealthProbe.awaitReady(RestAssured.port, PROMPTLY, RECOVERY);
        assertFalse(log.mentioning("Answered 503").isEmpty(), "the log capture sees the service's warnings");
        log.assertNoNoise();
    }

    @Test
    void everyActionAcceptedAroundADatabaseRestartIsRecorded() {
        List<IntSupplier> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            clients.add(() -> report().statusCode());
            clients.add(() -> as(org, "auditor").get("/v1/audit?agent_id=" + agent).statusCode());
        }
        int accepted;
        try (RequestLoad load = new RequestLoad(clients)) {
            load.awaitMore(202);
            WardenInfra.outagePostgres().stopServer();
            load.awaitMore(503);
            WardenInfra.outagePostgres().startServer();
            load.awaitMore(202);
            load.close();
            assertEquals(Set.of(200, 202, 503), load.statuses(), "answers: " + load);
            accepted = load.answered(202);
        }

        // An action whose answer was lost with the connection may be recorded too; none that was accepted is lost.
        // (The agent's own created entry comes first.)
        Awaitility.await().atMost(RECOVERY).pollInterval(Duration.ofMillis(500)).until(() ->
                as(org, "auditor").get("/v1/audit?agent_id=" + agent).then().extract().<Integer>path("total") >= accepted + 1);
        assertFalse(log.mentioning("Answered 503").isEmpty(), "the log capture sees the service's warnings");
        log.assertNoNoise();
    }

    @Test
    void aBrokerOutageMakesReadinessNameKafkaWhileActionsAreStillAccepted() {
        CuttableProxy kafka = WardenInfra.kafkaProxy();

        kafka.cut();

        HealthProbe ready = HealthProbe.ready(RestAssured.port, PROMPTLY);
        assertEquals(503, ready.status());
        assertEquals("DOWN", ready.check("kafka"));
        assertNotNull(ready.reason("kafka"));
        assertEquals("UP", ready.check("database"));
        assertEquals(200, HealthProbe.live(RestAssured.port, PROMPTLY).status());
        // Accepting an action needs the database only: it waits in the outbox until the broker is back.
        report().then().statusCode(202);

        kafka.restore();

        HealthProbe.awaitReady(RestAssured.port, PROMPTLY, RECOVERY);
        Awaitility.await().atMost(RECOVERY).pollInterval(Duration.ofMillis(200)).until(() ->
                as(org, "auditor").get("/v1/audit?agent_id=" + agent).then().extract().<Integer>path("total") == 2);
        log.assertNoNoise();
    }

    /**
     * A compliance package whose build meets a database blip is built once the database answers again: it was marked
     * failed, and when that mark failed too it stayed {@code building} for good. The build is held at its drift read
     * (a superuser's lock, the marker) so that the cut meets it mid-build.
     */
    @Test
    void aCompliancePackageWhoseBuildMeetsADatabaseBlipIsBuiltWhenTheDatabaseIsBack() throws Exception {
        LocalPostgres pg = WardenInfra.outagePostgres();
        String id;
        try (Connection holder = DriverManager.getConnection(pg.jdbcUrl("warden_audit_test"), pg.superUser(),
                pg.superPassword()); Statement hold = holder.createStatement()) {
            holder.setAutoCommit(false);
            hold.execute("LOCK TABLE drift_events IN ACCESS EXCLUSIVE MODE");
            id = as(org, "admin").contentType(ContentType.JSON).body(Map.of("agent_id", agent,
                            "from", Instant.now().minusSeconds(3600).toString(), "to", Instant.now().plusSeconds(60).toString()))
                    .post("/v1/compliance").then().statusCode(202).extract().path("id");
            Awaitility.await().atMost(RECOVERY).pollInterval(Duration.ofMillis(50))
                    .until(() -> pg.waitsForALock("warden_audit_test", "FROM drift_events"));
            WardenInfra.postgresProxy().cut();
            holder.rollback();
        }
        Awaitility.await().atMost(RECOVERY).pollInterval(Duration.ofMillis(100))
                .until(() -> !log.mentioning("Compliance package " + id + ": the database did not answer").isEmpty());
        WardenInfra.postgresProxy().restore();

        Awaitility.await().atMost(RECOVERY).pollInterval(Duration.ofMillis(200)).until(() -> {
            var answer = as(org, "auditor").get("/v1/compliance/" + id).then().extract();
            return answer.statusCode() == 200 && !"building".equals(answer.path("status"));
        });
        as(org, "auditor").get("/v1/compliance/" + id).then().statusCode(200).body("status", equalTo("ready"))
                .body("progress", equalTo(100));
        assertEquals(List.of(), log.mentioning("Compliance package " + id + " failed"));
        log.assertNoNoise();
    }

    /**
     * An action for an agent this service has not seen is a 404 only once the broker confirms the service holds every
     * event it held for that agent: while the broker is away the agent may exist (created a moment ago, its event
     * waiting in agent-service's outbox), so it is a 503 with Retry-After. A user trial's script, told "Agent not
     * found" during a broker outage, dropped its reports of an agent created in it.
     */
    @Test
    void anActionForAnAgentNotSeenIsA503NotA404WhileTheBrokerCannotSayAndA404Once() {
        String unseen = java.util.UUID.randomUUID().toString();
        WardenInfra.kafkaProxy().cut();

        report(unseen).then().statusCode(503).header("Retry-After", notNullValue())
                .body("error.code", equalTo("service_unavailable"));

        WardenInfra.kafkaProxy().restore();
        HealthProbe.awaitReady(RestAssured.port, PROMPTLY, RECOVERY);
        report(unseen).then().statusCode(404).body("error.code", equalTo("not_found"));
    }

    private io.restassured.response.Response report() {
        return report(agent);
    }

    private io.restassured.response.Response report(String agent) {
        return as(org, "admin").contentType(ContentType.JSON)
                .body(Map.of("agent_id", agent, "actions", List.of(Map.of("connector", "jira", "action", "issues:read",
                        "data_type", "issue data", "status", "success", "inputs_hash", "a".repeat(64),
                        "occurred_at", Instant.now().minusSeconds(5).toString()))))
                .post("/v1/audit/actions");
    }

}
