package dev.warden.audit.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.audit.checkpoint.CheckpointService;
import dev.warden.audit.checkpoint.SigningKey;
import dev.warden.audit.support.AuditFixtures;
import dev.warden.events.EventJson;
import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.events.audit.AuditEvents.Checkpoint;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.IntStream;

import static dev.warden.audit.support.AuditFixtures.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints are signed with Ed25519 and verify with the public key alone. */
@QuarkusTest
class CheckpointTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    CheckpointService checkpoints;

    private TestOrg org;
    /** The chain's head before the four entries: the entries of the organization's own creation. */
    private int base;

    @BeforeEach
    void entries() {
        org = AuditFixtures.organization();
        base = AuditFixtures.head(org);
        AuditFixtures.publish(IntStream.range(0, 4)
                .mapToObj(i -> AuditFixtures.deployed(org.id(), "agent-" + i, i + 1, "img")).toList());
        Awaitility.await().atMost(WAIT)
                .until(() -> as(org, "auditor").get("/v1/audit").then().extract().<Integer>path("total") == base + 4);
    }

    @Inject
    dev.warden.audit.chain.ChainVerifier verifier;

    @Test
    void aCheckpointOfTheEmptyChainVerifiesAsItsStart() {
        // Signed before an organization's first entry arrived (an OIDC trial's made-up organization did it through
        // the API): the verification read it as a broken chain, with no entry at sequence 0 to match
        java.util.UUID empty = java.util.UUID.randomUUID();
        Checkpoint signed = checkpoints.sign(empty).await().atMost(WAIT);
        assertEquals(0, signed.sequence());
        var verification = verifier.verify(empty, null, null).await().atMost(WAIT);
        assertTrue(verification.valid(), verification.toString());
        assertTrue(verification.checkpoint().signatureValid() && verification.checkpoint().matchesChain(),
                verification.toString());
    }

    @Test
    void aCheckpointSignsTheHeadAndVerifiesWithThePublicKey() {
        JsonNode body = EventJson.tree(as(org, "auditor").post("/v1/audit/checkpoints").then().statusCode(201)
                .body("sequence", equalTo(base + 4)).body("algorithm", equalTo("Ed25519")).extract().asString());
        Checkpoint checkpoint = EventJson.MAPPER.convertValue(body, Checkpoint.class);
        String publicKey = given().get("/v1/audit/public-key").then().statusCode(200)
                .body("key_id", equalTo(checkpoint.keyId())).extract().path("public_key");
        String head = as(org, "auditor").get("/v1/audit?offset=" + (base + 3)).then().extract().path("entries[0].hash");

        assertEquals(head, checkpoint.headHash());
        assertTrue(SigningKey.verify(publicKey, AuditChain.signedBytes(checkpoint), checkpoint.signature()));
        Checkpoint forged = new Checkpoint(checkpoint.id(), checkpoint.orgId(), base + 3, checkpoint.headHash(),
                checkpoint.signedAt(), checkpoint.keyId(), checkpoint.algorithm(), checkpoint.signature());
        assertFalse(SigningKey.verify(publicKey, AuditChain.signedBytes(forged), forged.signature()));
        as(org, "auditor").get("/v1/audit/verify").then()
                .body("valid", equalTo(true))
                .body("checkpoint.signature_valid", equalTo(true))
                .body("checkpoint.matches_chain", equalTo(true));
        // Asked again, the head unmoved: that checkpoint, not another signature of the same head (nor its event)
        as(org, "auditor").post("/v1/audit/checkpoints").then().statusCode(200).body("id", equalTo(checkpoint.id().toString()));
        as(org, "auditor").get("/v1/audit/checkpoints").then().statusCode(200).body("total", equalTo(1));
    }

    /** Between intervals only a chain at least warden.audit.checkpoint-every-entries past its checkpoint is signed. */
    @Test
    void beforeTheIntervalOnlyAChainFarEnoughPastItsCheckpointIsSigned() {
        checkpoints.signPast(base + 5L).await().atMost(WAIT);
        as(org, "auditor").get("/v1/audit/checkpoints").then().statusCode(200).body("total", equalTo(0));

        checkpoints.signPast(base + 4L).await().atMost(WAIT);
        as(org, "auditor").get("/v1/audit/checkpoints").then().statusCode(200)
                .body("checkpoints[0].sequence", equalTo(base + 4));
    }

    @Test
    void headsThatMovedAreSignedOnTheInterval() {
        checkpoints.signPast(1).await().atMost(WAIT);

        as(org, "auditor").get("/v1/audit/checkpoints").then().statusCode(200)
                .body("checkpoints[0].sequence", equalTo(base + 4));
    }

    @Test
    void anExportedRangeVerifiesOfflineAndADoctoredOneDoesNot() {
        as(org, "auditor").post("/v1/audit/checkpoints").then().statusCode(201);
        long from = base + 2;
        JsonNode export = EventJson.tree(as(org, "auditor").get("/v1/audit/export?from=" + from).then().statusCode(200)
                .extract().asString());

        List<AuditEntry> entries = new ArrayList<>();
        export.get("entries").forEach(e -> entries.add(EventJson.MAPPER.convertValue(e, AuditEntry.class)));
        Checkpoint checkpoint = EventJson.MAPPER.convertValue(export.get("checkpoint"), Checkpoint.class);
        assertEquals(OptionalLong.empty(), AuditChain.firstBroken(entries, export.get("prev_hash").asText(), from));
        assertEquals(entries.getLast().hash(), checkpoint.headHash());
        assertTrue(SigningKey.verify(export.get("public_key").asText(), AuditChain.signedBytes(checkpoint), checkpoint.signature()));

        AuditEntry original = entries.get(1);
        entries.set(1, new AuditEntry(original.orgId(), original.sequence(), original.eventId(), original.eventType(),
                original.agentId(), "mallory", original.actionType(), original.connector(), original.status(),
                original.inputsHash(), original.outputsHash(), original.metadata(), original.occurredAt(),
                original.recordedAt(), original.prevHash(), original.hash()));
        assertEquals(OptionalLong.of(from + 1), AuditChain.firstBroken(entries, export.get("prev_hash").asText(), from));
    }

    /** docs/verifier/verify.mjs recomputes a real export with Node's crypto alone: RFC 8785 makes that possible. */
    @Test
    void theNodeVerifierInTheDocsVerifiesARealExportAndNamesADoctoredEntry(@TempDir Path dir) throws Exception {
        AuditFixtures.publish(List.of(AuditFixtures.deployed(org.id(), "agent-ü", 9,
                "registry.example.com/ağent:v9 😀 \"q\" \\ \u0007 €")));
        Awaitility.await().atMost(WAIT)
                .until(() -> as(org, "auditor").get("/v1/audit").then().extract().<Integer>path("total") == base + 5);
        as(org, "auditor").post("/v1/audit/checkpoints").then().statusCode(201).body("sequence", equalTo(base + 5));
        Path export = Files.writeString(dir.resolve("export.json"), as(org, "auditor")
                .get("/v1/audit/export?from=" + (base + 2)).then().statusCode(200).extract().asString());
        Path key = Files.writeString(dir.resolve("warden-audit.pem"),
                given().get("/v1/audit/public-key").then().statusCode(200).extract().<String>path("public_key_pem"));

        NodeRun verified = node(export.toString(), "--public-key", key.toString());
        assertEquals(0, verified.exitCode(), verified.output());
        assertTrue(verified.output().contains("chain: entries " + (base + 2) + ".." + (base + 5) + " follow"),
                verified.output());
        assertTrue(verified.output().contains("VERIFIED"), verified.output());
        NodeRun keyless = node(export.toString());
        assertEquals(1, keyless.exitCode(), keyless.output());
        assertTrue(keyless.output().contains("NOT VERIFIED: the export is consistent with the key inside it"), keyless.output());

        com.fasterxml.jackson.databind.node.ObjectNode doctored = (com.fasterxml.jackson.databind.node.ObjectNode) EventJson.tree(Files.readString(export));
        ((com.fasterxml.jackson.databind.node.ObjectNode) doctored.withArray("entries").get(1)).put("actor", "mallory");
        Files.writeString(export, doctored.toString());
        NodeRun refused = node(export.toString(), "--public-key", key.toString());
        assertEquals(1, refused.exitCode(), refused.output());
        assertTrue(refused.output().contains("FAILED: entry " + (base + 3) + " does not follow"), refused.output());

        // An entry recorded after the newest checkpoint is in the next export, and no signature vouches for it
        AuditFixtures.publish(List.of(AuditFixtures.deployed(org.id(), "agent-ü", 10, "registry.example.com/agent:v10")));
        Awaitility.await().atMost(WAIT)
                .until(() -> as(org, "auditor").get("/v1/audit").then().extract().<Integer>path("total") == base + 6);
        Files.writeString(export, as(org, "auditor").get("/v1/audit/export?from=" + (base + 2)).then().statusCode(200)
                .extract().asString());
        NodeRun unsigned = node(export.toString(), "--public-key", key.toString());
        assertEquals(1, unsigned.exitCode(), unsigned.output());
        assertTrue(unsigned.output().contains("entries " + (base + 6) + ".." + (base + 6) + " come after it"),
                unsigned.output());
    }

    @Inject
    dev.warden.tenancy.db.TenantDb db;

    @Inject
    dev.warden.audit.chain.AuditRepository repository;

    /**
     * After a rotation the key that signed an older checkpoint is no longer the current one: Warden serves it by its
     * id (it served the current key only, so an older export verified with no key it served), and the Node verifier
     * takes both keys, picks the checkpoint's by its key_id, and given the current key alone says which key to fetch.
     * The rotated-out key is kept as the service keeps its own at start, and signs a checkpoint as the service does.
     */
    @Test
    void aRotatedOutKeyIsServedByItsIdAndAnExportItSignedVerifiesWithIt(@TempDir Path dir) throws Exception {
        String[] old = SigningKey.newKeyPairBase64();
        String oldId = SigningKey.keyIdOf(java.util.Base64.getDecoder().decode(old[1]));
        db.asPlatform(conn -> repository.keepSigningKey(conn, oldId, SigningKey.ALGORITHM, old[1])).await().atMost(WAIT);
        Checkpoint signedByOld = signWith(old, oldId);
        String currentId = given().get("/v1/audit/public-key").then().statusCode(200).extract().path("key_id");
        assertFalse(currentId.equals(oldId));

        String oldPem = given().get("/v1/audit/public-key?key_id=" + oldId).then().statusCode(200)
                .body("key_id", equalTo(oldId)).body("algorithm", equalTo("Ed25519")).body("public_key", equalTo(old[1]))
                .extract().path("public_key_pem");
        assertTrue(oldPem.contains(old[1]), oldPem);
        given().get("/v1/audit/public-key?key_id=" + currentId).then().statusCode(200).body("key_id", equalTo(currentId));
        // Public: credentials that are no one's change nothing (answered on the event loop, they were a 401)
        given().header("X-API-Key", "wdn_" + java.util.UUID.randomUUID()).get("/v1/audit/public-key?key_id=" + oldId)
                .then().statusCode(200).body("key_id", equalTo(oldId));
        given().get("/v1/audit/public-key?key_id=" + oldId.toUpperCase(java.util.Locale.ROOT)).then().statusCode(200)
                .body("key_id", equalTo(oldId));
        given().get("/v1/audit/public-key?key_id=0123456789abcdef").then().statusCode(404)
                .body("error.code", equalTo("not_found"));
        given().get("/v1/audit/public-key?key_id=not-a-key").then().statusCode(400)
                .body("error.code", equalTo("invalid_request")).body("error.details[0].field", equalTo("key_id"));

        Path export = Files.writeString(dir.resolve("export.json"), as(org, "auditor")
                .get("/v1/audit/export?from=" + (base + 1)).then().statusCode(200)
                .body("checkpoint.id", equalTo(signedByOld.id().toString())).extract().asString());
        Path current = Files.writeString(dir.resolve("current.pem"),
                given().get("/v1/audit/public-key").then().statusCode(200).extract().<String>path("public_key_pem"));
        Path rotated = Files.writeString(dir.resolve("rotated.pem"), oldPem);

        NodeRun withCurrentOnly = node(export.toString(), "--public-key", current.toString());
        assertEquals(1, withCurrentOnly.exitCode(), withCurrentOnly.output());
        assertTrue(withCurrentOnly.output().contains("checkpoint " + signedByOld.id() + " was signed by key " + oldId
                + ", and none of the given keys (" + currentId + ") is that key"), withCurrentOnly.output());
        assertTrue(withCurrentOnly.output().contains("GET /v1/audit/public-key?key_id=" + oldId), withCurrentOnly.output());
        NodeRun withBoth = node(export.toString(), "--public-key", current.toString(), "--public-key", rotated.toString());
        assertEquals(0, withBoth.exitCode(), withBoth.output());
        assertTrue(withBoth.output().contains("VERIFIED: checkpoint " + signedByOld.id()) && withBoth.output().contains(
                "by key " + oldId), withBoth.output());
        as(org, "auditor").get("/v1/audit/verify").then().body("valid", equalTo(true))
                .body("checkpoint.key_id", equalTo(oldId)).body("checkpoint.signature_valid", equalTo(true));
    }

    /** A checkpoint of the head signed with {@code pair} (private, public) as {@link CheckpointService#sign} does. */
    private Checkpoint signWith(String[] pair, String keyId) throws Exception {
        var head = db.inOrg(org.id(), repository::head).await().atMost(WAIT);
        Checkpoint unsigned = new Checkpoint(java.util.UUID.randomUUID(), org.id(), head.sequence(), head.hash(),
                AuditChain.micros(java.time.Instant.now()), keyId, SigningKey.ALGORITHM, null);
        var signature = java.security.Signature.getInstance(SigningKey.ALGORITHM);
        signature.initSign(java.security.KeyFactory.getInstance(SigningKey.ALGORITHM).generatePrivate(
                new java.security.spec.PKCS8EncodedKeySpec(java.util.Base64.getDecoder().decode(pair[0]))));
        signature.update(AuditChain.signedBytes(unsigned));
        Checkpoint signed = new Checkpoint(unsigned.id(), org.id(), unsigned.sequence(), unsigned.headHash(),
                unsigned.signedAt(), keyId, SigningKey.ALGORITHM, java.util.Base64.getEncoder().encodeToString(signature.sign()));
        db.inOrg(org.id(), conn -> repository.insertCheckpoint(conn, signed)).await().atMost(WAIT);
        return signed;
    }

    private record NodeRun(int exitCode, String output) {
    }

    /** Node.js is a prerequisite of the test suite (README); without it this fails, saying so, rather than skip. */
    private static NodeRun node(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("node", Path.of("../docs/verifier/verify.mjs").toString()));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            throw new AssertionError("Node.js 18+ must be on the PATH to run the verifier of docs/verifier", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "node finished");
        return new NodeRun(process.exitValue(), output);
    }

    @Test
    void onlyAuditorsAndAdminsSignOrExport() {
        as(org, "viewer").post("/v1/audit/checkpoints").then().statusCode(403);
        as(org, "viewer").get("/v1/audit/export").then().statusCode(403);
        given().get("/v1/audit/checkpoints").then().statusCode(401);
    }
}
