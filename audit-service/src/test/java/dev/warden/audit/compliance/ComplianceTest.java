package dev.warden.audit.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.audit.checkpoint.SigningKey;
import dev.warden.audit.support.AuditFixtures;
import dev.warden.events.CanonicalJson;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.events.audit.AuditEvents.Checkpoint;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.TestOrganizations.TestOrg;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.zip.ZipInputStream;

import static dev.warden.audit.support.AuditFixtures.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A compliance package holds an agent's evidence for a range and verifies against its checkpoint and signature. */
@QuarkusTest
class ComplianceTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @jakarta.inject.Inject
    ComplianceBuilder builder;

    private TestOrg org;
    private final String agent = UUID.randomUUID().toString();
    private final String other = UUID.randomUUID().toString();
    private final Instant from = Instant.now().minus(Duration.ofHours(1));

    @BeforeEach
    void anAgentWithAHistory() {
        org = AuditFixtures.organization();
        int base = AuditFixtures.head(org);
        String policy = UUID.randomUUID().toString();
        AuditFixtures.publish(List.of(
                CloudEvent.of("/warden/agent-service", EventTypes.AGENT_INTENT_DECLARED, agent, org.id(), Map.of("agent",
                        Map.of("id", agent, "name", "triage-agent", "revision", 3, "updated_by", "alice",
                                "declared_intent", Map.of("permitted_connectors", List.of("jira"),
                                        "permitted_actions", List.of("issues:create"), "data_types", List.of())))),
                AuditFixtures.deployed(org.id(), agent, 1, "img:v1"),
                AuditFixtures.deployed(org.id(), other, 1, "other:v1"),
                AuditFixtures.deployed(org.id(), agent, 2, "img:v2"),
                CloudEvent.of("/warden/agent-service", EventTypes.CONNECTOR_BOUND, agent, org.id(), Map.of("agent_id", agent,
                        "binding", Map.of("id", UUID.randomUUID().toString(), "connector", "jira", "created_by", "alice"))),
                CloudEvent.of("/warden/agent-service", EventTypes.POLICY_BOUND, agent, org.id(), Map.of("agent_id", agent,
                        "policy", Map.of("id", policy, "name", "no-pii", "version", 1, "updated_by", "alice")))));
        Awaitility.await().atMost(WAIT).until(() -> as(org, "auditor").get("/v1/audit").then().extract().<Integer>path("total") == base + 6);
        Map<String, Object> drifting = new HashMap<>(Map.of("connector", "slack", "action", "issues:create",
                "status", "success", "occurred_at", Instant.now().minusSeconds(1).toString()));
        as(org, "auditor").contentType(ContentType.JSON).body(Map.of("agent_id", agent, "actions", List.of(drifting)))
                .post("/v1/audit/actions").then().statusCode(403);
        as(org, "admin").contentType(ContentType.JSON).body(Map.of("agent_id", agent, "actions", List.of(drifting)))
                .post("/v1/audit/actions").then().statusCode(202);
        Awaitility.await().atMost(WAIT).until(() -> as(org, "auditor").get("/v1/drift-events").then().extract().<Integer>path("total") == 1);
    }

    @Test
    void aPackageHoldsTheAgentsEvidenceAndVerifies() throws Exception {
        JsonNode pkg = build();
        JsonNode content = pkg.get("content");

        assertEquals("triage-agent", content.at("/agent/name").asText());
        assertEquals("jira", content.at("/declared_intent/permitted_connectors/0").asText());
        assertEquals(List.of(1, 2), ints(content.get("deployments"), "version"));
        assertEquals("no-pii", content.at("/policies/0/policy_name").asText());
        assertEquals("jira", content.at("/connectors/0/connector").asText());
        assertEquals("unauthorized_system", content.at("/drift_events/0/drift_type").asText());
        content.get("audit_entries").forEach(e -> assertEquals(agent, e.get("agent_id").asText()));
        assertEquals(7, content.get("audit_entries").size());

        List<AuditEntry> segment = new ArrayList<>();
        content.at("/chain_proof/entries").forEach(e -> segment.add(EventJson.MAPPER.convertValue(e, AuditEntry.class)));
        assertEquals(OptionalLong.empty(), AuditChain.firstBroken(segment, content.at("/chain_proof/prev_hash").asText(),
                content.at("/chain_proof/from_sequence").asLong()));
        Checkpoint checkpoint = EventJson.MAPPER.convertValue(content.get("checkpoint"), Checkpoint.class);
        String publicKey = given().get("/v1/audit/public-key").then().extract().path("public_key");
        assertEquals(segment.getLast().hash(), checkpoint.headHash());
        assertTrue(SigningKey.verify(publicKey, AuditChain.signedBytes(checkpoint), checkpoint.signature()));
        assertTrue(SigningKey.verify(publicKey, CanonicalJson.canonical(content).getBytes(StandardCharsets.UTF_8),
                pkg.get("signature").asText()));
    }

    @Test
    void theZipHoldsTheSignedBytesTheSignatureAndTheKey() throws Exception {
        String id = build().get("id").asText();

        Map<String, String> files = zipOf(id);
        String key = files.get("public-key.pem").replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        assertTrue(SigningKey.verify(key, files.get("package.json").getBytes(StandardCharsets.UTF_8),
                files.get("package.sig").trim()));
        // The README names the key that signed by its id, which stays served after a rotation (it named
        // GET /v1/audit/public-key, the key that signs now, which is another after a rotation)
        String keyId = as(org, "auditor").get("/v1/compliance/" + id).then().extract().path("key_id");
        assertTrue(files.get("README.txt").contains("GET /v1/audit/public-key?key_id=" + keyId), files.get("README.txt"));
        given().get("/v1/audit/public-key?key_id=" + keyId).then().statusCode(200)
                .body("public_key", equalTo(key));
    }

    /**
     * A package made before its content was kept as the text that was signed (V12: jsonb's rendering, spaces and
     * another key order) is answered in its ZIP in canonical form, which its signature verifies.
     */
    @Test
    void aPackageKeptBeforeItsSignedTextWasKeptIsZippedInCanonicalForm() throws Exception {
        String id = build().get("id").asText();
        LocalPostgres pg = WardenInfra.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("warden_audit_test"), pg.superUser(), pg.superPassword());
             var asBefore = c.prepareStatement("UPDATE compliance_packages SET content = content::jsonb::json, "
                     + "content_as_signed = false WHERE id = ?")) {
            asBefore.setObject(1, UUID.fromString(id));
            assertEquals(1, asBefore.executeUpdate());
        }

        Map<String, String> files = zipOf(id);
        String key = files.get("public-key.pem").replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        assertTrue(SigningKey.verify(key, files.get("package.json").getBytes(StandardCharsets.UTF_8),
                files.get("package.sig").trim()));
    }

    /**
     * A ready package's content is sent to at most one request of an organization at once on an instance (a user
     * trial's downloads at once of one large package ran the service out of memory): beyond, a 429 with Retry-After;
     * the slot is given back once an answer is sent.
     */
    @Test
    void aReadyPackageIsSentToOneRequestOfAnOrganizationAtATime() throws Exception {
        String id = build().get("id").asText();
        dev.warden.api.Slots.Permit held = builder.answerSlot(org.id());
        try {
            as(org, "auditor").get("/v1/compliance/" + id).then().statusCode(429)
                    .header("Retry-After", notNullValue()).body("error.code", equalTo("too_many_requests"));
            as(org, "auditor").get("/v1/compliance/" + id + "/zip").then().statusCode(429);
        } finally {
            held.release();
        }
        as(org, "auditor").get("/v1/compliance/" + id).then().statusCode(200).body("status", equalTo("ready"));
        zipOf(id); // the slot the answer before held was given back once it was sent
        as(org, "auditor").get("/v1/compliance/" + id).then().statusCode(200);
    }

    private Map<String, String> zipOf(String id) throws java.io.IOException {
        byte[] zip = as(org, "auditor").get("/v1/compliance/" + id + "?format=zip").then().statusCode(200)
                .contentType("application/zip").extract().asByteArray();
        Map<String, String> files = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (var entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                files.put(entry.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return files;
    }

    /**
     * The operation documents JSON and the ZIP: a generated client that picks the ZIP by Accept alone gets it, as
     * format=zip does (a probe got 406); Accept naming JSON, or anything, keeps the JSON; format, when given, decides.
     */
    @Test
    void theZipIsAlsoWhatAnAcceptOfTheZipAloneAsksFor() {
        String id = build().get("id").asText();
        byte[] byAccept = as(org, "auditor").accept("application/zip").get("/v1/compliance/" + id).then().statusCode(200)
                .contentType("application/zip").extract().asByteArray();
        assertTrue(byAccept.length > 0 && byAccept[0] == 'P' && byAccept[1] == 'K', "a ZIP");
        as(org, "auditor").accept("application/json, application/zip").get("/v1/compliance/" + id).then().statusCode(200)
                .contentType(ContentType.JSON).body("id", equalTo(id));
        as(org, "auditor").accept("*/*").get("/v1/compliance/" + id).then().statusCode(200)
                .contentType(ContentType.JSON).body("id", equalTo(id));
        // JSON refused (q=0) leaves the ZIP (it was the JSON: Quarkus REST took q=0 as acceptable)
        byte[] jsonRefused = as(org, "auditor").accept("application/json;q=0, */*").get("/v1/compliance/" + id).then()
                .statusCode(200).contentType("application/zip").extract().asByteArray();
        assertTrue(jsonRefused.length > 0 && jsonRefused[0] == 'P' && jsonRefused[1] == 'K', "a ZIP");
        // format says it outright, whatever Accept says
        as(org, "auditor").accept("application/zip").get("/v1/compliance/" + id + "?format=json").then().statusCode(200)
                .contentType(ContentType.JSON).body("id", equalTo(id));
    }

    /**
     * A client generated from the document reads getCompliancePackage's answer as JSON (a Python one failed decoding
     * the ZIP as text): the ZIP is an operation of its own, answered whatever Accept says (a generated client asks for
     * JSON, its errors' type), its errors in the error shape.
     */
    @Test
    void theZipHasAnOperationOfItsOwnForGeneratedClients() {
        String id = build().get("id").asText();
        byte[] zip = as(org, "auditor").accept("application/json").get("/v1/compliance/" + id + "/zip").then()
                .statusCode(200).contentType("application/zip").extract().asByteArray();
        byte[] byFormat = as(org, "auditor").get("/v1/compliance/" + id + "?format=zip").then().statusCode(200)
                .extract().asByteArray();
        assertTrue(zip.length > 0 && zip[0] == 'P' && zip[1] == 'K', "a ZIP");
        assertEquals(byFormat.length, zip.length, "the same ZIP as format=zip");
        as(org, "auditor").accept("application/json").get("/v1/compliance/" + UUID.randomUUID() + "/zip").then()
                .statusCode(404).contentType(ContentType.JSON).body("error.code", equalTo("not_found"));
        as(org, "viewer").get("/v1/compliance/" + id + "/zip").then().statusCode(403);
    }

    @Test
    void requestsAreCheckedAndScoped() {
        as(org, "auditor").contentType(ContentType.JSON).body(Map.of("agent_id", agent, "from", Instant.now().toString(),
                "to", from.toString())).post("/v1/compliance").then().statusCode(400).body("error.details[0].field", equalTo("to"));
        // A period still to come: nothing to sign yet
        as(org, "auditor").contentType(ContentType.JSON).body(Map.of("agent_id", agent, "from", "2999-01-01T00:00:00Z",
                "to", "2999-02-01T00:00:00Z")).post("/v1/compliance").then().statusCode(400)
                .body("error.details[0].field", equalTo("to")).body("error.details[0].reason", equalTo("must not be in the future"));
        as(org, "auditor").contentType(ContentType.JSON).body(Map.of("agent_id", agent, "from", from.toString(),
                "to", Instant.now().plusSeconds(3600).toString())).post("/v1/compliance").then().statusCode(400)
                .body("error.details[0].field", equalTo("to"));
        as(org, "viewer").contentType(ContentType.JSON).body(Map.of("agent_id", agent, "from", from.toString(),
                "to", Instant.now().toString())).post("/v1/compliance").then().statusCode(403);
        as(org, "auditor").get("/v1/compliance/" + UUID.randomUUID()).then().statusCode(404);
        for (String unknown : List.of(UUID.randomUUID().toString(), AuditFixtures.knownAgent(AuditFixtures.organization()))) {
            as(org, "auditor").contentType(ContentType.JSON).body(Map.of("agent_id", unknown, "from", from.toString(),
                    "to", Instant.now().toString())).post("/v1/compliance").then().statusCode(404)
                    .body("error.code", equalTo("not_found"));
        }
        String id = build().get("id").asText();
        as(AuditFixtures.organization(), "auditor").get("/v1/compliance/" + id).then().statusCode(404);
        as(org, "auditor").get("/v1/compliance/" + id + "?format=pdf").then().statusCode(400);
    }

    /**
     * An agent created and asked for a package back to back (one script): the request can come before agent-service's
     * event is recorded here. It waits for it (Projections.withCatchUp) and is accepted, where it was a 404.
     */
    @Test
    void aPackageForAnAgentAnnouncedJustAfterItWasAskedForIsAccepted() throws Exception {
        String fresh = UUID.randomUUID().toString();
        var asked = java.util.concurrent.CompletableFuture.supplyAsync(() -> as(org, "auditor").contentType(ContentType.JSON)
                .body(Map.of("agent_id", fresh, "from", from.toString(), "to", Instant.now().toString()))
                .post("/v1/compliance").then().extract());
        AuditFixtures.publish(List.of(CloudEvent.of("/warden/agent-service", EventTypes.AGENT_CREATED, fresh, org.id(),
                Map.of("agent", Map.of("id", fresh, "name", "eager-agent", "revision", 1, "updated_by", "alice")))));
        var answer = asked.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(202, answer.statusCode(), answer.body().asString());
    }

    /** A package whose service stopped while building it (nothing moved it for two minutes) is answered failed. */
    @Test
    void aPackageInterruptedWhileBuildingIsAnsweredFailed() throws Exception {
        UUID id = UUID.randomUUID();
        LocalPostgres pg = WardenInfra.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("warden_audit_test"), pg.superUser(), pg.superPassword());
             var insert = c.prepareStatement("""
                     INSERT INTO compliance_packages (id, org_id, agent_id, range_from, range_to, status, progress,
                         requested_by, requested_at, updated_at)
                     VALUES (?, ?, ?, now() - interval '1 hour', now(), 'building', 80, 'key:admin',
                         now() - interval '3 minutes', now() - interval '3 minutes')""")) {
            insert.setObject(1, id);
            insert.setObject(2, org.id());
            insert.setString(3, agent);
            assertEquals(1, insert.executeUpdate());
        }
        as(org, "auditor").get("/v1/compliance/" + id).then().statusCode(200).body("status", equalTo("failed"))
                .body("error", startsWith("interrupted:"));
    }

    /**
     * The chain proof runs to the first checkpoint past the package's last entry, not the newest: a package of an agent's
     * older entries in a busy chain was refused for a proof longer than a package may hold. Built in chunks of 5,000
     * entries: 6,000 of the agent's here, each in the package and its proof once, in order.
     */
    @Test
    void theChainProofEndsAtTheFirstCheckpointPastThePackagesEntriesAndIsReadInChunks() throws Exception {
        int before = AuditFixtures.head(org);
        List<Map<String, Object>> actions = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            actions.add(Map.of("connector", "jira", "action", "issues:create", "status", "success",
                    "occurred_at", Instant.now().minusSeconds(5).toString()));
        }
        for (int batch = 0; batch < 6; batch++) {
            as(org, "admin").contentType(ContentType.JSON).body(Map.of("agent_id", agent, "actions", actions))
                    .post("/v1/audit/actions").then().statusCode(202);
        }
        Awaitility.await().atMost(WAIT).until(() -> AuditFixtures.head(org) >= before + 6000);
        int covering = as(org, "auditor").post("/v1/audit/checkpoints").then().statusCode(201).extract().path("sequence");
        AuditFixtures.publish(List.of(AuditFixtures.deployed(org.id(), other, 2, "other:v2")));
        Awaitility.await().atMost(WAIT).until(() -> AuditFixtures.head(org) > covering);
        int newest = as(org, "auditor").post("/v1/audit/checkpoints").then().statusCode(201).extract().path("sequence");
        assertTrue(newest > covering);

        JsonNode content = build().get("content");
        assertEquals(covering, content.at("/checkpoint/sequence").asInt(), "the first checkpoint past the last entry");
        assertEquals(covering, content.at("/chain_proof/to_sequence").asInt());
        List<Long> sequences = new ArrayList<>();
        content.get("audit_entries").forEach(e -> sequences.add(e.get("sequence").asLong()));
        // The 6,000 reported and the history's 7, and whatever drift they caused: more than a chunk of 5,000
        assertTrue(sequences.size() >= 7 + 6000, "entries of the agent: " + sequences.size());
        assertEquals(sequences.stream().sorted().distinct().toList(), sequences, "each entry once, in chain order");
        List<AuditEntry> segment = new ArrayList<>();
        content.at("/chain_proof/entries").forEach(e -> segment.add(EventJson.MAPPER.convertValue(e, AuditEntry.class)));
        assertEquals(covering - content.at("/chain_proof/from_sequence").asLong() + 1, segment.size());
        assertEquals(OptionalLong.empty(), AuditChain.firstBroken(segment, content.at("/chain_proof/prev_hash").asText(),
                content.at("/chain_proof/from_sequence").asLong()));
        assertEquals(segment.getLast().hash(), content.at("/checkpoint/head_hash").asText());
    }

    /**
     * At most two packages building at once per organization, counted in the database (every replica together): two
     * building (here as other replicas wrote them) make a third a 429; one that stopped moving no longer counts, and
     * another organization is not affected.
     */
    @Test
    void anOrganizationHasAtMostTwoPackagesBuildingAtOnce() throws Exception {
        List<UUID> building = List.of(UUID.randomUUID(), UUID.randomUUID());
        LocalPostgres pg = WardenInfra.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("warden_audit_test"), pg.superUser(), pg.superPassword())) {
            for (UUID id : building) {
                try (var insert = c.prepareStatement("""
                        INSERT INTO compliance_packages (id, org_id, agent_id, range_from, range_to, status, progress,
                            requested_by, requested_at, updated_at)
                        VALUES (?, ?, ?, now() - interval '1 hour', now(), 'building', 20, 'key:admin', now(), now())""")) {
                    insert.setObject(1, id);
                    insert.setObject(2, org.id());
                    insert.setString(3, agent);
                    assertEquals(1, insert.executeUpdate());
                }
            }
            Map<String, String> request = Map.of("agent_id", agent, "from", from.toString(),
                    "to", Instant.now().plusSeconds(60).toString());
            as(org, "auditor").contentType(ContentType.JSON).body(request).post("/v1/compliance").then().statusCode(429)
                    .header("Retry-After", notNullValue())
                    .body("error.code", equalTo("too_many_requests"));
            try (var stalled = c.prepareStatement(
                    "UPDATE compliance_packages SET updated_at = now() - interval '3 minutes' WHERE id = ?")) {
                stalled.setObject(1, building.getFirst());
                assertEquals(1, stalled.executeUpdate());
            }
        }
        JsonNode built = build();
        assertEquals(agent, built.at("/content/agent_id").asText(), built.toString());
    }

    private JsonNode build() {
        String id = as(org, "admin").contentType(ContentType.JSON).body(Map.of("agent_id", agent, "from", from.toString(),
                        "to", Instant.now().plusSeconds(60).toString()))
                .post("/v1/compliance").then().statusCode(202).body("status", equalTo("building")).extract().path("id");
        Awaitility.await().atMost(WAIT).until(() -> !"building".equals(as(org, "auditor").get("/v1/compliance/" + id)
                .then().extract().path("status")));
        return EventJson.tree(as(org, "auditor").get("/v1/compliance/" + id).then().statusCode(200)
                .body("status", equalTo("ready")).body("progress", equalTo(100)).extract().asString());
    }

    private static List<Integer> ints(JsonNode array, String field) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.get(field).asInt()));
        return out;
    }
}
