package dev.warden.audit.action;

import dev.warden.audit.support.AuditFixtures;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.warden.audit.support.AuditFixtures.as;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class ActionTest {

    private static final String HASH = "a".repeat(64);

    private TestOrg org;
    private String agent;

    @BeforeEach
    void organization() {
        org = AuditFixtures.organization();
        agent = AuditFixtures.knownAgent(org);
    }

    @Test
    void aValidBatchIsAcceptedAndRecordedWithItsConnectorsAndHashes() {
        as(org, "admin").contentType(ContentType.JSON)
                .body(Map.of("agent_id", agent, "actions", List.of(action("crowdstrike", "detections:read", "success"),
                        action("jira", "issues:create", "success"), action("jira", "issues:delete", "denied"))))
                .post("/v1/audit/actions").then().statusCode(202)
                .body("accepted", equalTo(3)).body("event_ids", hasSize(3));

        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
                as(org, "auditor").get("/v1/audit?agent_id=" + agent).then().extract().<Integer>path("total") == 4);
        as(org, "auditor").get("/v1/audit?agent_id=" + agent + "&connector=jira").then().statusCode(200)
                .body("entries.action_type", contains("issues:create", "issues:delete"))
                .body("entries.status", contains("success", "denied"))
                .body("entries[0].inputs_hash", equalTo(HASH))
                .body("entries[0].metadata.data_type", equalTo("issue data"))
                // When the agent acted (the action's occurred_at), not when the report arrived (recorded_at)
                .body("entries[0].occurred_at", equalTo(REPORTED_AT.toString()));
        as(org, "auditor").get("/v1/audit?status=denied&agent_id=" + agent).then().body("total", equalTo(1));
    }

    @Test
    void everyInvalidEntryIsNamedAndNothingIsAccepted() {
        Map<String, Object> badStatus = action("jira", "issues:create", "maybe");
        Map<String, Object> badHash = action("jira", "issues:create", "success");
        badHash.put("inputs_hash", "not-a-hash");
        Map<String, Object> future = action("jira", "issues:create", "success");
        future.put("occurred_at", Instant.now().plus(Duration.ofHours(1)).toString());
        // Older than the report window (24 hours): it would land in a period already exported, or spread a burst of
        // actions over a made-up past, out of its rate limit's window.
        Map<String, Object> stale = action("jira", "issues:create", "success");
        stale.put("occurred_at", Instant.now().minus(Duration.ofHours(25)).toString());

        // An action may not take the name of Warden's own entries, so it never reads as a governance change.
        Map<String, Object> spoof = action("x", "agent.deployed", "success");
        as(org, "admin").contentType(ContentType.JSON)
                .body(Map.of("agent_id", agent, "actions", List.of(badStatus, action("jira", "x", "success"), badHash, future,
                        spoof, stale)))
                .post("/v1/audit/actions").then().statusCode(400)
                .body("error.details.field", hasItems("actions[0].status", "actions[2].inputs_hash", "actions[3].occurred_at",
                        "actions[4].action", "actions[5].occurred_at"))
                .body("error.details.find { it.field == 'actions[5].occurred_at' }.reason",
                        equalTo("must be within the report window, the last 24 hours"))
                .body("error.details", hasSize(5));

        // A valid batch afterwards: once it is recorded, anything accepted before it would have been too.
        as(org, "admin").contentType(ContentType.JSON)
                .body(Map.of("agent_id", agent, "actions", List.of(action("jira", "issues:create", "success"))))
                .post("/v1/audit/actions").then().statusCode(202);
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
                as(org, "auditor").get("/v1/audit?agent_id=" + agent).then().extract().<Integer>path("total") >= 2);
        as(org, "auditor").get("/v1/audit?agent_id=" + agent).then().body("total", equalTo(2));
    }

    /**
     * What a probe chained as reported actions that read as Warden's own entries, or hid from a search for what they
     * read as: each is refused naming its field. A name in another script alone, and a space, are names like any.
     */
    @Test
    void namesThatReadAsWardensOwnOrHideWhatTheyReadAsAreRefused() {
        List<String> spoofs = List.of("realm.deleted", "agent\u200b.suspended", "\u200dagent.suspended",
                "\ufeffagent.suspended", "agent\u00ad.suspended", "\u202eagent.suspended", "a\u0301gent.suspended",
                "\u0430gent.suspended", "api-k\u0435y.revoked", "ex\u0435cution.finished", "ok\nagent.suspended",
                "\u200b", "registration.approved",
                // What the next probe got past the first version of the rule
                "p\u0585licy.bound", "\u13aagent.suspended", "\u1d00gent.suspended", "pol\u0131cy.bound",
                "\u249cgent.suspended", "\u3164agent.suspended", "agent\u2002.suspended", "agent\u3002suspended",
                "api\u2010key.created", "\u0440\u043e\u04cf\u0456\u0441\u0443.x");
        List<Map<String, Object>> batch = new java.util.ArrayList<>();
        spoofs.forEach(name -> batch.add(action("jira", name, "success")));
        batch.add(action("\u202earij", "issues:read", "success"));
        batch.add(action("agent.suspended", "issues:read", "success"));
        batch.add(action("jira", "issues:read ghp_0123456789abcdefABCDEF0123456789abcd", "success")); // chained for good
        List<String> fields = new java.util.ArrayList<>();
        for (int i = 0; i < spoofs.size(); i++) {
            fields.add("actions[" + i + "].action");
        }
        fields.add("actions[" + spoofs.size() + "].connector");
        fields.add("actions[" + (spoofs.size() + 1) + "].connector");
        fields.add("actions[" + (spoofs.size() + 2) + "].action");
        as(org, "admin").contentType(ContentType.JSON).body(Map.of("agent_id", agent, "actions", batch))
                .post("/v1/audit/actions").then().statusCode(400)
                .body("error.details.field", hasItems(fields.toArray(String[]::new)));

        as(org, "admin").contentType(ContentType.JSON)
                .body(Map.of("agent_id", agent, "actions", List.of(action("jira", "\u0437\u0430\u0434\u0430\u0447\u0438:\u0447\u0442\u0435\u043d\u0438\u0435", "success"),
                        action("sharepoint", "files export", "success"), action("jira", "issues:create", "success"))))
                .post("/v1/audit/actions").then().statusCode(202);
    }

    /**
     * A request for an agent not known yet waits up to 2 s for it (it may have been created a moment ago), but at most 8
     * of an organization's at once: the rest are a 429 with Retry-After at once (a 404 then might be one the wait would
     * have undone). A user trial's 300 at once held the gateway's connections to the service for 2 s each, and every
     * other organization's requests waited behind them.
     */
    @Test
    void atMostEightOfAnOrganizationsRequestsWaitForAnAgentNotKnownYet() throws Exception {
        double before = waitsRefused();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(40);
        try {
            List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                answers.add(pool.submit(() -> as(org, "admin").contentType(ContentType.JSON)
                        .body(Map.of("agent_id", UUID.randomUUID().toString(),
                                "actions", List.of(action("jira", "issues:create", "success"))))
                        .post("/v1/audit/actions").then().extract().statusCode()));
            }
            int notFound = 0;
            int tooMany = 0;
            for (var answer : answers) {
                int status = answer.get();
                assertTrue(status == 404 || status == 429, "404 after the wait, or 429 beyond 8 waiting: " + status);
                notFound += status == 404 ? 1 : 0;
                tooMany += status == 429 ? 1 : 0;
            }
            assertTrue(tooMany >= 8 && tooMany <= 32, "40 at once, 8 waiting: the others refused at once, not " + tooMany);
            assertTrue(notFound >= 8, "each of the 8 waiting is a 404 once the broker confirms it: " + notFound);
        } finally {
            pool.shutdownNow();
        }
        double refused = waitsRefused() - before;
        assertTrue(refused >= 8 && refused <= 32, "counted as refused: " + refused);
    }

    private static double waitsRefused() {
        return dev.warden.testing.PrometheusText.parse(io.restassured.RestAssured.given().get("/q/metrics").then()
                .statusCode(200).extract().asString()).value("warden_projection_waits_refused_total");
    }

    @Test
    void actionsOfAnAgentTheOrganizationDoesNotHaveAreA404AndNothingIsRecorded() {
        String unknown = UUID.randomUUID().toString();
        String others = AuditFixtures.knownAgent(AuditFixtures.organization());
        for (String id : List.of(unknown, others)) {
            as(org, "admin").contentType(ContentType.JSON)
                    .body(Map.of("agent_id", id, "actions", List.of(action("jira", "issues:create", "success"))))
                    .post("/v1/audit/actions").then().statusCode(404).body("error.code", equalTo("not_found"));
        }
        // A valid batch afterwards: once it is recorded, the refused ones would have been too.
        as(org, "admin").contentType(ContentType.JSON)
                .body(Map.of("agent_id", agent, "actions", List.of(action("jira", "issues:create", "success"))))
                .post("/v1/audit/actions").then().statusCode(202);
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
                as(org, "auditor").get("/v1/audit?agent_id=" + agent).then().extract().<Integer>path("total") >= 2);
        for (String id : List.of(unknown, others)) {
            as(org, "auditor").get("/v1/audit?agent_id=" + id).then().body("total", equalTo(0));
        }
    }

    @Test
    void batchesAreBoundedAndTyped() {
        as(org, "admin").contentType(ContentType.JSON).body(Map.of("agent_id", agent, "actions", List.of()))
                .post("/v1/audit/actions").then().statusCode(400).body("error.details[0].field", equalTo("actions"));
        as(org, "admin").contentType(ContentType.JSON).body(Map.of("agent_id", "nope", "actions", List.of(action("a", "b", "success"))))
                .post("/v1/audit/actions").then().statusCode(400).body("error.details[0].field", equalTo("agent_id"));
        as(org, "admin").contentType(ContentType.JSON)
                .body("{\"agent_id\": \"" + agent + "\", \"actions\": [{\"connector\": \"a\", \"action\": \"b\", \"status\": \"success\", \"occurred_at\": \"soon\"}]}")
                .post("/v1/audit/actions").then().statusCode(400).body("error.details[0].field", equalTo("actions[0].occurred_at"));
    }

    @Test
    void aNulCharacterIsRefusedInABatchAndInAFilter() {
        Map<String, Object> nul = action("ji\u0000ra", "issues:create", "success");
        as(org, "admin").contentType(ContentType.JSON).body(Map.of("agent_id", agent, "actions", List.of(nul)))
                .post("/v1/audit/actions").then().statusCode(400)
                .body("error.details[0].field", equalTo("actions[0].connector"));
        for (String filter : List.of("agent_id", "action_type", "connector", "status")) {
            as(org, "auditor").urlEncodingEnabled(false).get("/v1/audit?" + filter + "=a%00b").then().statusCode(400)
                    .body("error.details[0].field", equalTo(filter));
        }
        as(org, "auditor").urlEncodingEnabled(false).get("/v1/drift-events?agent_id=a%00b").then().statusCode(400)
                .body("error.details[0].field", equalTo("agent_id"));
    }

    @Test
    void viewersCannotReportActions() {
        as(org, "viewer").contentType(ContentType.JSON)
                .body(Map.of("agent_id", agent, "actions", List.of(action("a", "b", "success"))))
                .post("/v1/audit/actions").then().statusCode(403);
    }

    /** When the test's agents say they acted: well before the reports arrive. */
    private static final Instant REPORTED_AT = Instant.now().minus(Duration.ofMinutes(3)).truncatedTo(ChronoUnit.MILLIS);

    private static Map<String, Object> action(String connector, String action, String status) {
        Map<String, Object> a = new HashMap<>();
        a.put("connector", connector);
        a.put("action", action);
        a.put("data_type", "issue data");
        a.put("status", status);
        a.put("inputs_hash", HASH);
        a.put("occurred_at", REPORTED_AT.toString());
        return a;
    }
}
