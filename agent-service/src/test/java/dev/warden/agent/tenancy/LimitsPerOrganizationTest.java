package dev.warden.agent.tenancy;

import dev.warden.agent.support.AgentMother;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.testing.LoweredLimit;
import io.quarkus.test.junit.QuarkusTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What one organization may keep (warden.limits.*, docs/security.md): the service's configured limits are the
 * database's from its start, and past one a create is a 403 quota_exceeded in the error shape that writes nothing,
 * while another organization creates as before and a removal frees room.
 */
@QuarkusTest
class LimitsPerOrganizationTest {

    private static final String DATABASE = "warden_agent_test";

    @Test
    void theConfiguredLimitsAreInTheDatabaseFromTheStart() {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> LoweredLimit.limits(DATABASE).size() == 10);
        Map<String, Long> limits = LoweredLimit.limits(DATABASE);
        assertEquals(100_000L, limits.get("agents"));
        assertEquals(10_000L, limits.get("policies"));
        assertEquals(1_000_000L, limits.get("agent-versions"));
    }

    @Test
    void pastItsAgentLimitAnOrganizationIsRefusedAndKeepsWhatItHad() {
        Tenant a = Tenants.create();
        Tenant b = Tenants.create();
        try (LoweredLimit limit = LoweredLimit.to(DATABASE, "agents", 2)) {
            a.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201);
            a.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201);

            a.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(403)
                    .body("error.code", equalTo("quota_exceeded"))
                    .body("error.message", containsString("the most agents it may (2)"))
                    .body("error.message", containsString("warden.limits.agents"));

            a.admin().get("/v1/agents").then().statusCode(200).body("total", equalTo(2));
            b.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201);
        }
    }

    @Test
    void aRemovedPolicyFreesItsRoom() {
        Tenant a = Tenants.create();
        try (LoweredLimit limit = LoweredLimit.to(DATABASE, "policies", 1)) {
            String first = a.admin().body(policy("no-pii-export")).post("/v1/policies").then().statusCode(201)
                    .extract().path("id");
            a.admin().body(policy("no-mail")).post("/v1/policies").then().statusCode(403)
                    .body("error.code", equalTo("quota_exceeded"));
            a.admin().get("/v1/policies").then().statusCode(200).body("total", equalTo(1));

            a.admin().delete("/v1/policies/" + first).then().statusCode(204);
            a.admin().body(policy("no-mail")).post("/v1/policies").then().statusCode(201);
        }
    }

    private static Map<String, Object> policy(String name) {
        return Map.of("name", name, "rules", List.of(Map.of("effect", "deny", "action", "files:export")));
    }
}
