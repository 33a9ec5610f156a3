package dev.warden.agent.lifecycle;

import dev.warden.agent.support.AgentMother;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.ValidatableResponse;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every class of bad input answers its 4xx in the one error shape, and changes nothing. */
@QuarkusTest
class BadInputTest {

    @Inject
    Vertx vertx;

    private Tenant tenant;

    @BeforeEach
    void newOrganization() {
        tenant = Tenants.create();
    }

    /**
     * Seed 001 takes rollback's target in the query string: a body naming one would be ignored and the agent rolled
     * back to the previous version instead, answered 200. A body an operation does not read is a 400, and nothing happens.
     */
    @Test
    void aBodySentToAnOperationThatTakesNoneIsA400AndNothingHappens() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        for (int v = 1; v <= 3; v++) {
            tenant.admin().body(java.util.Map.of("image_uri", "registry.example.com/triage:v" + v))
                    .post("/v1/agents/" + id + "/deploy").then().statusCode(200);
        }
        errorShape(tenant.admin().body(java.util.Map.of("target_version", 1)).post("/v1/agents/" + id + "/rollback").then(), 400)
                .body("error.message", containsString("takes no body"));
        errorShape(tenant.admin().body("{").post("/v1/agents/" + id + "/suspend").then(), 400);
        tenant.admin().get("/v1/agents/" + id).then().body("version", equalTo(3)).body("status", equalTo("active"));
        // No body, or an empty one, is what the seed sends
        tenant.admin().body("").post("/v1/agents/" + id + "/rollback?target_version=1").then().statusCode(200)
                .body("version", equalTo(1));
        tenant.admin().post("/v1/agents/" + id + "/suspend").then().statusCode(200).body("status", equalTo("suspended"));
    }

    /**
     * Every agent event carries the whole agent. A user trial grew an agent past what Kafka takes with PATCHes under the
     * request limit: its event stopped agent-service's outbox relay at that row, for good and for every organization
     * (every deploy and suspension answered 503, and a suspended agent still ran). An agent is at most 512 KiB as JSON,
     * all its fields together (a 413, nothing changed), and a policy's rules 256 KiB; what is within them is
     * published, and the suspension after it is in force.
     */
    @Test
    void anAgentOrPolicyLargerThanItsEventsMayCarryIsA413OrA400AndTheOutboxGoesOn() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        // 300,000 three-byte characters: 900,000 bytes, within the request limit
        Map<String, Object> mcp = Map.of("mcp_integration", Map.of("mcp_capabilities", Map.of("tools", "€".repeat(300_000))));
        errorShape(tenant.admin().body(mcp).patch("/v1/agents/" + id).then(), 413)
                .body("error.code", equalTo("payload_too_large")).body("error.message", containsString("524288"));
        // Lists of 100 entries of 200 three-byte characters: 180,000 bytes, taken; then 360,000 more, refused
        java.util.List<String> list = java.util.Collections.nCopies(100, "€".repeat(199) + "x");
        int revision = tenant.admin().body(Map.of("capabilities", Map.of("allowed_action_types", list,
                        "allowed_resources", list, "blocked_resources", list))).patch("/v1/agents/" + id).then()
                .statusCode(200).extract().path("revision");
        errorShape(tenant.admin().body(Map.of("mcp_integration", Map.of("mcp_capabilities",
                Map.of("tools", "€".repeat(120_000))))).patch("/v1/agents/" + id).then(), 413);
        tenant.admin().get("/v1/agents/" + id).then().body("revision", equalTo(revision))
                .body("mcp_integration.mcp_capabilities.tools", org.hamcrest.Matchers.nullValue());
        errorShape(tenant.admin().body(Map.of("name", "large", "rules", java.util.List.of(Map.of("text", "€".repeat(100_000)))))
                .post("/v1/policies").then(), 400).body("error.details[0].field", equalTo("rules"));
        // A connector binding's config: at most 64 KiB (a trial's 100 bindings of 950 KB made one page 95 MB)
        errorShape(tenant.admin().body(Map.of("connector", "jira", "config", Map.of("text", "€".repeat(30_000))))
                .post("/v1/agents/" + id + "/connectors").then(), 400).body("error.details[0].field", equalTo("config"));
        tenant.admin().body(Map.of("connector", "jira", "config", Map.of("text", "€".repeat(20_000))))
                .post("/v1/agents/" + id + "/connectors").then().statusCode(201);
        // Answered once its event is on the broker: the relay was not stopped
        tenant.admin().post("/v1/agents/" + id + "/suspend").then().statusCode(200).body("status", equalTo("suspended"));
    }

    /**
     * HTTP/2 frames a body without any length, which what looks for a body (the filters above, the size limits) does
     * not see: a rollback with a body in a frame was rolled back to the previous version, answered 200. A service
     * speaks HTTP/1.1 only, to the gateway and probes: a client that speaks HTTP/2 to it directly gets no answer in
     * HTTP/2, and nothing happens.
     */
    @Test
    void aServiceSpeaksNoHttp2SoNoBodyGetsPastUnframed() throws Exception {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        for (int v = 1; v <= 3; v++) {
            tenant.admin().body(Map.of("image_uri", "registry.example.com/triage:v" + v))
                    .post("/v1/agents/" + id + "/deploy").then().statusCode(200);
        }
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
        try {
            HttpClientResponse answer = client.request(HttpMethod.POST, RestAssured.port, "localhost",
                            "/v1/agents/" + id + "/rollback")
                    .compose(request -> {
                        request.putHeader("X-API-Key", tenant.adminKey()).putHeader("Content-Type", "application/json");
                        request.setChunked(true);
                        request.write("{\"target_version\": 1}");
                        return request.end().compose(done -> request.response());
                    })
                    .toCompletionStage().toCompletableFuture().handle((response, failure) -> response)
                    .get(30, TimeUnit.SECONDS);
            assertTrue(answer == null || answer.version() != HttpVersion.HTTP_2 || answer.statusCode() >= 400,
                    "answered over HTTP/2: " + (answer == null ? null : answer.statusCode()));
        } finally {
            client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        tenant.admin().get("/v1/agents/" + id).then().body("version", equalTo(3));
    }

    @Test
    void malformedJsonIsA400() {
        errorShape(tenant.admin().body("{\"name\": \"x\", ").post("/v1/agents").then(), 400)
                .body("error.code", equalTo("malformed_json"));
        // Cut short inside a value (a Content-Length shorter than the body): the body is malformed, not the field
        for (String cut : java.util.List.of("{\"name\":\"s", "{\"name\": \"triage\", \"runtime\": \"dock", "{\"name\": tru")) {
            errorShape(tenant.admin().body(cut).post("/v1/agents").then(), 400)
                    .body("error.code", equalTo("malformed_json"));
        }
        // Two values, the first a whole agent: malformed too, and said so (not "must be an object")
        String two = "{\"name\": \"two\", \"runtime\": \"docker\"}{\"a\": 1}";
        errorShape(tenant.admin().body(two).post("/v1/agents").then(), 400)
                .body("error.code", equalTo("malformed_json"))
                .body("error.message", equalTo("The request body is not valid JSON: it holds more than one value"));
        assertNoAgents();
    }

    @Test
    void aBodyNotSentAsJsonIsA415SayingHowToSendItAndNothingIsStored() {
        // What curl sends for -d without -H: the form type
        errorShape(given().header("X-API-Key", tenant.adminKey()).contentType("application/x-www-form-urlencoded")
                .body("{\"name\": \"form\", \"runtime\": \"docker\"}").post("/v1/agents").then(), 415)
                .body("error.code", equalTo("unsupported_media_type"))
                .body("error.message", containsString("Content-Type: application/json"))
                .body("error.message", containsString("\"application/x-www-form-urlencoded"));
        errorShape(given().header("X-API-Key", tenant.adminKey()).contentType("text/plain")
                .body("{}").post("/v1/agents").then(), 415)
                .body("error.message", containsString("\"text/plain"));
        assertNoAgents();
    }

    @Test
    void anAcceptWardenCannotAnswerIsA406SayingWhatItAnswers() {
        errorShape(tenant.admin().accept("application/xml").get("/v1/agents").then(), 406)
                .body("error.code", equalTo("not_acceptable"))
                .body("error.message", containsString("\"application/xml\""))
                .body("error.message", containsString("application/json"));
    }

    /** q=0 refuses a type (RFC 9110): JSON refused, and nothing else Warden answers taken, is a 406 (it was a 200). */
    @Test
    void anAcceptRefusingJsonWithAQualityOfZeroIsA406() {
        errorShape(tenant.admin().accept("application/json;q=0").get("/v1/agents").then(), 406)
                .body("error.code", equalTo("not_acceptable"));
        errorShape(tenant.admin().accept("*/*, application/json;q=0").get("/v1/agents").then(), 406);
        tenant.admin().accept("application/json, */*;q=0").get("/v1/agents").then().statusCode(200);
    }

    /** A quality that is no number from 0 to 1 was taken as full quality (a security trial): a 400 naming Accept. */
    @Test
    void anAcceptWithAQualityThatIsNoNumberIsA400() {
        errorShape(tenant.admin().accept("application/json;q=abc").get("/v1/agents").then(), 400)
                .body("error.code", equalTo("invalid_request"))
                .body("error.message", containsString("Accept"));
        errorShape(tenant.admin().accept("application/json;q=1.5").get("/v1/agents").then(), 400);
    }

    /** An Accept without a media type was a 500 on every service (a user trial's {@code Accept: ;}). */
    @Test
    void anAcceptWithoutAMediaTypeIsA400AndOneNamingNoTypeIsAny() {
        for (String accept : java.util.List.of(";;;,/", "json", "application/")) {
            errorShape(tenant.admin().accept(accept).get("/v1/agents").then(), 400)
                    .body("error.message", containsString("Accept"));
        }
        for (String accept : java.util.List.of(";", ";;, ,", ",application/json,", "application/json,,")) {
            tenant.admin().accept(accept).get("/v1/agents").then().statusCode(200).body("agents", org.hamcrest.Matchers.notNullValue());
        }
    }

    @Test
    void contentAfterTheBodyIsMalformedJsonAndNothingIsStored() {
        for (String body : java.util.List.of("{\"name\": \"a\", \"runtime\": \"docker\"} xyz",
                "{\"name\": \"a\", \"runtime\": \"docker\"}{\"name\": \"b\"}")) {
            errorShape(tenant.admin().body(body).post("/v1/agents").then(), 400);
        }
        assertNoAgents();
    }

    /**
     * Every name a person or a log shows is one line: an API key's, a policy's, a realm's, a registration rule's, an
     * organization's (an API key named "a\r\nX-Injected: 1" was taken, and its name is in the audit trail).
     */
    @Test
    void everyNameIsOneLineOfText() {
        for (String name : java.util.List.of("a\r\nX-Injected: 1", "evil\u202etxt", "bell\u0007")) {
            errorShape(tenant.admin().body(Map.of("name", name, "role", "viewer")).post("/v1/api-keys").then(), 400)
                    .body("error.details.field", hasItem("name"));
            errorShape(tenant.admin().body(Map.of("name", name, "rules", java.util.List.of(Map.of("effect", "deny"))))
                    .post("/v1/policies").then(), 400).body("error.details.field", hasItem("name"));
            errorShape(tenant.admin().body(Map.of("name", name)).post("/v1/realms").then(), 400)
                    .body("error.details.field", hasItem("name"));
            errorShape(tenant.admin().body(Map.of("name", name, "capabilities", java.util.List.of("api_call")))
                    .post("/v1/registrations/rules").then(), 400).body("error.details.field", hasItem("name"));
            errorShape(Tenants.platform().body(Map.of("name", name)).post("/v1/orgs").then(), 400)
                    .body("error.details.field", hasItem("name"));
        }
        errorShape(Tenants.platform().body(Map.of("name", " demo")).post("/v1/orgs").then(), 400)
                .body("error.details.field", hasItem("name"));
        tenant.admin().get("/v1/api-keys").then().body("total", equalTo(1));
    }

    @Test
    void controlCharactersInANameAndAnImageThatCouldNeverRunAreA400NamingTheField() {
        for (String name : java.util.List.of("a\nb", "red\u001b[31m", "evil\u202etxt.exe", "bell\u0007")) {
            errorShape(tenant.admin().body(java.util.Map.of("name", name, "runtime", "docker")).post("/v1/agents").then(), 400)
                    .body("error.details.field", org.hamcrest.Matchers.hasItem("name"));
        }
        String id = tenant.admin().body(java.util.Map.of("name", "images", "runtime", "docker")).post("/v1/agents")
                .then().statusCode(201).extract().path("id");
        for (String image : java.util.List.of("a b c", "../../etc/passwd", "team/UPPER:1", "img:", "img@sha256:zz",
                "localhost/" + "a".repeat(300) + ":1")) { // a repository longer than engines take: every run failed
            errorShape(tenant.admin().body(java.util.Map.of("image_uri", image)).post("/v1/agents/" + id + "/deploy").then(), 400)
                    .body("error.details.field", org.hamcrest.Matchers.hasItem("image_uri"));
        }
        tenant.admin().get("/v1/agents/" + id + "/versions").then().statusCode(200).body("total", equalTo(0));
        for (String image : java.util.List.of("busybox", "localhost:5000/team/agent:1.2", "registry.example.com/org/triage-agent:v3",
                "ghcr.io/a/b@sha256:" + "a".repeat(64), "r/" + "a".repeat(253) + ":" + "t".repeat(100))) {
            tenant.admin().body(java.util.Map.of("image_uri", image)).post("/v1/agents/" + id + "/deploy").then().statusCode(200);
        }
    }

    @Test
    void aNumberPastADoublesRangeIsA400NamingItsFieldNotTheStringInfinity() {
        errorShape(tenant.admin().body("{\"name\": \"a\", \"runtime\": \"docker\", \"metadata\": {\"n\": 1e400}}")
                .post("/v1/agents").then(), 400).body("error.details.field", org.hamcrest.Matchers.hasItem("metadata"));
        assertNoAgents();
    }

    /** A deploy's config reaches a run's container in one environment variable: more than 64 KiB of it is refused here. */
    @Test
    void aConfigLargerThanARunCanBeGivenIsA400AtTheDeploy() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        errorShape(tenant.admin().body(java.util.Map.of("image_uri", "registry.example.com/triage:v1",
                "config", java.util.Map.of("blob", "x".repeat(70_000)))).post("/v1/agents/" + id + "/deploy").then(), 400)
                .body("error.details[0].field", equalTo("config"));
        tenant.admin().get("/v1/agents/" + id + "/versions").then().statusCode(200).body("total", equalTo(0));
    }

    /** No content coding is decoded: a body labelled gzip is a 415 saying so, not read as if it were plain. */
    @Test
    void aBodyWithAContentCodingIsA415AndNothingIsStored() {
        errorShape(tenant.admin().header("Content-Encoding", "gzip").body(AgentMother.triageAgent()).post("/v1/agents")
                .then(), 415).body("error.message", containsString("Content-Encoding gzip"));
        assertNoAgents();
        tenant.admin().header("Content-Encoding", "identity").body(AgentMother.triageAgent()).post("/v1/agents")
                .then().statusCode(201);
    }

    /** An emoji is answered as itself in UTF-8, as an accented letter is (it was the escaped pair of its surrogates). */
    @Test
    void aCharacterBeyondTheBasicPlaneIsAnsweredAsItself() {
        byte[] answer = tenant.admin().body(java.util.Map.of("name", "shield-agent", "runtime", "docker",
                        "description", "S\u00e9curit\u00e9 \uD83D\uDEE1")).post("/v1/agents").then().statusCode(201)
                .extract().asByteArray();
        String text = new String(answer, java.nio.charset.StandardCharsets.UTF_8);
        org.junit.jupiter.api.Assertions.assertTrue(text.contains("S\u00e9curit\u00e9 \uD83D\uDEE1"), text);
        org.junit.jupiter.api.Assertions.assertFalse(text.contains("\\uD83D"), text);
    }

    /** A query that is no UTF-8 once percent-decoded is a 400 naming it, as such a body is a 415 (it was taken). */
    @Test
    void aQueryParameterThatIsNotUtf8IsA400NamingIt() {
        errorShape(tenant.admin().urlEncodingEnabled(false).get("/v1/agents?status=%C3").then(), 400)
                .body("error.details[0].field", equalTo("status"))
                .body("error.details[0].reason", containsString("UTF-8"));
        tenant.admin().urlEncodingEnabled(false).get("/v1/agents?status=active").then().statusCode(200);
    }

    /** A wildcard Content-Type names no type: a 415 (Quarkus REST matched it to JSON and read the body). */
    @Test
    void aWildcardContentTypeIsA415AndNothingIsStored() {
        byte[] body = "{\"name\": \"wild\", \"runtime\": \"docker\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (String type : java.util.List.of("*/*", "application/*")) {
            errorShape(tenant.admin().contentType(type).body(body).post("/v1/agents").then(), 415)
                    .body("error.message", containsString("names no type"));
        }
        assertNoAgents();
    }

    /**
     * JSON is UTF-8: a body labelled with another charset is a 415, rather than its bytes read as UTF-8 whatever the
     * label said (these bytes are "café" in UTF-8 and "cafÃ©" in Latin-1, and were stored as the first).
     */
    @Test
    void aBodyLabelledWithACharsetOtherThanUtf8IsA415AndNothingIsStored() {
        byte[] body = "{\"name\": \"café\", \"runtime\": \"docker\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        errorShape(tenant.admin().contentType("application/json; charset=ISO-8859-1").body(body).post("/v1/agents")
                .then(), 415).body("error.message", containsString("charset ISO-8859-1"));
        errorShape(tenant.admin().contentType("application/json; charset=\"utf-16\"").body(body).post("/v1/agents")
                .then(), 415);
        // Nor UTF-16 or UTF-32 without a label, which Jackson recognised by its bytes and read (a security trial)
        String json = "{\"name\": \"a\", \"runtime\": \"docker\"}";
        for (java.nio.charset.Charset other : java.util.List.of(java.nio.charset.StandardCharsets.UTF_16BE,
                java.nio.charset.StandardCharsets.UTF_16LE, java.nio.charset.StandardCharsets.UTF_16,
                java.nio.charset.Charset.forName("UTF-32LE"))) {
            errorShape(tenant.admin().contentType("application/json").body(json.getBytes(other)).post("/v1/agents").then(), 415)
                    .body("error.message", containsString("not UTF-8"));
        }
        // Nor UTF-8 that is not well-formed: an overlong "/" was stored as one (a security re-trial)
        byte[] overlong = {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', 'a', (byte) 0xc0, (byte) 0xaf, 'b', '"', ',', '"',
                'r', 'u', 'n', 't', 'i', 'm', 'e', '"', ':', '"', 'd', 'o', 'c', 'k', 'e', 'r', '"', '}'};
        errorShape(tenant.admin().contentType("application/json").body(overlong).post("/v1/agents").then(), 415)
                .body("error.message", containsString("not UTF-8"));
        assertNoAgents();
        tenant.admin().contentType("application/json; charset=\"UTF-8\"").body(body).post("/v1/agents")
                .then().statusCode(201).body("name", equalTo("café"));
    }

    /**
     * A whole number past its field's type says the range the field takes (it said "invalid value"), the one its schema
     * declares (it said the range of an int, though 101 is refused too).
     */
    @Test
    void anIntegerPastItsFieldsTypeSaysTheRange() {
        errorShape(tenant.admin().body("{\"name\": \"a\", \"runtime\": \"docker\", \"risk_config\": "
                        + "{\"default_risk_score\": 99999999999999999999}}").post("/v1/agents").then(), 400)
                .body("error.details[0].field", equalTo("risk_config.default_risk_score"))
                .body("error.details[0].reason", equalTo("must be an integer from 0 to 100"));
        assertNoAgents();
    }

    @Test
    void aNulCharacterAnywhereInABodyIsA400NamingItsFieldAndNothingIsStored() {
        String nul = "\\u0000"; // the JSON escape; a raw NUL byte is not JSON at all (below)
        String[] bodies = {
            "{\"name\": \"tri" + nul + "age\", \"runtime\": \"docker\"}",
            "{\"name\": \"triage\", \"runtime\": \"docker\", \"tags\": [\"ok\", \"b" + nul + "ad\"]}",
            "{\"name\": \"triage\", \"runtime\": \"docker\", \"metadata\": {\"team\": {\"lead\": \"a" + nul + "\"}}}",
            "{\"name\": \"triage\", \"runtime\": \"docker\", \"metadata\": {\"k" + nul + "\": 1}}"};
        String[] fields = {"name", "tags[1]", "metadata", "metadata"};
        for (int i = 0; i < bodies.length; i++) {
            errorShape(tenant.admin().body(bodies[i]).post("/v1/agents").then(), 400)
                    .body("error.details[0].field", equalTo(fields[i]))
                    .body("error.details[0].reason", containsString("NUL"));
        }
        errorShape(tenant.admin().body("{\"name\": \"a\u0000\", \"runtime\": \"docker\"}").post("/v1/agents").then(), 400)
                .body("error.details[0].field", equalTo("name"));
        tenant.admin().get("/v1/agents").then().body("total", equalTo(0));
    }

    @Test
    void aBodyOverTheLimitIsA413InTheErrorShape() {
        String huge = "{\"name\": \"x\", \"runtime\": \"docker\", \"description\": \"" + "a".repeat(2 * 1024 * 1024) + "\"}";
        errorShape(tenant.admin().body(huge).post("/v1/agents").then(), 413)
                .body("error.code", equalTo("payload_too_large"));
        tenant.admin().get("/v1/agents").then().body("total", equalTo(0));
    }

    /** {"a": {"a": ... {} ...}} nesting {@code depth} objects (the outermost counting one). */
    private static String nested(int depth) {
        return "{\"a\": ".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
    }

    @Test
    void jsonNestedDeeperThanTheLimitIsA400AndNothingIsStoredOrPublished() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        // Free-form fields up to the limit are kept as given (the body is one level, "config" another).
        tenant.admin().body("{\"image_uri\": \"r/a:1\", \"config\": " + nested(30) + "}")
                .post("/v1/agents/" + id + "/deploy").then().statusCode(200);
        // One past it, in a deployment's config, an agent's metadata or a connector's config: a 400, never a change
        // whose event no consumer could read (nor, far deeper, a 500 while writing that event).
        errorShape(tenant.admin().body("{\"image_uri\": \"r/a:2\", \"config\": " + nested(32) + "}")
                .post("/v1/agents/" + id + "/deploy").then(), 400)
                .body("error.message", containsString("deeper than 32 levels"));
        errorShape(tenant.admin().body("{\"metadata\": " + nested(997) + "}").patch("/v1/agents/" + id).then(), 400);
        errorShape(tenant.admin().body("{\"name\": \"deep\", \"runtime\": \"docker\", \"metadata\": " + nested(998)
                + "}").post("/v1/agents").then(), 400);
        errorShape(tenant.admin().body("{\"connector\": \"jira\", \"config\": " + nested(40) + "}")
                .post("/v1/agents/" + id + "/connectors").then(), 400);
        tenant.admin().get("/v1/agents/" + id + "/versions").then().body("total", equalTo(1));
        tenant.admin().get("/v1/agents/" + id).then().body("revision", equalTo(2));
    }

    @Test
    void aDuplicatedKeyIsA400Everywhere() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        errorShape(tenant.admin().body("{\"name\": \"a\", \"name\": \"b\", \"runtime\": \"docker\"}")
                .post("/v1/agents").then(), 400)
                .body("error.code", equalTo("invalid_request"))
                .body("error.details[0].field", equalTo("name"))
                .body("error.details[0].reason", equalTo("is given more than once"));
        // Named by its whole path, in a typed object and in free-form JSON alike
        errorShape(tenant.admin().body("{\"name\": \"a\", \"runtime\": \"docker\", \"risk_config\": "
                + "{\"default_risk_score\": 1, \"default_risk_score\": 2}}").post("/v1/agents").then(), 400)
                .body("error.details[0].field", equalTo("risk_config.default_risk_score"));
        errorShape(tenant.admin().body("{\"name\": \"a\", \"runtime\": \"docker\", \"metadata\": "
                + "{\"teams\": [{\"lead\": \"x\"}, {\"lead\": \"y\", \"lead\": \"z\"}]}}").post("/v1/agents").then(), 400)
                .body("error.details[0].field", equalTo("metadata.teams[1].lead"));
        errorShape(tenant.admin().body("{\"image_uri\": \"r/a:1\", \"image_uri\": \"r/a:2\"}")
                .post("/v1/agents/" + id + "/deploy").then(), 400)
                .body("error.details[0].field", equalTo("image_uri"));
        errorShape(tenant.admin().body("{\"connector\": \"jira\", \"connector\": \"slack\"}")
                .post("/v1/agents/" + id + "/connectors").then(), 400);
        errorShape(Tenants.platform().body("{\"name\": \"a\", \"name\": \"b\"}").post("/v1/orgs").then(), 400);
        tenant.admin().get("/v1/agents/" + id + "/versions").then().body("total", equalTo(0));
    }

    @Test
    void aTimestampPastTheYear9999IsA400NamingTheField() {
        errorShape(tenant.admin().body(Map.of("name", "ci", "role", "operator", "expires_at", "+294277-01-01T00:00:00Z"))
                .post("/v1/api-keys").then(), 400).body("error.details[0].field", equalTo("expires_at"));
        errorShape(tenant.admin().queryParam("updated_since", "+294277-01-01T00:00:00Z").get("/v1/agents").then(), 400)
                .body("error.details[0].field", equalTo("updated_since"));
    }

    /** Found by FuzzTest: each was stored (as "12345", "?", null) or failed with a 500. */
    @Test
    void numbersForStringsBlankNumbersNullsInListsAndLoneSurrogatesAreA400NamingTheField() {
        errorShape(tenant.admin().body("{\"name\": 12345, \"runtime\": \"docker\"}").post("/v1/agents").then(), 400)
                .body("error.details[0].field", equalTo("name"));
        errorShape(tenant.admin().body("{\"name\": \"a\", \"runtime\": \"docker\", \"risk_config\": {\"auto_approve_below\": \"\\u0000\"}}")
                .post("/v1/agents").then(), 400).body("error.details[0].field", equalTo("risk_config.auto_approve_below"));
        errorShape(tenant.admin().body("{\"name\": \"a\\ud800\", \"runtime\": \"docker\"}").post("/v1/agents").then(), 400)
                .body("error.details[0].field", equalTo("name"))
                .body("error.details[0].reason", containsString("surrogate"));
        errorShape(tenant.admin().body("{\"name\": \"p\", \"rules\": [], \"agent_ids\": [null]}").post("/v1/policies").then(), 400)
                .body("error.details[0].field", equalTo("agent_ids[0]"));
        tenant.admin().get("/v1/agents").then().body("total", equalTo(0));
        tenant.admin().get("/v1/policies").then().body("total", equalTo(0));
    }

    @Test
    void unknownEnumValueNamesTheField() {
        errorShape(tenant.admin().body(AgentMother.with(AgentMother.triageAgent(), "agent_type", "rogue"))
                .post("/v1/agents").then(), 400)
                .body("error.details[0].field", equalTo("agent_type"))
                .body("error.details[0].reason", containsString("autonomous"));
        assertNoAgents();
    }

    @Test
    void unknownFieldIsRefusedRatherThanIgnored() {
        errorShape(tenant.admin().body(AgentMother.with(AgentMother.triageAgent(), "permited_connectors", "typo"))
                .post("/v1/agents").then(), 400)
                .body("error.details[0].field", equalTo("permited_connectors"))
                .body("error.details[0].reason", equalTo("unknown field"));
    }

    @Test
    void wrongJsonTypeNamesTheNestedField() {
        errorShape(tenant.admin().body(AgentMother.with(AgentMother.triageAgent(), "risk_config",
                        Map.of("max_risk_threshold", "high"))).post("/v1/agents").then(), 400)
                .body("error.details[0].field", equalTo("risk_config.max_risk_threshold"));
        errorShape(tenant.admin().body(AgentMother.with(AgentMother.triageAgent(), "risk_config",
                        Map.of("max_risk_threshold", 80.5))).post("/v1/agents").then(), 400)
                .body("error.details[0].field", equalTo("risk_config.max_risk_threshold"));
    }

    @Test
    void outOfRangeScoresAreListedTogether() {
        errorShape(tenant.admin().body(AgentMother.with(AgentMother.triageAgent(), "risk_config",
                        Map.of("default_risk_score", 101, "requires_mfa_above", -1))).post("/v1/agents").then(), 400)
                .body("error.details.field", hasItem("risk_config.default_risk_score"))
                .body("error.details.field", hasItem("risk_config.requires_mfa_above"));
        assertNoAgents();
    }

    @Test
    void autoApproveAboveMaxThresholdIsRefusedAlsoOnPatch() {
        errorShape(tenant.admin().body(AgentMother.with(AgentMother.triageAgent(), "risk_config",
                        Map.of("auto_approve_below", 90, "max_risk_threshold", 80))).post("/v1/agents").then(), 400)
                .body("error.details[0].field", equalTo("risk_config.auto_approve_below"));

        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        errorShape(tenant.admin().body(Map.of("risk_config", Map.of("max_risk_threshold", 10)))
                .patch("/v1/agents/" + id).then(), 400)
                .body("error.details[0].field", equalTo("risk_config.auto_approve_below"));
        tenant.admin().get("/v1/agents/" + id).then().body("risk_config.max_risk_threshold", equalTo(80));
    }

    @Test
    void missingRequiredFieldsAreListed() {
        errorShape(tenant.admin().body(Map.of("description", "no name")).post("/v1/agents").then(), 400)
                .body("error.details.field", hasItem("name"))
                .body("error.details.field", hasItem("runtime"));
        errorShape(tenant.admin().post("/v1/agents").then(), 400);
    }

    @Test
    void emptyPatchIsA400() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        errorShape(tenant.admin().body("{}").patch("/v1/agents/" + id).then(), 400);
        // A null for a field that may not be empty changes nothing: the answer says why, since a field was given
        errorShape(tenant.admin().body("{\"name\": null, \"tags\": null}").patch("/v1/agents/" + id).then(), 400)
                .body("error.message", containsString("a null changes only a field that may be empty"));
        tenant.admin().get("/v1/agents/" + id).then().body("revision", equalTo(1));
    }

    @Test
    void badUuidInPathIsA400NamingIt() {
        errorShape(tenant.admin().get("/v1/agents/not-a-uuid").then(), 400)
                .body("error.details[0].field", equalTo("agent_id"));
        errorShape(tenant.admin().post("/v1/agents/123/suspend").then(), 400);
    }

    @Test
    void badQueryParametersAreA400NamingThem() {
        errorShape(tenant.admin().get("/v1/agents?limit=0").then(), 400).body("error.details[0].field", equalTo("limit"));
        errorShape(tenant.admin().get("/v1/agents?limit=501").then(), 400).body("error.details[0].field", equalTo("limit"));
        errorShape(tenant.admin().get("/v1/agents?limit=ten").then(), 400).body("error.details[0].field", equalTo("limit"));
        errorShape(tenant.admin().get("/v1/agents?status=sleeping").then(), 400).body("error.details[0].field", equalTo("status"));
        errorShape(tenant.admin().get("/v1/agents?cursor=garbage").then(), 400).body("error.details[0].field", equalTo("cursor"));
        errorShape(tenant.admin().get("/v1/agents?updated_since=yesterday").then(), 400)
                .body("error.details[0].field", equalTo("updated_since"));
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        errorShape(tenant.admin().post("/v1/agents/" + id + "/rollback?target_version=-1").then(), 400)
                .body("error.details[0].field", equalTo("target_version"));
    }

    @Test
    void invalidIntentIsRefusedAndLeavesNoIntent() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        errorShape(tenant.admin().body(Map.of("permitted_actions", java.util.List.of("x"),
                        "rate_limit", Map.of("max_actions", 0, "window_seconds", 60)))
                .put("/v1/agents/" + id + "/intent").then(), 400)
                .body("error.details.field", hasItem("permitted_connectors"))
                .body("error.details.field", hasItem("rate_limit.max_actions"));
        tenant.admin().get("/v1/agents/" + id).then().body("declared_intent", equalTo(null));
        // A permitted connector no binding or reported action could ever name, and entries that are not one line
        errorShape(tenant.admin().body(Map.of("permitted_connectors", java.util.List.of("jira", "jira\nevil", "CrowdStrike"),
                        "permitted_actions", java.util.List.of("issues:create"), "data_types", java.util.List.of("x\r\ny")))
                .put("/v1/agents/" + id + "/intent").then(), 400)
                .body("error.details.field", hasItem("permitted_connectors[1]"))
                .body("error.details.field", hasItem("permitted_connectors[2]"))
                .body("error.details.field", hasItem("data_types[0]"))
                .body("error.details.field", not(hasItem("permitted_connectors[0]")));
        tenant.admin().get("/v1/agents/" + id).then().body("declared_intent", equalTo(null));
    }

    @Test
    void deployWithoutImageIsA400AndCreatesNoVersion() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        errorShape(tenant.admin().body(Map.of("notes", "no image")).post("/v1/agents/" + id + "/deploy").then(), 400)
                .body("error.details[0].field", equalTo("image_uri"));
        tenant.admin().get("/v1/agents/" + id + "/versions").then().body("total", equalTo(0));
    }

    @Test
    void missingOrInvalidCredentialsAreA401() {
        String challenge = "ApiKey realm=\"warden\", Bearer realm=\"warden\"";
        errorShape(given().get("/v1/agents").then(), 401).body("error.code", equalTo("unauthorized"))
                .header("WWW-Authenticate", challenge);
        errorShape(given().header("X-API-Key", "wdn_made_up").get("/v1/agents").then(), 401)
                .header("WWW-Authenticate", challenge);
        errorShape(given().header("Authorization", "Bearer not.a.jwt").get("/v1/agents").then(), 401)
                .header("WWW-Authenticate", challenge);
    }

    /** The seeds' examples send every credential as {@code Authorization: Bearer}: an API key works there too. */
    @Test
    void anApiKeySentAsABearerTokenIsThatKey() {
        String viewer = tenant.key("viewer");
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        given().header("Authorization", "Bearer " + viewer).get("/v1/agents/" + id).then().statusCode(200)
                .body("id", equalTo(id));
        given().header("Authorization", "bearer " + viewer).get("/v1/agents/" + id).then().statusCode(200);
        // The key's own role and organization, nothing more
        errorShape(given().header("Authorization", "Bearer " + viewer).contentType("application/json")
                .body(AgentMother.triageAgent()).post("/v1/agents").then(), 403);
        errorShape(given().header("Authorization", "Bearer " + Tenants.create().key("admin")).get("/v1/agents/" + id)
                .then(), 404);
        errorShape(given().header("Authorization", "Bearer wdn_made_up").get("/v1/agents").then(), 401);
        errorShape(given().header("Authorization", "Bearer " + viewer).header("X-API-Key", viewer).get("/v1/agents")
                .then(), 401);
    }

    /** RFC 9110: a 405 names the methods the path takes, and so does OPTIONS, for that path only. */
    @Test
    void aMethodThePathDoesNotTakeIsA405NamingTheOnesItDoes() {
        errorShape(given().delete("/v1/agents").then(), 405).header("Allow", "GET, HEAD, OPTIONS, POST");
        String id = java.util.UUID.randomUUID().toString();
        errorShape(given().put("/v1/agents/" + id + "/deploy").then(), 405).header("Allow", "OPTIONS, POST");
        // The bindings live in a resource class of their own: still a 405, not a 404
        errorShape(given().put("/v1/agents/" + id + "/connectors").then(), 405).header("Allow", "GET, HEAD, OPTIONS, POST");
        errorShape(given().put("/v1/agents/" + id + "/connectors/" + id).then(), 405).header("Allow", "DELETE, GET, HEAD, OPTIONS");
        given().options("/v1/agents").then().statusCode(200).header("Allow", "GET, HEAD, OPTIONS, POST");
        given().options("/v1/agents/" + id).then().statusCode(200).header("Allow", "GET, HEAD, OPTIONS, PATCH");
        // A literal path of a class of its own is that class's alone, though /v1/agents/{agent_id} matches it too
        errorShape(given().get("/v1/agents/register").then(), 405).header("Allow", "OPTIONS, POST");
        given().options("/v1/agents/register").then().statusCode(200).header("Allow", "OPTIONS, POST");
    }

    /** Which of two credentials a proxy or a log in front took is unknown: neither is taken. */
    @Test
    void twoCredentialsInOneRequestAreA401WhicheverComesFirst() {
        String admin = tenant.key("admin");
        Tenant other = Tenants.create();
        String theirs = other.key("admin");
        errorShape(given().header("X-API-Key", admin).header("X-API-Key", theirs).get("/v1/agents").then(), 401);
        errorShape(given().header("X-API-Key", theirs).header("X-API-Key", admin).get("/v1/agents").then(), 401);
        errorShape(given().header("X-API-Key", admin).header("X-API-Key", admin).get("/v1/agents").then(), 401);
        // The answer says what to change (a generated client configured with both an API key and a token sends both)
        errorShape(given().header("X-API-Key", admin).header("Authorization", "Bearer not.a.jwt").get("/v1/agents").then(), 401)
                .body("error.message", containsString("more than one"));
        errorShape(given().header("Authorization", "Bearer a.b.c").header("Authorization", "Bearer d.e.f").get("/v1/agents").then(), 401);
        given().header("X-API-Key", admin).get("/v1/agents").then().statusCode(200);
    }

    @Test
    void wrongRoleIsA403() {
        String viewer = tenant.key("viewer");
        errorShape(tenant.as(viewer).body(AgentMother.triageAgent()).post("/v1/agents").then(), 403)
                .body("error.code", equalTo("forbidden"));
        errorShape(tenant.as(viewer).get("/v1/api-keys").then(), 403);
        assertNoAgents();
    }

    @Test
    void aPathWithMatrixParametersIsA400AndChangesNothing() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        // The router would drop ";dryrun=true" and suspend: refused before any resource, whatever the method
        errorShape(tenant.admin().urlEncodingEnabled(false).post("/v1/agents/" + id + "/suspend;dryrun=true").then(), 400)
                .body("error.code", equalTo("bad_request")).body("error.message", containsString("matrix parameters"));
        errorShape(tenant.admin().urlEncodingEnabled(false).get("/v1/agents;status=active").then(), 400)
                .body("error.code", equalTo("bad_request"));
        tenant.admin().get("/v1/agents/" + id).then().statusCode(200).body("status", equalTo("inactive"));
    }

    /** The query's decoder split parameters at ";" too: ?status=active;limit=1 was two parameters (a security trial). */
    @Test
    void aQueryWithASemicolonIsA400AndOneEncodedIsAValue() {
        errorShape(tenant.admin().urlEncodingEnabled(false).get("/v1/agents?status=active;limit=1").then(), 400)
                .body("error.code", equalTo("bad_request")).body("error.message", containsString("%3B"));
        errorShape(tenant.admin().urlEncodingEnabled(false).get("/v1/agents?status=active%3Blimit=1").then(), 400)
                .body("error.details[0].field", equalTo("status"));
    }

    /**
     * Free texts keep their lines, and take no other control character or direction override: a security trial chained
     * an escape sequence that clears a terminal, and a right-to-left override, into the audit log with a deploy's notes.
     */
    @Test
    void freeTextsTakeLinesButNoEscapeSequencesOrOverrides() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        errorShape(tenant.admin().body(Map.of("image_uri", "registry.example.com/a:v1",
                "notes", "\u001b[2J\r\nsequence 1 verified")).post("/v1/agents/" + id + "/deploy").then(), 400)
                .body("error.details[0].field", equalTo("notes"));
        errorShape(tenant.admin().body(Map.of("description", "safe \u202Eexe.txt")).patch("/v1/agents/" + id).then(), 400)
                .body("error.details[0].field", equalTo("description"));
        tenant.admin().get("/v1/agents/" + id).then().body("version", equalTo(0));
        tenant.admin().body(Map.of("image_uri", "registry.example.com/a:v1", "notes", "first line\n\tsecond line"))
                .post("/v1/agents/" + id + "/deploy").then().statusCode(200).body("version", equalTo(1));
    }

    /**
     * A precondition is a 400 where it is not checked, never the change made without it (a security trial's DELETE of
     * a policy with a stale If-Match removed it; If-None-Match on an edit was ignored); where it is checked, it holds.
     */
    @Test
    void aPreconditionAnOperationDoesNotCheckIsA400AndChangesNothing() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        String policy = tenant.admin().body(Map.of("name", "kept", "rules", java.util.List.of(Map.of("effect", "deny",
                "action", "files:export")))).post("/v1/policies").then().statusCode(201).extract().path("id");
        errorShape(tenant.admin().header("If-Match", "\"1\"").delete("/v1/policies/" + policy).then(), 400)
                .body("error.details[0].field", equalTo("If-Match"));
        tenant.admin().get("/v1/policies/" + policy).then().statusCode(200);
        errorShape(tenant.admin().header("If-Match", "\"1\"").post("/v1/agents/" + id + "/suspend").then(), 400)
                .body("error.details[0].field", equalTo("If-Match"));
        errorShape(tenant.admin().header("If-None-Match", "*").body(Map.of("description", "x")).patch("/v1/agents/" + id)
                .then(), 400).body("error.details[0].field", equalTo("If-None-Match"));
        tenant.admin().get("/v1/agents/" + id).then().body("status", equalTo("inactive")).body("revision", equalTo(1));
        // Where it is checked: an edit with the current tag applies
        tenant.admin().header("If-Match", "\"1\"").body(Map.of("description", "x")).patch("/v1/agents/" + id)
                .then().statusCode(200).body("revision", equalTo(2));
    }

    @Test
    void unknownAgentIsA404() {
        errorShape(tenant.admin().get("/v1/agents/" + java.util.UUID.randomUUID()).then(), 404)
                .body("error.code", equalTo("not_found"));
    }

    @Test
    void aPathWithDotSegmentsIsA400NotTheUnroutedEndpointsItWouldResolveTo() throws Exception {
        // Sent raw: clients resolve dot segments themselves. Without the check these reach /q/metrics without a key
        for (String target : java.util.List.of("/v1/agents/../../q/metrics", "/v1/agents/%2e%2e/%2E%2E/q/health",
                "/v1/agents/..;x/..;x/q/openapi")) {
            try (java.net.Socket socket = new java.net.Socket("localhost", io.restassured.RestAssured.port)) {
                socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                org.junit.jupiter.api.Assertions.assertTrue(answer.startsWith("HTTP/1.1 400"), target + ": " + answer);
                org.junit.jupiter.api.Assertions.assertTrue(answer.contains("\"code\":\"bad_request\""), target + ": " + answer);
            }
        }
    }

    @Test
    void unknownRouteAndWrongMethodUseTheErrorShape() {
        errorShape(tenant.admin().get("/v1/nothing-here").then(), 404);
        errorShape(tenant.admin().delete("/v1/agents").then(), 405);
    }

    @Test
    void aQueryParameterReadAsOneValueGivenTwiceIsA400NamingItNotTheFirstValueTaken() {
        tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201);
        errorShape(tenant.admin().get("/v1/agents?status=inactive&status=suspended").then(), 400)
                .body("error.details.field", hasItem("status"));
        errorShape(tenant.admin().get("/v1/agents?limit=1&limit=100").then(), 400)
                .body("error.details.field", hasItem("limit"));
        // A parameter the operation does not read is a 400 naming it, and the ones it takes: a misspelt filter
        // answered everything as if filtered
        errorShape(tenant.admin().get("/v1/agents?stauts=suspended").then(), 400)
                .body("error.details.field", hasItem("stauts"))
                .body("error.details.reason", hasItem(containsString("status")));
        errorShape(tenant.admin().get("/v1/agents?status=inactive&x=1&x=2").then(), 400)
                .body("error.details.field", hasItem("x"));
        errorShape(tenant.admin().post("/v1/agents?dry_run=true").then(), 400).body("error.details.field", hasItem("dry_run"));
    }

    private static ValidatableResponse errorShape(ValidatableResponse response, int status) {
        return response.statusCode(status)
                .contentType(containsString("application/json"))
                .body("error.code", not(equalTo(null)))
                .body("error.message", not(equalTo(null)))
                .body("error.details", not(equalTo(null)))
                .body(not(containsString("Exception")))
                .body(not(containsString("at dev.warden")));
    }

    private void assertNoAgents() {
        tenant.admin().get("/v1/agents").then().statusCode(200).body("total", equalTo(0));
    }
}
