package dev.warden.agent.support;

import com.apicatalog.multibase.Multibase;
import dev.warden.agent.support.Tenants.Tenant;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** An agent's own Ed25519 key pair, as a self-registering agent holds it: did:key form, signing, registering. */
public record AgentKeys(KeyPair pair, String publicKey) {

    public static AgentKeys generate() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] spki = pair.getPublic().getEncoded();
            byte[] multicodec = new byte[34];
            multicodec[0] = (byte) 0xed;
            multicodec[1] = 0x01;
            System.arraycopy(spki, spki.length - 32, multicodec, 2, 32);
            return new AgentKeys(pair, Multibase.BASE_58_BTC.encode(multicodec));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public String did() {
        return "did:key:" + publicKey;
    }

    /** base64url Ed25519 signature of the text's UTF-8 bytes. */
    public String sign(String text) {
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(pair.getPrivate());
            signer.update(text.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(signer.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A challenge issued for this key to the caller with {@code key}. */
    public String challenge(Tenant tenant, String key) {
        return tenant.as(key).body(Map.of("publicKey", publicKey)).post("/v1/agents/register/challenge")
                .then().statusCode(200).extract().path("challenge");
    }

    /** The body of a valid registration: a fresh challenge, signed. */
    public Map<String, Object> registration(Tenant tenant, String key, String name, List<String> capabilities) {
        String challenge = challenge(tenant, key);
        return Map.of("name", name, "version", "1.0.0", "capabilities", capabilities, "publicKey", publicKey,
                "challenge", challenge, "signature", sign(challenge));
    }

    /** Registers and answers the pending registration's id, as the org admin sees it. */
    public String register(Tenant tenant, String name, List<String> capabilities) {
        tenant.admin().body(registration(tenant, tenant.adminKey(), name, capabilities)).post("/v1/agents/register")
                .then().statusCode(201);
        List<Map<String, Object>> pending = tenant.admin().get("/v1/registrations").then().statusCode(200)
                .extract().path("registrations");
        return pending.stream().filter(r -> publicKey.equals(r.get("publicKey"))).map(r -> (String) r.get("id"))
                .findFirst().orElseThrow();
    }

}
