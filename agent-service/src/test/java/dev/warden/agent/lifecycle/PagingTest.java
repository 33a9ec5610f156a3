package dev.warden.agent.lifecycle;

import dev.warden.agent.support.AgentMother;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.api.PageRequest;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every list pages with limit and an opaque cursor, and filters on updated_since. */
@QuarkusTest
class PagingTest {

    private Tenant tenant;
    private final List<String> ids = new ArrayList<>();

    @BeforeEach
    void fiveAgents() {
        tenant = Tenants.create();
        for (int i = 0; i < 5; i++) {
            ids.add(tenant.admin().body(AgentMother.with(AgentMother.triageAgent(), "name", "agent-" + i))
                    .post("/v1/agents").then().statusCode(201).extract().path("id"));
        }
    }

    @Test
    void totalsFollowCreatesAndStatusChangesExactly() {
        tenant.admin().post("/v1/agents/" + ids.get(0) + "/suspend").then().statusCode(200);
        tenant.admin().body(Map.of("image_uri", "registry.example.com/triage:v1"))
                .post("/v1/agents/" + ids.get(1) + "/deploy").then().statusCode(200);

        tenant.admin().get("/v1/agents").then().body("total", equalTo(5)).body("total_exact", equalTo(true));
        tenant.admin().get("/v1/agents?status=suspended").then().body("total", equalTo(1)).body("agents", hasSize(1));
        tenant.admin().get("/v1/agents?status=active").then().body("total", equalTo(1));
        tenant.admin().get("/v1/agents?status=inactive").then().body("total", equalTo(3)).body("agents", hasSize(3));
        // Another organization's agents are not counted: its counters are its own, under Row-Level Security.
        Tenants.create().admin().get("/v1/agents").then().body("total", equalTo(0));
    }

    @Test
    void cursorsWalkTheWholeListOnceInOrder() {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            var page = tenant.admin().queryParam("limit", 2).queryParam("cursor", cursor == null ? "" : cursor)
                    .get("/v1/agents").then().statusCode(200).body("total", equalTo(5)).extract().jsonPath();
            seen.addAll(page.getList("agents.id"));
            cursor = page.getString("next_cursor");
        } while (cursor != null && seen.size() < 10);

        assertEquals(ids, seen);
        // An exactly full last page offers no cursor: the list reads one row past the page
        tenant.admin().get("/v1/agents?limit=5").then().statusCode(200).body("agents", hasSize(5))
                .body("next_cursor", nullValue());
        tenant.admin().get("/v1/agents?limit=4").then().statusCode(200).body("next_cursor", notNullValue());
    }

    @Test
    void withoutLimitSeed001sListsAnswerEveryAgentAndEveryVersionNotAFirstPage() {
        int many = PageRequest.DEFAULT_LIMIT + 3;
        for (int i = ids.size(); i < many; i++) {
            ids.add(tenant.admin().body(AgentMother.with(AgentMother.triageAgent(), "name", "agent-" + i))
                    .post("/v1/agents").then().statusCode(201).extract().path("id"));
        }
        var all = tenant.admin().get("/v1/agents").then().statusCode(200).body("total", equalTo(many))
                .body("next_cursor", nullValue()).extract().jsonPath().<String>getList("agents.id");
        assertEquals(ids, all);
        tenant.admin().get("/v1/agents?limit=100").then().statusCode(200).body("agents", hasSize(100))
                .body("next_cursor", notNullValue());
        tenant.admin().get("/v1/agents?limit=501").then().statusCode(400).body("error.details.field", hasItem("limit"));

        String id = ids.getFirst();
        for (int v = 1; v <= many; v++) {
            tenant.admin().body(AgentMother.deployment("img:v" + v)).post("/v1/agents/" + id + "/deploy").then().statusCode(200);
        }
        tenant.admin().get("/v1/agents/" + id + "/versions").then().statusCode(200).body("versions", hasSize(many))
                .body("total", equalTo(many)).body("versions[0].version", equalTo(many)).body("next_cursor", nullValue());
        tenant.admin().get("/v1/agents/" + id + "/versions?limit=100").then().statusCode(200)
                .body("versions", hasSize(100)).body("next_cursor", notNullValue());
    }

    @Test
    void updatedSinceKeepsOnlyLaterChanges() {
        Instant before = Instant.now();
        tenant.admin().body(Map.of("description", "changed")).patch("/v1/agents/" + ids.get(3)).then().statusCode(200);

        tenant.admin().queryParam("updated_since", before.toString()).get("/v1/agents").then().statusCode(200)
                .body("total", equalTo(1)).body("agents.id", contains(ids.get(3)));
    }

    @Test
    void versionsPageNewestFirst() {
        String id = ids.getFirst();
        for (int v = 1; v <= 3; v++) {
            tenant.admin().body(AgentMother.deployment("img:v" + v)).post("/v1/agents/" + id + "/deploy").then().statusCode(200);
        }
        String cursor = tenant.admin().get("/v1/agents/" + id + "/versions?limit=2").then().statusCode(200)
                .body("versions.version", contains(3, 2)).body("next_cursor", notNullValue())
                .extract().path("next_cursor");
        tenant.admin().get("/v1/agents/" + id + "/versions?limit=2&cursor=" + cursor).then().statusCode(200)
                .body("versions.version", contains(1)).body("next_cursor", nullValue());
    }

    @Test
    void statusFiltersTheListAndItsTotal() {
        tenant.admin().post("/v1/agents/" + ids.get(1) + "/suspend").then().statusCode(200);

        tenant.admin().get("/v1/agents?status=suspended").then().statusCode(200)
                .body("total", equalTo(1)).body("agents", hasSize(1)).body("agents[0].id", equalTo(ids.get(1)));
    }

    @Test
    void readinessCoversDatabaseKafkaAndTheKeyDirectory() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'access-directory' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'database' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'kafka' }.status", equalTo("UP"));
    }
}
