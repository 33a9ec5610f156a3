package dev.warden.agent;

import dev.warden.agent.support.AgentOutageProfile;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.AgentKeys;
import dev.warden.agent.support.AgentMother;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.events.EventJson;
import dev.warden.testing.openapi.ApiContract;
import dev.warden.testing.WardenInfra;
import dev.warden.testing.openapi.ApiContract.Prepared;
import java.util.List;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

import static io.restassured.RestAssured.given;

/**
 * A real answer of every operation, recorded under target/contract and checked against the document; with the broker
 * behind a proxy (the outage tests' profile), for the answers only its absence gives.
 */
@QuarkusTest
@TestProfile(AgentOutageProfile.class)
class ContractTest {

    @Test
    void everyOperationsRecordedAnswerMatchesTheDocument() {
        Path recordings = Path.of("target", "contract");
        Tenant tenant = Tenants.create();
        ApiContract.of(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString())
                .at(URI.create(RestAssured.baseURI + ":" + RestAssured.port))
                .asOrgAdmin(Map.of("X-API-Key", tenant.adminKey()))
                // A rule to read: a generated one names capabilities the document cannot enumerate, and so is refused
                .knowing(Map.of("rule_id", tenant.admin().body(Map.of("name", "known-" + java.util.UUID.randomUUID(),
                                "capabilities", List.of("browser_control"), "agentType", "mcp_server"))
                        .post("/v1/registrations/rules").then().statusCode(201).extract().<String>path("id")))
                // Seed 004's proof of possession: only a key the test holds can sign the challenge.
                .preparing("registerAgent", () -> new Prepared("/v1/agents/register",
                        json(AgentKeys.generate().registration(tenant, tenant.adminKey(), "contract-agent", List.of("api_call")))))
                .preparing("approveRegistration", () -> new Prepared("/v1/registrations/"
                        + AgentKeys.generate().register(tenant, "approved", List.of("api_call", "file_access")) + "/approve",
                        json(Map.of("capabilities", List.of("api_call")))))
                .preparing("rejectRegistration", () -> new Prepared("/v1/registrations/"
                        + AgentKeys.generate().register(tenant, "rejected", List.of("api_call")) + "/reject",
                        json(Map.of("reason", "needs review"))))
                // Capability names are the organization's configured list, which the document cannot enumerate. The rules
                // match nothing the other preparations register, which must stay pending.
                .preparing("createRegistrationRule", () -> new Prepared("/v1/registrations/rules",
                        json(Map.of("name", "contract-" + java.util.UUID.randomUUID(), "capabilities", List.of("browser_control"),
                                "agentType", "mcp_server", "maxRiskScore", 20))))
                .preparing("deleteRegistrationRule", () -> new Prepared("/v1/registrations/rules/" + tenant.admin()
                        .body(Map.of("name", "doomed-" + java.util.UUID.randomUUID(), "capabilities", List.of("browser_control"),
                                "agentType", "mcp_server"))
                        .post("/v1/registrations/rules").then().statusCode(201).extract().path("id"), null))
                // A rollback needs an agent with two versions that is not suspended; whether the generated calls leave
                // one depends on the order of their random choices, so the test makes one.
                .preparing("rollbackAgent", () -> new Prepared("/v1/agents/" + agentWithTwoVersions(tenant) + "/rollback", null))
                .asPlatformAdmin(Map.of("X-API-Key", Tenants.PLATFORM_KEY))
                // A creation that shows a secret while the broker is away: accepted (202), the secret shown all the same
                .preparing("createApiKey", "not-in-force", () -> {
                    WardenInfra.kafkaProxy().cut();
                    return new Prepared("/v1/api-keys", json(Map.of("name", "made while the broker is away", "role", "viewer")));
                })
                .preparing("createOrganization", "not-in-force", () -> new Prepared("/v1/orgs",
                        json(Map.of("name", "contract-" + java.util.UUID.randomUUID())), () -> WardenInfra.kafkaProxy().restore()))
                .record(recordings)
                .replay(recordings);
    }

    private static String agentWithTwoVersions(Tenant tenant) {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201).extract().path("id");
        for (String image : List.of("registry.example.com/contract:v1", "registry.example.com/contract:v2")) {
            tenant.admin().body(AgentMother.deployment(image)).post("/v1/agents/" + id + "/deploy").then().statusCode(200);
        }
        return id;
    }

    private static String json(Object body) {
        try {
            return EventJson.MAPPER.writeValueAsString(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
