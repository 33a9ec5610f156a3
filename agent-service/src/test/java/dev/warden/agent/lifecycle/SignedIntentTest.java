package dev.warden.agent.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.agent.support.AgentKeys;
import dev.warden.agent.support.AgentMother;
import dev.warden.agent.support.Events;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.events.CanonicalJson;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.lang.JoseException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.security.Key;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Issue 9 point 6: an agent with a key signs its own declared intent with a detached JWS; forged ones are refused. */
@QuarkusTest
class SignedIntentTest {

    private static final String HEADER = "Warden-Intent-Signature";

    private Tenant tenant;

    @BeforeEach
    void newOrganization() {
        tenant = Tenants.create();
    }

    @Test
    void anIntentTheAgentSignedIsSignedByItsDidAndCarriesTheSignature() {
        AgentKeys keys = AgentKeys.generate();
        String id = agentWithKey(keys);
        Map<String, Object> manifest = manifest();
        String jws = detached(id, manifest, keys.pair().getPrivate(), AlgorithmIdentifiers.EDDSA);

        tenant.admin().header(HEADER, jws).body(manifest).put("/v1/agents/" + id + "/intent").then().statusCode(200)
                .body("declared_intent_signed_by", equalTo(keys.did()))
                .body("declared_intent_jws", equalTo(jws))
                .body("declared_intent_digest", equalTo(CanonicalJson.sha256Hex(EventJson.MAPPER.valueToTree(manifest))));

        JsonNode event = Events.about(Topics.AGENTS, id, 2).get(1);
        assertEquals(EventTypes.AGENT_INTENT_DECLARED, event.path("type").asText());
        assertEquals(keys.did(), event.at("/data/agent/declared_intent_signed_by").asText());
        assertEquals(jws, event.at("/data/agent/declared_intent_jws").asText());
    }

    @Test
    void withoutASignatureTheAdminSignsAsBefore() {
        String id = agentWithKey(AgentKeys.generate());
        tenant.admin().body(manifest()).put("/v1/agents/" + id + "/intent").then().statusCode(200)
                .body("declared_intent_signed_by", notNullValue())
                .body("declared_intent_signed_by", org.hamcrest.Matchers.not(org.hamcrest.Matchers.startsWith("did:key:")))
                .body("declared_intent_jws", nullValue());
    }

    @Test
    void forgedSignaturesAreRefusedAndChangeNothing() {
        AgentKeys keys = AgentKeys.generate();
        String id = agentWithKey(keys);
        Map<String, Object> manifest = manifest();
        Map<String, Object> other = new HashMap<>(manifest);
        other.put("permitted_actions", List.of("detections:read", "hosts:contain"));

        // Another key's signature, a signature of another manifest, and a signature of the manifest as sent without
        // the fields Warden fills in are all 401.
        String byOtherKey = detached(id, manifest, AgentKeys.generate().pair().getPrivate(), AlgorithmIdentifiers.EDDSA);
        refused(tenant.admin().header(HEADER, byOtherKey).body(manifest).put("/v1/agents/" + id + "/intent").then(), 401, null);
        String ofOther = detached(id, other, keys.pair().getPrivate(), AlgorithmIdentifiers.EDDSA);
        refused(tenant.admin().header(HEADER, ofOther).body(manifest).put("/v1/agents/" + id + "/intent").then(), 401, null);
        Map<String, Object> partial = Map.of("permitted_connectors", List.of("jira"), "permitted_actions", List.of("issues:create"));
        String ofPartial = detached(id, partial, keys.pair().getPrivate(), AlgorithmIdentifiers.EDDSA);
        refused(tenant.admin().header(HEADER, ofPartial).body(partial).put("/v1/agents/" + id + "/intent").then(), 401, null);

        // alg none, and an HMAC keyed with the public key's bytes: refused, the algorithm is pinned.
        String[] parts = detached(id, manifest, keys.pair().getPrivate(), AlgorithmIdentifiers.EDDSA).split("\\.");
        String none = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes()) + ".." + parts[2];
        refused(tenant.admin().header(HEADER, none).body(manifest).put("/v1/agents/" + id + "/intent").then(), 401, null);
        String hmac = detached(id, manifest, new javax.crypto.spec.SecretKeySpec(keys.pair().getPublic().getEncoded(), "HmacSHA256"),
                AlgorithmIdentifiers.HMAC_SHA256);
        refused(tenant.admin().header(HEADER, hmac).body(manifest).put("/v1/agents/" + id + "/intent").then(), 401, null);

        // Not a detached compact JWS at all: a 400 naming the header.
        refused(tenant.admin().header(HEADER, "not a jws").body(manifest).put("/v1/agents/" + id + "/intent").then(), 400, HEADER);
        refused(tenant.admin().header(HEADER, "").body(manifest).put("/v1/agents/" + id + "/intent").then(), 400, HEADER);
        refused(tenant.admin().header(HEADER, "  ").body(manifest).put("/v1/agents/" + id + "/intent").then(), 400, HEADER);
        refused(tenant.admin().header(HEADER, parts[0] + ".e30." + parts[2]).body(manifest).put("/v1/agents/" + id + "/intent").then(), 400, HEADER);

        tenant.admin().get("/v1/agents/" + id).then().statusCode(200).body("declared_intent", nullValue())
                .body("declared_intent_jws", nullValue());
    }

    /**
     * A signature is bound to its agent and its moment: an admin cannot put back a manifest the agent signed before,
     * nor use it for an agent with the same key in another organization, nor use one signed long ago (each was
     * accepted: the signature covered the manifest alone).
     */
    @Test
    void aSignatureCannotBeReplayedOnItsAgentOrAnother() {
        AgentKeys keys = AgentKeys.generate();
        String id = agentWithKey(keys);
        Map<String, Object> first = manifest();
        Map<String, Object> second = new HashMap<>(first);
        second.put("permitted_actions", List.of("detections:read"));
        long now = Instant.now().getEpochSecond();
        String firstJws = detached(id, now - 60, first, keys.pair().getPrivate(), AlgorithmIdentifiers.EDDSA);
        tenant.admin().header(HEADER, firstJws).body(first).put("/v1/agents/" + id + "/intent").then().statusCode(200);
        tenant.admin().header(HEADER, detached(id, now - 30, second, keys.pair().getPrivate(), AlgorithmIdentifiers.EDDSA))
                .body(second).put("/v1/agents/" + id + "/intent").then().statusCode(200);

        refused(tenant.admin().header(HEADER, firstJws).body(first).put("/v1/agents/" + id + "/intent").then(), 401, null);
        Tenant other = Tenants.create();
        String copy = other.admin().body(AgentMother.with(AgentMother.triageAgent(), "public_key", keys.publicKey()))
                .post("/v1/agents").then().statusCode(201).extract().path("id");
        refused(other.admin().header(HEADER, firstJws).body(first).put("/v1/agents/" + copy + "/intent").then(), 401, null);
        String old = detached(id, now - 3600, first, keys.pair().getPrivate(), AlgorithmIdentifiers.EDDSA);
        refused(tenant.admin().header(HEADER, old).body(first).put("/v1/agents/" + id + "/intent").then(), 401, null);
        String unbound = detached(null, null, first, keys.pair().getPrivate(), AlgorithmIdentifiers.EDDSA);
        refused(tenant.admin().header(HEADER, unbound).body(first).put("/v1/agents/" + id + "/intent").then(), 400, HEADER);

        tenant.admin().get("/v1/agents/" + id).then().body("declared_intent.permitted_actions", equalTo(List.of("detections:read")));
        other.admin().get("/v1/agents/" + copy).then().body("declared_intent", nullValue());
    }

    /**
     * An unsigned intent in between does not make an older signature new again: the agent's newest signature is kept
     * apart from the one the intent carries (a security trial put back a manifest the agent had signed before, after
     * an unsigned one cleared the signature it was compared with).
     */
    @Test
    void anUnsignedIntentInBetweenDoesNotLetAnOlderSignatureBack() {
        AgentKeys keys = AgentKeys.generate();
        String id = agentWithKey(keys);
        Map<String, Object> signed = manifest();
        long now = Instant.now().getEpochSecond();
        String earlier = detached(id, now - 60, signed, keys.pair().getPrivate(), AlgorithmIdentifiers.EDDSA);
        tenant.admin().header(HEADER, earlier).body(signed).put("/v1/agents/" + id + "/intent").then().statusCode(200);
        Map<String, Object> later = new HashMap<>(signed);
        later.put("permitted_actions", List.of("detections:read"));
        tenant.admin().header(HEADER, detached(id, now - 30, later, keys.pair().getPrivate(), AlgorithmIdentifiers.EDDSA))
                .body(later).put("/v1/agents/" + id + "/intent").then().statusCode(200);
        Map<String, Object> unsigned = new HashMap<>(signed);
        unsigned.put("permitted_actions", List.of("issues:create"));
        tenant.admin().body(unsigned).put("/v1/agents/" + id + "/intent").then().statusCode(200)
                .body("declared_intent_jws", nullValue());

        refused(tenant.admin().header(HEADER, earlier).body(signed).put("/v1/agents/" + id + "/intent").then(), 401, null);
        tenant.admin().get("/v1/agents/" + id).then().body("declared_intent.permitted_actions", equalTo(List.of("issues:create")))
                .body("declared_intent_jws", nullValue());
        // A newer one is taken
        tenant.admin().header(HEADER, detached(id, now, signed, keys.pair().getPrivate(), AlgorithmIdentifiers.EDDSA))
                .body(signed).put("/v1/agents/" + id + "/intent").then().statusCode(200)
                .body("declared_intent_signed_by", equalTo(keys.did()));
    }

    @Test
    void anAgentWithoutAKeyCannotSignItsIntent() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201).extract().path("id");
        String jws = detached(id, manifest(), AgentKeys.generate().pair().getPrivate(), AlgorithmIdentifiers.EDDSA);
        refused(tenant.admin().header(HEADER, jws).body(manifest()).put("/v1/agents/" + id + "/intent").then(), 400, HEADER);
    }

    @Test
    void aKeyIsSetOnCreateOnceAndMalformedOrTakenKeysAreRefused() {
        AgentKeys keys = AgentKeys.generate();
        String id = agentWithKey(keys);
        tenant.admin().get("/v1/agents/" + id).then().body("did", equalTo(keys.did())).body("public_key", equalTo(keys.publicKey()));

        refused(tenant.admin().body(AgentMother.with(AgentMother.triageAgent(), "public_key", keys.publicKey()))
                .post("/v1/agents").then(), 409, null);
        refused(tenant.admin().body(keys.registration(tenant, tenant.adminKey(), "same-key", List.of("api_call")))
                .post("/v1/agents/register").then(), 409, null);
        // The identity point: a small-order key, for which one signature verifies every message
        String smallOrder = "z6MkeXATEjyXENzBXBxgC5EHk2JE5aqd7qMGGtDpLUH1e2Sj";
        for (String bad : List.of("z6Mkabc", "did:key:" + keys.publicKey(), "zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",
                smallOrder)) {
            refused(tenant.admin().body(AgentMother.with(AgentMother.triageAgent(), "public_key", bad)).post("/v1/agents").then(),
                    400, "public_key");
        }
        refused(tenant.admin().body(Map.of("public_key", AgentKeys.generate().publicKey())).patch("/v1/agents/" + id).then(), 400, null);

        // The same key in another organization is another agent.
        Tenant other = Tenants.create();
        other.admin().body(AgentMother.with(AgentMother.triageAgent(), "public_key", keys.publicKey())).post("/v1/agents")
                .then().statusCode(201);
    }

    private String agentWithKey(AgentKeys keys) {
        return tenant.admin().body(AgentMother.with(AgentMother.triageAgent(), "public_key", keys.publicKey()))
                .post("/v1/agents").then().statusCode(201).body("did", equalTo(keys.did())).extract().path("id");
    }

    /** The manifest with all five fields, as Warden stores it: what the agent signs. */
    private static Map<String, Object> manifest() {
        Map<String, Object> manifest = new HashMap<>(AgentMother.intent());
        manifest.put("rate_limit", Map.of("max_actions", 100, "window_seconds", 60));
        return manifest;
    }

    /** Signed now for agent {@code id}. */
    private static String detached(String id, Map<String, Object> manifest, Key key, String algorithm) {
        return detached(id, Instant.now().getEpochSecond(), manifest, key, algorithm);
    }

    /** Signed at {@code iat} for agent {@code id} (null: with neither in the protected header). */
    private static String detached(String id, Long iat, Map<String, Object> manifest, Key key, String algorithm) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(CanonicalJson.canonical(EventJson.MAPPER.valueToTree(manifest)));
            jws.setAlgorithmHeaderValue(algorithm);
            if (id != null) {
                jws.getHeaders().setObjectHeaderValue(IntentSignature.AGENT_HEADER, id);
            }
            if (iat != null) {
                jws.getHeaders().setObjectHeaderValue("iat", iat);
            }
            jws.setKey(key);
            jws.setDoKeyValidation(false);
            return jws.getDetachedContentCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void refused(ValidatableResponse response, int status, String field) {
        response.statusCode(status).body("error.code", notNullValue()).body("error.message", notNullValue());
        if (field != null) {
            response.body("error.details.field", hasItem(field));
        }
    }
}
