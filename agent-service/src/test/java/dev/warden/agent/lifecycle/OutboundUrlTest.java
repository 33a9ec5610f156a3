package dev.warden.agent.lifecycle;

import dev.warden.agent.support.AgentMother;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** Webhook and MCP server URLs may not point inside unless the organization's allow-list admits them. */
@QuarkusTest
class OutboundUrlTest {

    private Tenant tenant;

    @BeforeEach
    void organization() {
        tenant = Tenants.create();
    }

    @Test
    void urlsThatPointInsideAreRefusedAndNothingIsCreated() {
        for (String url : List.of("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:5432/", "http://localhost/",
                "http://10.0.0.5/", "http://[::1]/", "http://metadata.google.internal/", "http://2130706433/")) {
            tenant.admin().body(mcp(url)).post("/v1/agents").then().statusCode(400)
                    .body("error.details[0].field", equalTo("mcp_integration.mcp_server_url"))
                    .body("error.details[0].reason", containsString("outbound allow-list"));
            tenant.admin().body(webhook(url)).post("/v1/agents").then().statusCode(400)
                    .body("error.details[0].field", equalTo("notifications.webhook_url"));
        }
        // Nor a port no connection could use.
        for (String url : List.of("https://hooks.example.com:99999/warden", "https://hooks.example.com:0/warden")) {
            tenant.admin().body(webhook(url)).post("/v1/agents").then().statusCode(400)
                    .body("error.details[0].field", equalTo("notifications.webhook_url"));
        }
        tenant.admin().get("/v1/agents").then().body("total", equalTo(0));

        tenant.admin().body(mcp("https://mcp.example.com:8443/sse")).post("/v1/agents").then().statusCode(201);
        tenant.admin().body(webhook("https://hooks.example.com/warden")).post("/v1/agents").then().statusCode(201);
    }

    @Test
    void aPlatformAdministratorAdmitsInternalAddressesForOneOrganization() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        tenant.admin().body(Map.of("mcp_integration", Map.of("mcp_server_url", "http://10.20.1.2:8080/mcp")))
                .patch("/v1/agents/" + id).then().statusCode(400);

        tenant.admin().body(Map.of("entries", List.of("10.20.0.0/16"))).put("/v1/orgs/" + tenant.orgId() + "/outbound-allow-list")
                .then().statusCode(403);
        Tenants.platform().body(Map.of("entries", List.of("10.20.0.0/16", "nope/x", "*.corp.internal")))
                .put("/v1/orgs/" + tenant.orgId() + "/outbound-allow-list").then().statusCode(400)
                .body("error.details[0].field", equalTo("entries[1]"));
        // A colon made any entry an IPv6 literal; an address with a port or leading zeros is no entry either
        Tenants.platform().body(Map.of("entries", List.of("host:port:x")))
                .put("/v1/orgs/" + tenant.orgId() + "/outbound-allow-list").then().statusCode(400)
                .body("error.details[0].field", equalTo("entries[0]"));
        Tenants.platform().body(Map.of("entries", List.of("10.20.0.0/16", "1.2.3.4:80", "010.0.0.1")))
                .put("/v1/orgs/" + tenant.orgId() + "/outbound-allow-list").then().statusCode(400)
                .body("error.details.field", equalTo(List.of("entries[1]", "entries[2]")));
        Tenants.platform().body(Map.of("entries", List.of("10.20.0.0/16", "*.Corp.Internal")))
                .put("/v1/orgs/" + tenant.orgId() + "/outbound-allow-list").then().statusCode(200)
                .body("outbound_allow_list", equalTo(List.of("10.20.0.0/16", "*.corp.internal")));

        tenant.admin().body(Map.of("mcp_integration", Map.of("mcp_server_url", "http://10.20.1.2:8080/mcp"),
                        "notifications", Map.of("webhook_url", "http://hooks.corp.internal/warden")))
                .patch("/v1/agents/" + id).then().statusCode(200)
                .body("mcp_integration.mcp_server_url", equalTo("http://10.20.1.2:8080/mcp"));
        tenant.admin().body(mcp("http://10.21.0.1/")).post("/v1/agents").then().statusCode(400);
        Tenants.create().admin().body(mcp("http://10.20.1.2/")).post("/v1/agents").then().statusCode(400);

        // Narrowing the list later does not block edits of other fields.
        Tenants.platform().body(Map.of("entries", List.of())).put("/v1/orgs/" + tenant.orgId() + "/outbound-allow-list")
                .then().statusCode(200);
        tenant.admin().body(Map.of("description", "still editable")).patch("/v1/agents/" + id).then().statusCode(200);
        tenant.admin().body(Map.of("notifications", Map.of("webhook_url", "http://hooks.corp.internal/v2")))
                .patch("/v1/agents/" + id).then().statusCode(400);
    }

    private static Map<String, Object> mcp(String url) {
        return AgentMother.with(AgentMother.triageAgent(), "mcp_integration", Map.of("mcp_server_url", url));
    }

    private static Map<String, Object> webhook(String url) {
        return AgentMother.with(AgentMother.triageAgent(), "notifications", Map.of("webhook_url", url));
    }
}
