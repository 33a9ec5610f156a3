package dev.warden.audit.action;

import dev.warden.audit.support.AuditFixtures;
import dev.warden.testing.PrometheusText;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static dev.warden.audit.support.AuditFixtures.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One organization's reported actions are limited to its rate (here 100 a second, 1,000 at once): past it a batch is a
 * 429 with Retry-After and nothing of it is recorded, and another organization reports as before. A user trial's one
 * organization recorded 720,000 entries in 80 s and delayed every other organization's.
 */
@QuarkusTest
@TestProfile(ActionRateTest.SlowRate.class)
class ActionRateTest {

    public static class SlowRate implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("warden.audit.actions.rate-per-second", "100", "warden.audit.actions.burst", "1000");
        }
    }

    @Test
    void anOrganizationPastItsRateIsA429AndAnotherIsNotAffected() {
        TestOrg noisy = AuditFixtures.organization();
        String agent = AuditFixtures.knownAgent(noisy);
        report(noisy, agent, 1000).statusCode(202);
        double refusedBefore = refused();
        var refused = report(noisy, agent, 500).statusCode(429)
                .body("error.code", equalTo("too_many_actions")).extract();
        int retryAfter = Integer.parseInt(refused.header("Retry-After"));
        assertTrue(retryAfter >= 4 && retryAfter <= 6, "500 actions at 100 a second: Retry-After " + retryAfter);
        assertEquals(refusedBefore + 1, refused());

        TestOrg quiet = AuditFixtures.organization();
        String other = AuditFixtures.knownAgent(quiet);
        report(quiet, other, 1000).statusCode(202);

        // Only the accepted batch was recorded: a later marker action of the same agent (the same partition, so
        // recorded after everything reported before it) is its 1,001st entry
        report(noisy, agent, 1).statusCode(202);
        String reported = "/v1/audit?agent_id=" + agent + "&action_type=issues:create";
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                .until(() -> as(noisy, "auditor").get(reported).then().extract().<Integer>path("total") >= 1001);
        as(noisy, "auditor").get(reported).then().body("total", equalTo(1001));
    }

    private static io.restassured.response.ValidatableResponse report(TestOrg org, String agent, int actions) {
        Map<String, Object> action = Map.of("connector", "jira", "action", "issues:create", "status", "success",
                "occurred_at", Instant.now().toString());
        return as(org, "admin").contentType(ContentType.JSON)
                .body(Map.of("agent_id", agent, "actions", Collections.nCopies(actions, action)))
                .post("/v1/audit/actions").then();
    }

    private static double refused() {
        return PrometheusText.parse(given().get("/q/metrics").then().statusCode(200).extract().asString())
                .value("warden_audit_actions_refused_total");
    }
}
