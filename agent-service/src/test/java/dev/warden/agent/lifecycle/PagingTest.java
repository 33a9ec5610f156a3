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
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * A page ends before 8 MB of what callers wrote (a configuration, metadata), with a cursor to the rest, as it ends at
     * its limit: a user trial's 688 versions of 60 KB made one 44.6 MB answer, and 10,000 of 1 MB would not fit the heap.
     */
    @Test
    void aPageEndsBeforeEightMegabytesOfWhatCallersWroteWithACursorToTheRest() {
        String config = "x".repeat(60_000); // a version's configuration is at most 64 KB
        String id = ids.getFirst();
        int deployed = 150;
        for (int v = 1; v <= deployed; v++) {
            tenant.admin().body(Map.of("image_uri", "img:v" + v, "config", Map.of("blob", config)))
                    .post("/v1/agents/" + id + "/deploy").then().log().ifValidationFails().statusCode(200);
        }
        List<Integer> versions = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var page = tenant.admin().queryParam("cursor", cursor == null ? "" : cursor)
                    .get("/v1/agents/" + id + "/versions").then().log().ifValidationFails().statusCode(200)
                    .body("total", equalTo(deployed)).extract();
            List<Integer> found = page.jsonPath().getList("versions.version");
            assertTrue(!found.isEmpty() && found.size() <= 140, "at most 140 versions of 60 KB in 8 MB: " + found.size());
            versions.addAll(found);
            cursor = page.path("next_cursor");
            pages++;
        } while (cursor != null);
        assertEquals(java.util.stream.IntStream.iterate(deployed, v -> v >= 1, v -> v - 1).boxed().toList(), versions);
        assertEquals(2, pages);

        // An agent carries at most 16 KiB of metadata and a 16,000-character system prompt: about 31 KB here
        Map<String, Object> large = AgentMother.with(AgentMother.with(AgentMother.triageAgent(), "metadata",
                Map.of("blob", "m".repeat(16_000))), "llm_system_prompt", "p".repeat(15_000));
        for (int i = 0; i < 280; i++) {
            ids.add(tenant.admin().body(AgentMother.with(large, "name", "large-" + i)).post("/v1/agents").then()
                    .log().ifValidationFails().statusCode(201).extract().path("id"));
        }
        var first = tenant.admin().get("/v1/agents").then().statusCode(200).body("total", equalTo(285)).extract();
        List<String> listed = new ArrayList<>(first.jsonPath().getList("agents.id"));
        assertTrue(listed.size() < 285, "the first page ends before 8 MB: " + listed.size());
        listed.addAll(tenant.admin().queryParam("cursor", first.<String>path("next_cursor")).get("/v1/agents").then()
                .statusCode(200).body("next_cursor", nullValue()).extract().jsonPath().getList("agents.id"));
        assertEquals(ids, listed);
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
