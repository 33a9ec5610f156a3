package dev.warden.agent.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.agent.registration.DidKey;
import dev.warden.api.ApiException;
import dev.warden.events.CanonicalJson;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.lang.JoseException;

import java.util.List;
import java.util.regex.Pattern;

/**
 * An intent manifest the agent signed with its own key: a JWS (RFC 7515) in compact form with a detached payload
 * ({@code header..signature}, RFC 7515 appendix F), algorithm EdDSA, over the UTF-8 bytes of the manifest's RFC 8785
 * canonical JSON as Warden stores it. jose4j parses and verifies it; the algorithm is pinned, so {@code none} or an HMAC
 * keyed with the public key are refused.
 */
public final class IntentSignature {

    /** The request header that carries it. */
    public static final String HEADER = "Warden-Intent-Signature";

    private static final Pattern DETACHED = Pattern.compile("^[A-Za-z0-9_-]{1,2000}\\.\\.[A-Za-z0-9_-]{1,200}$");

    private IntentSignature() {
    }

    /**
     * Checks that {@code jws} is the agent's signature of {@code manifest}. A value that is not a detached compact JWS
     * is a 400 naming the header; an agent without a key is a 400; a signature that does not verify is a 401.
     */
    public static void verify(String jws, JsonNode manifest, Agent agent) {
        if (!DETACHED.matcher(jws).matches()) {
            throw ApiException.invalidField(HEADER, "must be a JWS in compact form with a detached payload (header..signature)");
        }
        if (agent.publicKey == null) {
            throw ApiException.invalidField(HEADER, "the agent has no key to sign with; only an agent with a public key "
                    + "(registered itself, or created with public_key) can sign its intent");
        }
        DidKey key = DidKey.parse(agent.publicKey).orElseThrow(() -> new IllegalStateException("stored key unreadable"));
        JsonWebSignature signature = new JsonWebSignature();
        signature.setAlgorithmConstraints(new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                AlgorithmIdentifiers.EDDSA));
        boolean valid;
        try {
            signature.setCompactSerialization(jws);
            signature.setPayload(CanonicalJson.canonical(manifest));
            signature.setKey(key.key());
            valid = signature.verifySignature();
        } catch (JoseException | RuntimeException e) {
            valid = false;
        }
        if (!valid) {
            throw new ApiException(401, "unauthorized", "The intent signature is not the agent's EdDSA signature of the "
                    + "manifest's canonical JSON", List.of());
        }
    }
}
