package dev.warden.agent.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.agent.support.AgentMother;
import dev.warden.agent.support.Events;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class PolicyAndConnectorTest {

    private Tenant tenant;
    private String agent;

    @BeforeEach
    void agentInANewOrganization() {
        tenant = Tenants.create();
        agent = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
    }

    /**
     * A binding's config is stored, published on warden.agents.v1 and shown to viewers: a secret in it would be read by
     * all of them. So none is taken, and where it is kept is what the config names.
     */
    @Test
    void aConfigHoldsNoSecretOnlyWhereOneIsKept() {
        tenant.admin().body(Map.of("connector", "jira", "config", Map.of("api_token", "SECRET-123",
                        "auth", Map.of("password", "hunter2"), "keys", java.util.List.of(
                                "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----"))))
                .post("/v1/agents/" + agent + "/connectors").then().statusCode(400)
                .body("error.details.field", containsInAnyOrder("config.api_token", "config.auth.password", "config.keys[0]"));
        tenant.admin().body(Map.of("image_uri", "registry.example.com/a:v1", "config",
                        Map.of("env", Map.of("GITHUB_TOKEN", "ghp_x"))))
                .post("/v1/agents/" + agent + "/deploy").then().statusCode(400)
                .body("error.details.field", containsInAnyOrder("config.env.GITHUB_TOKEN"));
        // What the next probe got past the first version of the rule: a secret not held as text, a look-alike key,
        // the usual carriers of one, and values that are secrets wherever they stand
        tenant.admin().body(Map.of("connector", "jira", "config", Map.of("password", java.util.List.of("hunter2"),
                        "api_key", Map.of("value", "sk-live-abc"), "secret", 123456,
                        "\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44", "hunter2", "p\u0430ssword", "p",
                        "headers", Map.of("Authorization", "Bearer sk-live-abc"), "cookie", "session=abc",
                        "dsn", "postgres://u:hunter2@db/x",
                        "pgp", "-----BEGIN PGP PRIVATE KEY BLOCK-----\nx\n-----END PGP PRIVATE KEY BLOCK-----")))
                .post("/v1/agents/" + agent + "/connectors").then().statusCode(400)
                .body("error.details.field", containsInAnyOrder("config.password[0]", "config.api_key.value", "config.secret",
                        "config.\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44", "config.p\u0430ssword",
                        "config.headers.Authorization", "config.cookie", "config.dsn", "config.pgp"));
        // A third probe (session 34): secrets inside texts, beside their names, or in forms that name their issuer
        tenant.admin().body(Map.of("connector", "jira", "config", Map.of(
                        "x", "curl -H 'Authorization: Bearer abc'", "y", "token=Bearer abc",
                        "connection_string", "Server=db;User Id=sa;Password=hunter2;",
                        "env", List.of(Map.of("name", "DB_PASSWORD", "value", "hunter2")),
                        "headers", List.of(List.of("X-Api-Key", "abc123")), "mypassword", "p",
                        "github", "ghp_0123456789abcdefABCDEF0123")))
                .post("/v1/agents/" + agent + "/connectors").then().statusCode(400)
                .body("error.details.field", containsInAnyOrder("config.x", "config.y", "config.connection_string",
                        "config.env[0].value", "config.headers[0][1]", "config.mypassword", "config.github"));
        tenant.admin().get("/v1/agents/" + agent + "/connectors").then().body("total", equalTo(0));

        tenant.admin().body(Map.of("connector", "jira", "config", Map.of("api_token_ref", "vault:kv/jira#token",
                        "token_url", "https://auth.example.com/token", "secret_name", "jira-credentials", "max_tokens", 4096,
                        "auth", Map.of("type", "oauth2", "client_id", "warden", "client_secret_ref", "vault:kv/jira#secret"),
                        "project_key", "SEC")))
                .post("/v1/agents/" + agent + "/connectors").then().statusCode(201);
    }

    /**
     * An agent's texts, metadata and URLs are stored, published and shown to viewers as a config is, and a deploy's
     * notes are chained for good: none takes a secret either (a security trial stored each; the config alone was checked).
     */
    @Test
    void anAgentsTextsUrlsAndNotesHoldNoSecretEither() {
        Map<String, Object> leaky = new java.util.HashMap<>(AgentMother.triageAgent());
        leaky.put("description", "Uses GITHUB_TOKEN=ghp_0123456789abcdefABCDEF0123 for issues");
        leaky.put("metadata", Map.of("owner", "secops", "password", "hunter2"));
        leaky.put("llm_system_prompt", "Call the API with Authorization: Bearer sk-live-abc");
        leaky.put("tags", List.of("prod", "token=ghp_0123456789abcdefABCDEF0123"));
        leaky.put("notifications", Map.of("webhook_url", "https://user:s3cret@hooks.example.com/x"));
        leaky.put("mcp_integration", Map.of("mcp_server_url", "https://mcp.example.com/sse?api_key=abc123",
                "mcp_capabilities", Map.of("auth", Map.of("token", "abc"))));
        tenant.admin().body(leaky).post("/v1/agents").then().statusCode(400)
                .body("error.details.field", containsInAnyOrder("description", "metadata.password", "llm_system_prompt",
                        "tags[1]", "notifications.webhook_url", "mcp_integration.mcp_server_url",
                        "mcp_integration.mcp_capabilities.auth.token"));
        tenant.admin().body(Map.of("notifications", Map.of("webhook_url", "https://user:s3cret@hooks.example.com/x")))
                .patch("/v1/agents/" + agent).then().statusCode(400)
                .body("error.details.field", containsInAnyOrder("notifications.webhook_url"));
        tenant.admin().body(Map.of("image_uri", "registry.example.com/a:v1", "notes", "rotated DB_PASSWORD=hunter2"))
                .post("/v1/agents/" + agent + "/deploy").then().statusCode(400)
                .body("error.details.field", containsInAnyOrder("notes"));
        tenant.admin().get("/v1/agents/" + agent).then().body("version", equalTo(0))
                .body("notifications.webhook_url", org.hamcrest.Matchers.nullValue());

        // Where secrets are kept, and texts that only speak of them, pass
        tenant.admin().body(Map.of("description", "Reads its password from the vault (secret_ref in its config)",
                        "metadata", Map.of("token_url", "https://auth.example.com/token", "max_tokens", 4096),
                        "notifications", Map.of("webhook_url", "https://hooks.example.com/x?channel=sec")))
                .patch("/v1/agents/" + agent).then().statusCode(200);
    }

    /**
     * Names and a policy's rules hold no secret either, and what a free-form value holds a terminal or a page shows as
     * written (a security trial kept a policy named with a token, a password in its rules, and an escape sequence and
     * a direction override in metadata values).
     */
    @Test
    void namesRulesAndFreeFormValuesHoldNoSecretAndNoControls() {
        String token = "ghp_0123456789abcdefABCDEF0123456789abcd";
        tenant.admin().body(Map.of("name", "prod " + token, "rules", List.of(Map.of("action", "deny",
                        "webhook", "https://ops:hunter2@hooks.example.com/"), Map.of("note", "clear\u001b[2J"))))
                .post("/v1/policies").then().statusCode(400)
                .body("error.details.field", containsInAnyOrder("name", "rules[0].webhook", "rules[1].note"));
        Map<String, Object> odd = new java.util.HashMap<>(AgentMother.triageAgent());
        odd.put("metadata", Map.of("team", "soc\u001b[31m FAKE: verified", "owner", "gpj.exe\u202E", "ok", "two\nlines"));
        odd.put("llm_system_prompt", "Summarise the tickets." + "\uDB40\uDC41\uDB40\uDC42"); // tag characters: hidden text
        odd.put("notifications", Map.of("webhook_url", "https://hooks.example.com/in/\u202Egpj.exe")); // java.net.URI took it
        tenant.admin().body(odd).post("/v1/agents").then().statusCode(400)
                .body("error.details.field", containsInAnyOrder("metadata.team", "metadata.owner", "llm_system_prompt",
                        "notifications.webhook_url"));
        tenant.admin().body(Map.of("connector", "jira", "name", "jira " + token)).post("/v1/agents/" + agent + "/connectors")
                .then().statusCode(400).body("error.details.field", containsInAnyOrder("name"));
        tenant.admin().get("/v1/policies").then().statusCode(200).body("total", equalTo(0));
        tenant.admin().get("/v1/agents/" + agent + "/connectors").then().statusCode(200).body("total", equalTo(0));

        tenant.admin().body(Map.of("name", "token rotation", "rules", List.of(Map.of("action", "deny",
                        "resource", "vault:*", "note", "no secret reads\nafter hours"))))
                .post("/v1/policies").then().statusCode(201);
    }

    @Test
    void connectorsAreBoundListedAndUnboundWithEvents() {
        String binding = tenant.admin().body(Map.of("connector", "crowdstrike", "config", Map.of("region", "eu")))
                .post("/v1/agents/" + agent + "/connectors").then().statusCode(201)
                .body("connector", equalTo("crowdstrike")).body("agent_id", equalTo(agent)).extract().path("id");
        tenant.admin().body(Map.of("connector", "crowdstrike")).post("/v1/agents/" + agent + "/connectors")
                .then().statusCode(409);
        tenant.admin().get("/v1/agents/" + agent + "/connectors").then().statusCode(200)
                .body("total", equalTo(1)).body("connectors[0].config.region", equalTo("eu"));

        tenant.admin().delete("/v1/agents/" + agent + "/connectors/" + binding).then().statusCode(204);
        tenant.admin().delete("/v1/agents/" + agent + "/connectors/" + binding).then().statusCode(404);

        List<JsonNode> events = Events.about(Topics.AGENTS, agent, 3);
        assertEquals(List.of(EventTypes.AGENT_CREATED, EventTypes.CONNECTOR_BOUND, EventTypes.CONNECTOR_UNBOUND),
                Events.types(events));
    }

    @Test
    void connectorNamesAreChecked() {
        tenant.admin().body(Map.of("connector", "Crowd Strike!")).post("/v1/agents/" + agent + "/connectors")
                .then().statusCode(400).body("error.details[0].field", equalTo("connector"));
    }

    @Test
    void policiesAreVersionedBoundAndRemoved() {
        String policy = tenant.admin().body(Map.of("name", "no-pii-export",
                        "rules", List.of(Map.of("effect", "deny", "action", "files:export")), "agent_ids", List.of(agent)))
                .post("/v1/policies").then().statusCode(201)
                .body("version", equalTo(1)).body("enforcement", equalTo("enforce"))
                .body("agent_ids", contains(agent)).extract().path("id");

        tenant.admin().body(Map.of("enforcement", "monitor")).patch("/v1/policies/" + policy).then().statusCode(200)
                .body("version", equalTo(2)).body("enforcement", equalTo("monitor"))
                .body("rules[0].effect", equalTo("deny"));
        // A null for the rules is left out, as the document says (a generated client sends null for what it leaves unset)
        tenant.admin().body("{\"enforcement\": \"monitor\", \"rules\": null}").contentType("application/json")
                .patch("/v1/policies/" + policy).then().statusCode(200).body("version", equalTo(3))
                .body("rules[0].effect", equalTo("deny"));
        tenant.admin().get("/v1/policies/" + policy + "/versions").then().statusCode(200)
                .body("versions.version", contains(3, 2, 1))
                .body("versions.enforcement", contains("monitor", "monitor", "enforce"));
        tenant.admin().get("/v1/policies?agent_id=" + agent).then().statusCode(200).body("total", equalTo(1));

        tenant.admin().delete("/v1/policies/" + policy + "/agents/" + agent).then().statusCode(200)
                .body("agent_ids", empty());
        tenant.admin().put("/v1/policies/" + policy + "/agents/" + agent).then().statusCode(200)
                .body("agent_ids", contains(agent));
        // An agent the path names that the organization does not have is a 404, binding as unbinding (it was a 400)
        String unknown = java.util.UUID.randomUUID().toString();
        tenant.admin().put("/v1/policies/" + policy + "/agents/" + unknown).then().statusCode(404)
                .body("error.code", equalTo("not_found"));
        tenant.admin().delete("/v1/policies/" + policy + "/agents/" + unknown).then().statusCode(404);
        tenant.admin().delete("/v1/policies/" + policy).then().statusCode(204);
        tenant.admin().get("/v1/policies/" + policy).then().statusCode(404);
        // Its versions stay: the record of what governed the agents before its removal
        tenant.admin().get("/v1/policies/" + policy + "/versions").then().statusCode(200)
                .body("versions.version", contains(3, 2, 1));
        tenant.admin().get("/v1/policies/" + java.util.UUID.randomUUID() + "/versions").then().statusCode(404);

        assertEquals(List.of(EventTypes.AGENT_CREATED, EventTypes.POLICY_BOUND, EventTypes.POLICY_UNBOUND,
                EventTypes.POLICY_BOUND, EventTypes.POLICY_UNBOUND), Events.types(Events.about(Topics.AGENTS, agent, 5)));
        assertEquals(List.of(EventTypes.POLICY_CREATED, EventTypes.POLICY_CHANGED, EventTypes.POLICY_CHANGED,
                EventTypes.POLICY_REMOVED), Events.types(Events.about(Topics.AGENTS, policy, 4)));
    }

    /** A patch's null clears a policy's description, as an agent's (it was "Give at least one field", a user trial). */
    @Test
    void aPatchsNullClearsAPolicysDescriptionAndLeavingItOutKeepsIt() {
        String policy = tenant.admin().body(Map.of("name", "described", "description", "why it exists",
                        "rules", List.of(Map.of("effect", "deny"))))
                .post("/v1/policies").then().statusCode(201).extract().path("id");
        tenant.admin().body(Map.of("enforcement", "monitor")).patch("/v1/policies/" + policy).then().statusCode(200)
                .body("description", equalTo("why it exists"));
        tenant.admin().body("{\"description\": null}").contentType("application/json").patch("/v1/policies/" + policy)
                .then().statusCode(200).body("version", equalTo(3)).body("description", org.hamcrest.Matchers.nullValue());
        tenant.admin().get("/v1/policies/" + policy).then().body("description", org.hamcrest.Matchers.nullValue());
        tenant.admin().body(Map.of("description", "again")).patch("/v1/policies/" + policy).then().statusCode(200)
                .body("description", equalTo("again"));
        tenant.admin().body("{\"description\": 5}").contentType("application/json").patch("/v1/policies/" + policy)
                .then().statusCode(400);
    }

    /**
     * A binding's events name the policy without its rules or agents, which the policy's own events carry: each binding
     * is an event of its own, and when each carried the whole policy a policy created for 1,000 agents published a
     * quadratic 40 MB of events (290 MB with 256 KiB of rules), and its removal as much.
     */
    @Test
    void aBindingsEventsNameThePolicyWithoutItsRulesOrAgents() {
        String policy = tenant.admin().body(Map.of("name", "referenced", "enforcement", "monitor",
                        "rules", List.of(Map.of("effect", "deny", "action", "files:export")), "agent_ids", List.of(agent)))
                .post("/v1/policies").then().statusCode(201).extract().path("id");
        tenant.admin().delete("/v1/policies/" + policy + "/agents/" + agent).then().statusCode(200);
        List<com.fasterxml.jackson.databind.JsonNode> events = Events.about(Topics.AGENTS, agent, 3);
        assertEquals(List.of(EventTypes.AGENT_CREATED, EventTypes.POLICY_BOUND, EventTypes.POLICY_UNBOUND), Events.types(events));
        for (var binding : events.subList(1, 3)) {
            var named = binding.path("data").path("policy");
            assertEquals(policy, named.path("id").asText());
            assertEquals("referenced", named.path("name").asText());
            assertEquals("monitor", named.path("enforcement").asText());
            assertEquals(1, named.path("version").asInt());
            assertEquals(tenant.orgId().toString(), named.path("org_id").asText());
            assertTrue(named.path("rules").isMissingNode() && named.path("agent_ids").isMissingNode(), named.toString());
            // Who bound and unbound it, for the audit trail (it named nobody: an integration trial)
            assertTrue(binding.at("/data/changed_by").asText().startsWith("api-key:"), binding.toString());
        }
        // Who removed the policy, not its last editor
        tenant.as(tenant.key("admin")).delete("/v1/policies/" + policy).then().statusCode(204);
        var removed = Events.about(Topics.AGENTS, policy, 2).get(1);
        assertEquals(EventTypes.POLICY_REMOVED, removed.path("type").asText());
        assertTrue(removed.at("/data/changed_by").asText().startsWith("api-key:"), removed.toString());
        assertFalse(removed.at("/data/changed_by").asText().equals(removed.at("/data/policy/updated_by").asText()),
                "named by the remover's key, not the policy's last editor: " + removed);
        var created = Events.about(Topics.AGENTS, policy, 1).getFirst().path("data").path("policy");
        assertEquals("files:export", created.path("rules").path(0).path("action").asText());
        assertTrue(created.path("agent_ids").isArray() && created.path("agent_ids").isEmpty(),
                "the policy is created, then its agents bound: " + created);
    }

    /**
     * A policy governs at most 1,000 agents (as many as a create names): the policy's own events carry its agents,
     * and a user trial's policy bound to 4,500 agents could not be removed (out of memory, a 500, for good).
     */
    @Test
    void aPolicyGovernsAtMostAThousandAgentsAndOneOfAThousandIsRemoved() throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        List<String> agents;
        try {
            List<java.util.concurrent.Future<String>> created = new java.util.ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                created.add(pool.submit(() -> tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then()
                        .statusCode(201).extract().<String>path("id")));
            }
            agents = new java.util.ArrayList<>();
            for (var id : created) {
                agents.add(id.get());
            }
        } finally {
            pool.shutdownNow();
        }
        String policy = tenant.admin().body(Map.of("name", "fleet-wide",
                        "rules", List.of(Map.of("effect", "deny", "action", "files:export")), "agent_ids", agents))
                .post("/v1/policies").then().statusCode(201).extract().path("id");
        tenant.admin().put("/v1/policies/" + policy + "/agents/" + agent).then().statusCode(409)
                .body("error.message", org.hamcrest.Matchers.containsString("1000"));
        tenant.admin().get("/v1/policies/" + policy).then().body("agent_ids.size()", equalTo(1000));
        tenant.admin().delete("/v1/policies/" + policy).then().statusCode(204);
    }

    @Test
    void anEditOfAPolicyBasedOnWhatItNoLongerIsIsA412AndChangesNothing() {
        String policy = tenant.admin().body(Map.of("name", "guarded", "rules", List.of(Map.of("effect", "deny", "action", "x:y"))))
                .post("/v1/policies").then().statusCode(201).header("ETag", notNullValue()).extract().path("id");
        String read = tenant.admin().get("/v1/policies/" + policy).then().statusCode(200).extract().header("ETag");

        String changed = tenant.admin().header("If-Match", read).body(Map.of("enforcement", "monitor"))
                .patch("/v1/policies/" + policy).then().statusCode(200).body("version", equalTo(2)).extract().header("ETag");
        // Another admin's edit based on what both read: refused, nothing changes
        tenant.admin().header("If-Match", read).body(Map.of("enforcement", "enforce")).patch("/v1/policies/" + policy)
                .then().statusCode(412).body("error.code", equalTo("precondition_failed"));
        // Binding an agent changes the answer, and so the tag, without a new version
        tenant.admin().put("/v1/policies/" + policy + "/agents/" + agent).then().statusCode(200);
        String bound = tenant.admin().get("/v1/policies/" + policy).then().body("version", equalTo(2))
                .body("enforcement", equalTo("monitor")).extract().header("ETag");
        org.junit.jupiter.api.Assertions.assertNotEquals(changed, bound);
        tenant.admin().header("If-Match", changed).body(Map.of("enforcement", "enforce")).patch("/v1/policies/" + policy)
                .then().statusCode(412);
        tenant.admin().header("If-Match", bound).body(Map.of("enforcement", "enforce")).patch("/v1/policies/" + policy)
                .then().statusCode(200).body("version", equalTo(3));
    }

    @Test
    void policyVersionsArePagedNewestFirstWithACursor() {
        String policy = tenant.admin().body(Map.of("name", "paged",
                        "rules", List.of(Map.of("effect", "deny", "action", "files:export"))))
                .post("/v1/policies").then().statusCode(201).extract().path("id");
        tenant.admin().body(Map.of("enforcement", "monitor")).patch("/v1/policies/" + policy).then().statusCode(200);
        tenant.admin().body(Map.of("enforcement", "enforce")).patch("/v1/policies/" + policy).then().statusCode(200);

        String cursor = tenant.admin().get("/v1/policies/" + policy + "/versions?limit=2").then().statusCode(200)
                .body("versions.version", contains(3, 2)).body("total", equalTo(3)).body("total_exact", equalTo(true))
                .extract().path("next_cursor");
        tenant.admin().get("/v1/policies/" + policy + "/versions?limit=2&cursor=" + cursor).then().statusCode(200)
                .body("versions.version", contains(1)).body("next_cursor", equalTo(null));
        tenant.admin().get("/v1/policies/" + policy + "/versions?updated_since=2999-01-01T00:00:00Z").then()
                .statusCode(200).body("versions", empty()).body("total", equalTo(0));
    }

    @Test
    void aPolicyForAnUnknownAgentIsRefusedWhole() {
        tenant.admin().body(Map.of("name", "p", "rules", List.of(Map.of("effect", "deny")),
                        "agent_ids", List.of(agent, java.util.UUID.randomUUID().toString())))
                .post("/v1/policies").then().statusCode(400).body("error.details[0].field", equalTo("agent_ids[1]"));
        tenant.admin().get("/v1/policies").then().body("total", equalTo(0));
    }

    @Test
    void rulesMustBeAnArrayOfObjects() {
        tenant.admin().body(Map.of("name", "p", "rules", Map.of("effect", "deny"))).post("/v1/policies")
                .then().statusCode(400).body("error.details[0].field", equalTo("rules"));
        tenant.admin().body(Map.of("name", "p", "rules", List.of("deny"))).post("/v1/policies")
                .then().statusCode(400).body("error.details[0].field", equalTo("rules[0]"));
    }

    @Test
    void viewersReadButCannotChangePolicies() {
        String viewer = tenant.key("viewer");
        tenant.as(viewer).get("/v1/policies").then().statusCode(200);
        tenant.as(viewer).body(Map.of("name", "p", "rules", List.of())).post("/v1/policies").then().statusCode(403);
        tenant.as(viewer).body(Map.of("connector", "jira")).post("/v1/agents/" + agent + "/connectors").then().statusCode(403);
    }
}
