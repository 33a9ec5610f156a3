package dev.warden.registry;

import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.agent.AgentEvents;
import dev.warden.events.agent.AgentSnapshot;
import dev.warden.events.agent.AgentStatus;
import dev.warden.events.CloudEvent;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static dev.warden.registry.support.History.T0;
import static dev.warden.registry.support.History.agent;
import static dev.warden.registry.support.History.as;
import static dev.warden.registry.support.History.changed;
import static dev.warden.registry.support.History.compliance;
import static dev.warden.registry.support.History.connectorBound;
import static dev.warden.registry.support.History.connectorUnbound;
import static dev.warden.registry.support.History.drift;
import static dev.warden.registry.support.History.entry;
import static dev.warden.registry.support.History.organization;
import static dev.warden.registry.support.History.policyBound;
import static dev.warden.registry.support.History.policyUnbound;
import static dev.warden.registry.support.History.publish;
import static dev.warden.registry.support.History.registrationRequested;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeds 000, 002 and 004 after a scripted history of events on the real broker: every field with its value, counts
 * that redelivery does not inflate, stale revisions dropped, and another organization seeing none of it.
 */
@QuarkusTest
class RegistryTest {

    @jakarta.inject.Inject
    dev.warden.tenancy.db.TenantDb db;

    private TestOrg org;
    private UUID triage;
    private UUID draft;
    private UUID held;
    private Instant recent;

    @BeforeEach
    void history() {
        org = organization();
        triage = UUID.randomUUID();
        draft = UUID.randomUUID();
        held = UUID.randomUUID();
        recent = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
        UUID org = this.org.id();
        UUID binding1 = UUID.randomUUID();
        UUID binding2 = UUID.randomUUID();
        UUID policy1 = UUID.randomUUID();
        UUID policy2 = UUID.randomUUID();
        UUID policy3 = UUID.randomUUID();
        UUID driftId = UUID.randomUUID();
        AgentSnapshot triageV3 = agent(org, triage, "triage-agent", AgentStatus.ACTIVE, 3, 5);
        // Counts may arrive before the agent: the audit topic is another partition, another topic.
        publish(Topics.AUDIT, entry(org, 1, triage, recent.minusSeconds(30)), entry(org, 2, triage, recent.minusSeconds(20)),
                entry(org, 3, null, recent.minusSeconds(15)), entry(org, 4, draft, recent.minusSeconds(10)),
                entry(org, 5, triage, recent), entry(org, 2, triage, recent.minusSeconds(20)),
                drift(org, driftId, triage, recent, 6), drift(org, driftId, triage, recent, 6),
                compliance(org, UUID.randomUUID(), triage));
        publish(Topics.AGENTS, changed(agent(org, triage, "triage-agent", AgentStatus.INACTIVE, 0, 1)), changed(triageV3),
                // a stale snapshot after the newer one changes nothing
                changed(agent(org, triage, "triage-agent", AgentStatus.INACTIVE, 0, 1)),
                connectorBound(org, triage, binding1, "crowdstrike"), connectorBound(org, triage, binding2, "jira"),
                connectorBound(org, triage, binding2, "jira"), connectorUnbound(org, triage, binding1, "crowdstrike"),
                policyBound(org, triage, policy1), policyBound(org, triage, policy2), policyBound(org, triage, policy2),
                policyBound(org, triage, policy3), policyUnbound(org, triage, policy3),
                changed(agent(org, draft, "draft-agent", AgentStatus.INACTIVE, 0, 1)),
                changed(agent(org, held, "held-agent", AgentStatus.SUSPENDED, 1, 3)),
                registrationRequested(org, UUID.randomUUID(), "walk-in"));
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Map<String, Object> answer = as(this.org, "viewer").get("/v1/registry").then().statusCode(200)
                    .extract().as(Map.class);
            Map<String, Object> summary = (Map<String, Object>) answer.get("summary");
            Map<String, Object> a = agentOf((List<Map<String, Object>>) answer.get("agents"), triage);
            assertEquals(List.of(3, 1, 1, 2, 3, 3),
                    List.of(summary.get("total_agents"), summary.get("total_drift_events"),
                            ((Map<?, ?>) ((Map<?, ?>) summary.get("gaps")).get("pending_registrations")).get("count"),
                            a.getOrDefault("policy_count", -1), a.getOrDefault("audit_action_count", -1),
                            a.getOrDefault("version", -1)), answer.toString());
        });
    }

    @Test
    void seed000EveryFieldAndTheSummary() {
        Map<String, Object> answer = as(org, "viewer").get("/v1/registry").then().statusCode(200).extract().as(Map.class);
        assertEquals(Set.of("agents", "total", "summary", "next_cursor"), answer.keySet());
        assertEquals(3, answer.get("total"));
        Map<String, Object> a = agentOf((List<Map<String, Object>>) answer.get("agents"), triage);
        assertEquals(Set.of("id", "name", "description", "status", "runtime", "version", "owner_id", "connector_count",
                "policy_count", "audit_action_count", "drift_event_count", "compliance_package_count", "last_activity",
                "created_at"), a.keySet());
        assertEquals("triage-agent", a.get("name"));
        assertEquals("triage-agent does its job", a.get("description"));
        assertEquals("active", a.get("status"));
        assertEquals("docker", a.get("runtime"));
        assertEquals(3, a.get("version"));
        assertEquals("user:alice", a.get("owner_id"));
        assertEquals(1, a.get("connector_count"));
        assertEquals(2, a.get("policy_count"));
        assertEquals(3, a.get("audit_action_count"));
        assertEquals(1, a.get("drift_event_count"));
        assertEquals(1, a.get("compliance_package_count"));
        assertEquals(recent, Instant.parse((String) a.get("last_activity")));
        assertEquals(T0, Instant.parse((String) a.get("created_at")));

        Map<String, Object> summary = (Map<String, Object>) answer.get("summary");
        assertEquals(3, summary.get("total_agents"));
        assertEquals(Map.of("active", 1, "inactive", 1, "suspended", 1, "error", 0), summary.get("status_breakdown"));
        assertEquals(1, summary.get("total_drift_events"));
        assertEquals(2, summary.get("agents_without_policies"));
        assertEquals(2, summary.get("agents_without_compliance"));
        Map<String, Object> gaps = (Map<String, Object>) summary.get("gaps");
        assertEquals(Map.of("count", 0, "ids", List.of()), gaps.get("active_without_policies"));
        assertEquals(Map.of("count", 1, "ids", List.of(triage.toString())), gaps.get("drift_last_24h"));
        assertEquals(1, ((Map<?, ?>) gaps.get("pending_registrations")).get("count"));

        Map<String, Object> suspended = as(org, "auditor").get("/v1/registry?status=suspended").then().statusCode(200)
                .extract().as(Map.class);
        assertEquals(1, suspended.get("total"));
        assertEquals(held.toString(), ((List<Map<String, Object>>) suspended.get("agents")).getFirst().get("id"));
        assertEquals(3, ((Map<?, ?>) suspended.get("summary")).get("total_agents"), "the summary stays org-wide");
        as(org, "viewer").get("/v1/registry?status=retired").then().statusCode(400).body("error.details.field", hasItem("status"));
        as(org, "viewer").get("/v1/registry?status=").then().statusCode(200);
        as(org, "viewer").get("/v1/registry?limit=2").then().statusCode(200).body("agents.size()", equalTo(2))
                .body("next_cursor", notNullValue());
    }

    /**
     * Seed 002 pages by offset and its pagination has no word for a bounded count, so its total is the whole count
     * (other lists stop counting at ListQuery.TOTAL_BOUND and say so). The agents are written straight into the
     * projection: ten thousand through the broker would be minutes of a test for one count.
     */
    @Test
    void seed002sTotalIsTheWholeCountPastTenThousandAgents() {
        TestOrg big = organization();
        int agents = dev.warden.tenancy.db.ListQuery.TOTAL_BOUND + 2;
        dev.warden.registry.support.StoredProjection.asSuperuser("""
                WITH added AS (
                    INSERT INTO registry_agents (org_id, agent_id, seq, revision, name, status, runtime, version, agent_type,
                        risk_config, capabilities, mcp_integration, notifications, tags, metadata, created_at, updated_at,
                        granted_capabilities)
                    SELECT '%s', gen_random_uuid(), n, 1, 'agent-' || n, CASE WHEN n %% 2 = 0 THEN 'active' ELSE 'suspended' END,
                        'docker', 1, 'supervised', '{}', '[]', '{}', '{}', '{}', '{}', now(), now(), '{}'
                    FROM generate_series(1, %d) AS n
                    RETURNING 1)
                SELECT count(*)::text FROM added""".formatted(big.id(), agents));
        as(big, "viewer").get("/v1/registry/agents?limit=1").then().statusCode(200)
                .body("pagination.total", equalTo(agents)).body("pagination.has_more", equalTo(true));
        as(big, "viewer").get("/v1/registry/agents?limit=1&status_filter=active").then().statusCode(200)
                .body("pagination.total", equalTo(agents / 2));
        as(big, "viewer").get("/v1/registry/agents?limit=1&offset=" + (agents - 1)).then().statusCode(200)
                .body("agents.size()", equalTo(1)).body("pagination.has_more", equalTo(false))
                .body("pagination.total", equalTo(agents));
    }

    /**
     * Seed 000's whole list ends before 8 MB of what owners wrote (names, descriptions), with a cursor to the rest: a
     * user trial's 4,500 agents with descriptions of 4,000 characters made one answer of 62 MB, and twelve at once were
     * a 500 out of memory. Written straight into the projection, as above.
     */
    @Test
    void seed000sWholeListEndsBeforeEightMegabytesOfDescriptionsWithACursorToTheRest() {
        TestOrg wide = organization();
        int agents = 1_000; // 12,000 bytes of description each: 12 MB in all
        dev.warden.registry.support.StoredProjection.asSuperuser("""
                WITH added AS (
                    INSERT INTO registry_agents (org_id, agent_id, seq, revision, name, description, status, runtime, version,
                        agent_type, risk_config, capabilities, mcp_integration, notifications, tags, metadata, created_at,
                        updated_at, granted_capabilities)
                    SELECT '%s', gen_random_uuid(), n, 1, 'agent-' || n, repeat(chr(8364), 4000), 'active', 'docker', 1,
                        'supervised', '{}', '[]', '{}', '{}', '{}', '{}', now() + n * interval '1 second', now(), '{}'
                    FROM generate_series(1, %d) AS n
                    RETURNING 1)
                SELECT count(*)::text FROM added""".formatted(wide.id(), agents));
        // Written past the projection, so heard of by no replica: a kept answer of before lasts its second at most
        var first = Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> as(wide, "viewer").get("/v1/registry").then().statusCode(200).extract(),
                        answer -> answer.jsonPath().getInt("total") == agents);
        List<String> names = new java.util.ArrayList<>(first.jsonPath().getList("agents.name"));
        assertTrue(names.size() > 600 && names.size() < agents, "the first answer ends before 8 MB: " + names.size());
        names.addAll(as(wide, "viewer").queryParam("cursor", first.jsonPath().getString("next_cursor"))
                .get("/v1/registry").then().statusCode(200).body("next_cursor", nullValue())
                .extract().jsonPath().getList("agents.name"));
        assertEquals(java.util.stream.IntStream.rangeClosed(1, agents).mapToObj(n -> "agent-" + n).toList(), names);
    }

    @Test
    void seed002ListAndDetailExactly() {
        Map<String, Object> list = as(org, "viewer").get("/v1/registry/agents").then().statusCode(200).extract().as(Map.class);
        assertEquals(Set.of("success", "agents", "pagination", "next_cursor"), list.keySet());
        assertEquals(true, list.get("success"));
        assertEquals(Map.of("total", 3, "limit", 100, "offset", 0, "has_more", false), list.get("pagination"));
        Map<String, Object> a = ((List<Map<String, Object>>) list.get("agents")).stream()
                .filter(x -> triage.toString().equals(x.get("agent_id"))).findFirst().orElseThrow();
        assertEquals(Set.of("id", "agent_id", "display_name", "description", "agent_type", "status", "version",
                "default_risk_score", "auto_approve_below", "max_risk_threshold", "is_mcp_server", "tags", "created_at"), a.keySet());
        assertEquals(Integer.class, a.get("id").getClass());
        // The id is the organization's own count, 1 to 3 whatever other organizations did meanwhile (the tests before
        // this one made hundreds of agents), and the triage agent's three snapshots drew one number, not three
        assertEquals(Set.of(1, 2, 3), ((List<Map<String, Object>>) list.get("agents")).stream().map(x -> x.get("id"))
                .collect(java.util.stream.Collectors.toSet()));
        assertEquals("triage-agent", a.get("display_name"));
        assertEquals("supervised", a.get("agent_type"));
        assertEquals("active", a.get("status"));
        assertEquals("3", a.get("version"));
        assertEquals(50, a.get("default_risk_score"));
        assertEquals(30, a.get("auto_approve_below"));
        assertEquals(80, a.get("max_risk_threshold"));
        assertEquals(false, a.get("is_mcp_server"));
        assertEquals(List.of("production", "soc"), a.get("tags"));

        as(org, "viewer").get("/v1/registry/agents?status_filter=draft").then().statusCode(200)
                .body("agents.size()", equalTo(1)).body("agents[0].status", equalTo("draft"))
                .body("agents[0].agent_id", equalTo(draft.toString()));
        as(org, "viewer").get("/v1/registry/agents?status_filter=inactive").then().body("agents[0].agent_id", equalTo(draft.toString()));
        as(org, "viewer").get("/v1/registry/agents?limit=1&offset=1&sort=name").then().statusCode(200)
                .body("agents[0].display_name", equalTo("held-agent"))
                .body("pagination.has_more", equalTo(true)).body("pagination.offset", equalTo(1));
        // A cursor walk: has_more and next_cursor agree on every page, and the last one offers no further page
        String next = as(org, "viewer").get("/v1/registry/agents?limit=2").then().statusCode(200)
                .body("agents.size()", equalTo(2)).body("pagination.has_more", equalTo(true))
                .body("next_cursor", notNullValue()).extract().path("next_cursor");
        as(org, "viewer").get("/v1/registry/agents?limit=2&cursor=" + next).then().statusCode(200)
                .body("agents.size()", equalTo(1)).body("pagination.has_more", equalTo(false))
                .body("next_cursor", nullValue());
        as(org, "viewer").get("/v1/registry/agents?limit=3").then().statusCode(200)
                .body("agents.size()", equalTo(3)).body("pagination.has_more", equalTo(false))
                .body("next_cursor", nullValue());
        // updated_since (beyond the seeds, on every list): what changed since then; nothing has changed in the future
        as(org, "viewer").get("/v1/registry/agents?updated_since=2000-01-01T00:00:00Z").then().statusCode(200)
                .body("agents.size()", equalTo(3));
        as(org, "viewer").get("/v1/registry/agents?updated_since=2999-01-01T00:00:00Z").then().statusCode(200)
                .body("agents.size()", equalTo(0)).body("pagination.total", equalTo(0));
        as(org, "viewer").get("/v1/directory/agents?updated_since=2999-01-01T00:00:00Z").then().statusCode(200)
                .body("agents.size()", equalTo(0)).body("total", equalTo(0));
        as(org, "viewer").get("/v1/directory/agents?updated_since=2000-01-01T00:00:00Z").then().statusCode(200)
                .body("total", equalTo(3));
        for (String path : List.of("/v1/registry/agents", "/v1/directory/agents")) {
            as(org, "viewer").get(path + "?updated_since=yesterday").then().statusCode(400)
                    .body("error.details[0].field", equalTo("updated_since"));
        }
        for (String bad : List.of("limit=0", "limit=501", "offset=-1", "status_filter=retired", "type_filter=robot", "sort=size")) {
            as(org, "viewer").get("/v1/registry/agents?" + bad).then().statusCode(400).body("error.code", notNullValue());
        }
        // An empty choice is no choice, as every empty query parameter (a form or a generated client leaving it blank)
        as(org, "viewer").get("/v1/registry/agents?status_filter=&type_filter=&sort=").then().statusCode(200)
                .body("pagination.total", equalTo(3));
        as(org, "viewer").get("/v1/directory/agents?sortBy=&sortDir=").then().statusCode(200).body("total", equalTo(3));

        Map<String, Object> detail = as(org, "viewer").get("/v1/registry/agents/" + triage).then().statusCode(200)
                .extract().as(Map.class);
        assertEquals(Set.of("success", "agent"), detail.keySet());
        Map<String, Object> d = (Map<String, Object>) detail.get("agent");
        assertEquals(Set.of("id", "agent_id", "display_name", "description", "agent_type", "status", "version", "risk_config",
                "capabilities", "mcp_integration", "notifications", "tags", "metadata", "audit"), d.keySet());
        assertEquals(Map.of("default_risk_score", 50, "auto_approve_below", 30, "max_risk_threshold", 80,
                "requires_mfa_above", 70, "autonomous_auto_approve_below", 20, "autonomous_max_risk_threshold", 60), d.get("risk_config"));
        assertEquals(Map.of("allowed_action_types", List.of("detections:read"), "allowed_resources", List.of("crowdstrike"),
                "blocked_resources", List.of("customer-pii")), d.get("capabilities"));
        assertEquals(Map.of("team", "soc"), d.get("metadata"));
        Map<String, Object> audit = (Map<String, Object>) d.get("audit");
        assertEquals(Set.of("created_at", "created_by", "updated_at", "updated_by", "approved_at", "approved_by"), audit.keySet());
        assertEquals("user:alice", audit.get("created_by"));
        assertEquals("user:bob", audit.get("updated_by"));

        as(org, "viewer").get("/v1/registry/agents/" + UUID.randomUUID()).then().statusCode(404);
        as(org, "viewer").get("/v1/registry/agents/my-production-agent").then().statusCode(404).body("error.code", notNullValue());
    }

    @Test
    void seed004ListAndDetailExactly() {
        UUID realm = UUID.randomUUID();
        AgentSnapshot base = agent(org.id(), UUID.randomUUID(), "analyst-gpt4", AgentStatus.INACTIVE, 0, 1);
        String did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
        AgentSnapshot analyst = new AgentSnapshot(base.id(), base.orgId(), base.name(), base.description(), base.ownerId(),
                "external", null, AgentStatus.INACTIVE, 0, null, null, null, null, base.agentType(), base.riskConfig(),
                base.capabilities(), base.mcpIntegration(), base.notifications(), List.of(), base.metadata(), 1, T0, "rule:helpers",
                T0, "rule:helpers", did, "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", List.of("api_call", "file_access"),
                T0, "rule:helpers", realm, "openai", "gpt-4o", "You are a financial analyst.", null);
        publish(Topics.AGENTS, CloudEvent.of("/warden/agent-service", EventTypes.REALM_CREATED, realm.toString(), org.id(),
                        new AgentEvents.RealmChanged(new AgentEvents.Realm(realm, org.id(), "Engineering", "eng", "#3b82f6", T0,
                                "user:alice", T0, "user:alice"), "user:alice")),
                changed(analyst));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                as(org, "viewer").get("/v1/directory/agents?q=z6MkhaX").then().extract().<Integer>path("total") == 1);

        Map<String, Object> list = as(org, "viewer").get("/v1/directory/agents?capabilities=api_call,file_access")
                .then().statusCode(200).extract().as(Map.class);
        assertEquals(Set.of("agents", "total", "page", "pageSize", "totalPages", "online"), list.keySet());
        assertEquals(Map.of("total", 1, "page", 1, "pageSize", 20, "totalPages", 1, "online", 0),
                Map.of("total", list.get("total"), "page", list.get("page"), "pageSize", list.get("pageSize"),
                        "totalPages", list.get("totalPages"), "online", list.get("online")));
        Map<String, Object> a = ((List<Map<String, Object>>) list.get("agents")).getFirst();
        assertEquals(Set.of("id", "name", "capabilities", "llmProvider", "llmModel", "isOnline", "registeredAt", "lastSeen",
                "realm", "status"), a.keySet(), "seed 004's fields and the status");
        assertEquals("inactive", a.get("status"));
        assertEquals(did, a.get("id"));
        assertEquals(List.of("api_call", "file_access"), a.get("capabilities"));
        assertEquals("openai", a.get("llmProvider"));
        assertEquals(false, a.get("isOnline"));
        assertEquals(Map.of("id", realm.toString(), "name", "Engineering", "slug", "eng", "color", "#3b82f6"), a.get("realm"));

        as(org, "viewer").get("/v1/directory/agents?realm=eng").then().body("total", equalTo(1));
        as(org, "viewer").get("/v1/directory/agents?realm=" + realm).then().body("total", equalTo(1));
        as(org, "viewer").get("/v1/directory/agents?capabilities=api_call,mail_send").then().body("total", equalTo(0));
        as(org, "viewer").get("/v1/directory/agents?online=true").then().body("total", equalTo(0));
        // seed 004's Python client sends str(True)
        as(org, "viewer").get("/v1/directory/agents?online=True").then().statusCode(200).body("total", equalTo(0));
        as(org, "viewer").get("/v1/directory/agents?online=False").then().statusCode(200).body("total", equalTo(4));
        as(org, "viewer").get("/v1/directory/agents?pageSize=2&page=2&sortBy=name&sortDir=desc").then().statusCode(200)
                .body("total", equalTo(4)).body("totalPages", equalTo(2)).body("agents.size()", equalTo(2))
                .body("agents[1].name", equalTo("analyst-gpt4"));
        for (String bad : List.of("page=0", "pageSize=501", "sortBy=size", "sortDir=up", "online=maybe")) {
            as(org, "viewer").get("/v1/directory/agents?" + bad).then().statusCode(400).body("error.code", notNullValue());
        }

        Map<String, Object> detail = as(org, "viewer").get("/v1/directory/agents/" + did).then().statusCode(200)
                .extract().as(Map.class);
        assertEquals(Set.of("id", "name", "capabilities", "llmProvider", "llmModel", "llmSystemPrompt", "isOnline",
                "registeredAt", "lastSeen", "publicKey", "realm", "status"), detail.keySet());
        // Beyond the seed: whether the agent is suspended, which its key's users must know (its key may have leaked)
        as(org, "viewer").get("/v1/directory/agents/" + held).then().statusCode(200).body("status", equalTo("suspended"));
        assertEquals("You are a financial analyst.", detail.get("llmSystemPrompt"));
        assertEquals("z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", detail.get("publicKey"));
        as(org, "viewer").get("/v1/directory/agents/" + triage).then().statusCode(200).body("id", equalTo(triage.toString()));
        as(org, "viewer").get("/v1/directory/agents/did:key:z6Mkunknown").then().statusCode(404);

        // The realm renamed: its agents are shown with the new name, so a client syncing with updated_since meets them
        // again (it kept the old name: they were not counted as changed)
        Instant beforeRename = Instant.now();
        publish(Topics.AGENTS, CloudEvent.of("/warden/agent-service", EventTypes.REALM_CHANGED, realm.toString(), org.id(),
                new AgentEvents.RealmChanged(new AgentEvents.Realm(realm, org.id(), "Platform", "eng", "#ef4444", T0,
                        "user:alice", T0, "user:bob"), "user:bob")));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                as(org, "viewer").get("/v1/directory/agents?updated_since=" + beforeRename).then().statusCode(200)
                        .body("total", equalTo(1)).body("agents[0].id", equalTo(did))
                        .body("agents[0].realm.name", equalTo("Platform")));
    }

    @Test
    void updatedSinceOnEveryListGivesWhatChangedAfterItAndTheSummaryStaysWhole() {
        TestOrg fresh = organization();
        UUID still = UUID.randomUUID();
        UUID moved = UUID.randomUUID();
        publish(Topics.AGENTS, changed(agent(fresh.id(), still, "still-agent", AgentStatus.INACTIVE, 0, 1)),
                changed(agent(fresh.id(), moved, "moved-agent", AgentStatus.INACTIVE, 0, 1)));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                as(fresh, "viewer").get("/v1/registry").then().extract().<Integer>path("total") == 2);
        Instant since = Instant.now();
        publish(Topics.AGENTS, changed(agent(fresh.id(), moved, "moved-agent", AgentStatus.SUSPENDED, 1, 2)));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                as(fresh, "viewer").get("/v1/registry?updated_since=" + since).then().statusCode(200)
                        .body("total", equalTo(1)).body("agents.id", contains(moved.toString()))
                        .body("summary.total_agents", equalTo(2)));
        as(fresh, "viewer").get("/v1/registry/agents?updated_since=" + since).then().statusCode(200)
                .body("pagination.total", equalTo(1)).body("agents.agent_id", contains(moved.toString()));
        as(fresh, "viewer").get("/v1/directory/agents?updated_since=" + since).then().statusCode(200)
                .body("total", equalTo(1)).body("agents.id", contains(moved.toString()));
        as(fresh, "viewer").get("/v1/registry?status=inactive&updated_since=" + since).then().statusCode(200)
                .body("total", equalTo(0)).body("agents.size()", equalTo(0));
        as(fresh, "viewer").get("/v1/registry?updated_since=yesterday").then().statusCode(400)
                .body("error.details[0].field", equalTo("updated_since"));
    }

    @Test
    void theDirectoryPagesByCursorInTheRegistrationOrder() {
        TestOrg fresh = organization();
        List<UUID> ids = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
        publish(Topics.AGENTS, ids.stream().map(id -> changed(agent(fresh.id(), id, "agent-" + id, AgentStatus.ACTIVE, 1, 1)))
                .toArray(CloudEvent[]::new));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                as(fresh, "viewer").get("/v1/directory/agents").then().extract().<Integer>path("total") == 3);
        List<String> inOrder = as(fresh, "viewer").get("/v1/directory/agents?sortBy=registeredAt&pageSize=3").then()
                .statusCode(200).extract().path("agents.id");
        assertEquals(3, inOrder.size());

        // The seed's own order and paging keep the seed's shape: no nextCursor
        Map<String, Object> seed = as(fresh, "viewer").get("/v1/directory/agents?pageSize=2").then().statusCode(200)
                .extract().as(Map.class);
        assertEquals(Set.of("agents", "total", "page", "pageSize", "totalPages", "online"), seed.keySet());

        String next = as(fresh, "viewer").get("/v1/directory/agents?sortBy=registeredAt&pageSize=2").then().statusCode(200)
                .body("agents.id", contains(inOrder.get(0), inOrder.get(1))).body("nextCursor", notNullValue())
                .extract().path("nextCursor");
        Map<String, Object> last = as(fresh, "viewer").get("/v1/directory/agents?pageSize=2&cursor=" + next).then()
                .statusCode(200).body("agents.id", contains(inOrder.get(2))).body("total", equalTo(3))
                .extract().as(Map.class);
        assertTrue(!last.containsKey("nextCursor"), "the last page of a walk offers no cursor: " + last);
        as(fresh, "viewer").get("/v1/directory/agents?sortBy=registeredAt&pageSize=3").then().statusCode(200)
                .body("agents.size()", equalTo(3)).body("nextCursor", nullValue());
        for (String bad : List.of("cursor=" + next + "&page=2", "cursor=" + next + "&sortBy=name",
                "cursor=" + next + "&sortDir=desc", "cursor=nope")) {
            as(fresh, "viewer").get("/v1/directory/agents?" + bad).then().statusCode(400)
                    .body("error.details[0].field", equalTo("cursor"));
        }
    }

    @Test
    void byNameIsInTheOrderAPersonReadsWhateverTheCase() {
        TestOrg fresh = organization();
        List<String> names = List.of("beta", "Alpha", "alpha-2", "Gamma");
        publish(Topics.AGENTS, names.stream().map(name -> changed(agent(fresh.id(), UUID.randomUUID(), name,
                AgentStatus.ACTIVE, 1, 1))).toArray(CloudEvent[]::new));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                as(fresh, "viewer").get("/v1/directory/agents").then().extract().<Integer>path("total") == 4);
        // Capitals sorted before every lower-case name: "Alpha", "Gamma", "alpha-2", "beta"
        List<String> sorted = List.of("Alpha", "alpha-2", "beta", "Gamma");
        as(fresh, "viewer").get("/v1/directory/agents?sortBy=name").then().statusCode(200)
                .body("agents.name", equalTo(sorted));
        as(fresh, "viewer").get("/v1/directory/agents?sortBy=name&sortDir=desc").then().statusCode(200)
                .body("agents.name", equalTo(sorted.reversed()));
        as(fresh, "viewer").get("/v1/registry/agents?sort=name").then().statusCode(200)
                .body("agents.display_name", equalTo(sorted));
        as(fresh, "viewer").get("/v1/registry/agents?sort=-name").then().statusCode(200)
                .body("agents.display_name", equalTo(sorted.reversed()));
    }

    @Test
    void anotherOrganizationSeesNoneOfItAndCredentialsAreNeeded() {
        TestOrg other = organization();
        as(other, "admin").get("/v1/registry").then().statusCode(200).body("total", equalTo(0))
                .body("summary.total_agents", equalTo(0));
        as(other, "admin").get("/v1/registry/agents/" + triage).then().statusCode(404);
        as(other, "admin").get("/v1/directory/agents/" + triage).then().statusCode(404);
        as(other, "admin").get("/v1/directory/agents").then().body("total", equalTo(0));
        io.restassured.RestAssured.get("/v1/registry").then().statusCode(401).body("error.code", notNullValue());
        as(org, "instance").get("/v1/registry").then().statusCode(403);
    }

    @Test
    void anAuditEventIsReflectedWithinSecondsAndFreshnessIsAMetric() {
        Map<String, Object> before = agentOf(as(org, "viewer").get("/v1/registry").then().extract().path("agents"), triage);
        int counted = (Integer) before.get("audit_action_count");
        long sent = System.nanoTime();
        publish(Topics.AUDIT, entry(org.id(), 7, triage, Instant.now().truncatedTo(ChronoUnit.MILLIS)));
        // Generous on a shared machine: the point is that it is bounded, not how fast (bench/ measures that).
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                agentOf(as(org, "viewer").get("/v1/registry").then().extract().path("agents"), triage)
                        .get("audit_action_count").equals(counted + 1));
        assertTrue(Duration.ofNanos(System.nanoTime() - sent).compareTo(Duration.ofSeconds(10)) < 0);
        String metrics = io.restassured.RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("warden_registry_freshness_seconds_count"), "the freshness timer is exported");
    }

    @Test
    void anActiveAgentWhoseNewestRunFailedIsInErrorUntilARunSucceeds() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        publish(Topics.EXECUTIONS, dev.warden.registry.support.History.executionFinished(org.id(), triage, "oom", now),
                // an older success arriving late changes nothing
                dev.warden.registry.support.History.executionFinished(org.id(), triage, "success", now.minusSeconds(60)));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                as(org, "viewer").get("/v1/registry?status=error").then().extract().<Integer>path("total") == 1);
        as(org, "viewer").get("/v1/registry").then().body("summary.status_breakdown.error", equalTo(1))
                .body("summary.status_breakdown.active", equalTo(0));
        as(org, "viewer").get("/v1/registry/agents/" + triage).then().body("agent.status", equalTo("active"));

        publish(Topics.EXECUTIONS, dev.warden.registry.support.History.executionFinished(org.id(), triage, "success", now.plusSeconds(1)));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                as(org, "viewer").get("/v1/registry?status=error").then().extract().<Integer>path("total") == 0);
    }

    @Test
    void fleetInstancesMakeAgentsOnlineSeenOrInErrorWhenAllAreOffline() {
        Instant beat = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(300);
        String first = "agent-" + UUID.randomUUID().toString().substring(0, 8);
        String second = "agent-" + UUID.randomUUID().toString().substring(0, 8);
        // Active and never seen alive: no live instance (it was left out for having no instance at all)
        as(org, "viewer").get("/v1/registry").then()
                .body("summary.gaps.active_without_live_instance.ids", hasItem(triage.toString()));
        publish(Topics.FLEET,
                dev.warden.registry.support.History.transition(org.id(), first, triage, null, "online", beat, beat),
                dev.warden.registry.support.History.transition(org.id(), second, triage, null, "online", beat.plusSeconds(5), beat.plusSeconds(5)));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                as(org, "viewer").get("/v1/directory/agents?online=true").then().extract().<Integer>path("total") == 1);
        as(org, "viewer").get("/v1/directory/agents/" + triage).then().body("isOnline", equalTo(true))
                .body("lastSeen", equalTo(beat.plusSeconds(5).toString()));
        as(org, "viewer").get("/v1/registry").then().body("summary.instances.online", equalTo(2))
                .body("summary.status_breakdown.error", equalTo(0))
                .body("summary.gaps.active_without_live_instance.ids", not(hasItem(triage.toString())));

        // Both go silent: stale, then offline (one with a stale transition arriving after its offline one).
        publish(Topics.FLEET,
                dev.warden.registry.support.History.transition(org.id(), first, triage, "online", "offline", beat, beat.plusSeconds(600)),
                dev.warden.registry.support.History.transition(org.id(), first, triage, "online", "stale", beat, beat.plusSeconds(120)),
                dev.warden.registry.support.History.transition(org.id(), second, triage, "online", "stale", beat.plusSeconds(5), beat.plusSeconds(125)),
                dev.warden.registry.support.History.transition(org.id(), second, triage, "stale", "offline", beat.plusSeconds(5), beat.plusSeconds(605)));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                as(org, "viewer").get("/v1/registry?status=error").then().extract().<Integer>path("total") == 1);
        as(org, "viewer").get("/v1/registry").then().body("summary.instances.offline", equalTo(2))
                .body("summary.gaps.active_without_live_instance.ids", contains(triage.toString()));
        as(org, "viewer").get("/v1/directory/agents?online=false").then().body("total", equalTo(3));

        // Deregistered instances no longer count: with none left, the agent is no longer in error.
        publish(Topics.FLEET,
                dev.warden.registry.support.History.transition(org.id(), first, triage, "offline", "deregistered", beat, beat.plusSeconds(700)),
                dev.warden.registry.support.History.transition(org.id(), second, triage, "offline", "deregistered", beat.plusSeconds(5), beat.plusSeconds(700)));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                as(org, "viewer").get("/v1/registry?status=error").then().extract().<Integer>path("total") == 0);
        // ... but the agent was seen: lastSeen keeps the newest heartbeat of the instances it had
        as(org, "viewer").get("/v1/directory/agents/" + triage).then().body("isOnline", equalTo(false))
                .body("lastSeen", equalTo(beat.plusSeconds(5).toString()));
        as(org, "viewer").get("/v1/registry").then()
                .body("summary.gaps.active_without_live_instance.ids", hasItem(triage.toString()));
    }

    @Test
    void theDatabaseKeepsEachOrganizationsRowsApart() {
        UUID stranger = UUID.randomUUID();
        for (String table : List.of("registry_agents", "registry_agent_stats", "registry_connectors",
                "registry_policy_bindings", "registry_drift", "registry_compliance", "registry_audit_progress",
                "registry_pending_registrations")) {
            long mine = count(org.id(), table);
            long theirs = count(stranger, table);
            assertTrue(mine > 0, table + " has the organization's rows");
            assertEquals(0, theirs, table + " shows another organization nothing");
        }
        // Writing a row of another organization inside this one's transaction is refused by the policy.
        Throwable refused = assertThrows(RuntimeException.class, () -> db.inOrg(org.id(),
                conn -> conn.preparedQuery("INSERT INTO registry_audit_progress (org_id, sequence) VALUES ($1, 1)")
                        .execute(io.vertx.mutiny.sqlclient.Tuple.of(stranger))).await().atMost(Duration.ofSeconds(10)));
        assertTrue(String.valueOf(refused.getMessage()).contains("row-level security"), String.valueOf(refused.getMessage()));
    }

    private long count(UUID org, String table) {
        return db.inOrg(org, conn -> conn.query("SELECT count(*) FROM " + table).execute()
                .map(rows -> rows.iterator().next().getLong(0))).await().atMost(Duration.ofSeconds(10));
    }

    static Map<String, Object> agentOf(List<Map<String, Object>> agents, UUID id) {
        return agents.stream().filter(a -> id.toString().equals(a.get("id"))).findFirst().orElse(Map.of());
    }
}
