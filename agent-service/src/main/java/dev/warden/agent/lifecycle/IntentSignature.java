package dev.warden.agent.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.agent.registration.DidKey;
import dev.warden.api.ApiException;
import dev.warden.events.CanonicalJson;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.lang.JoseException;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An intent manifest the agent signed with its own key: a JWS (RFC 7515) in compact form with a detached payload
 * ({@code header..signature}, RFC 7515 appendix F), algorithm EdDSA, over the UTF-8 bytes of the manifest's RFC 8785
 * canonical JSON as Warden stores it. jose4j parses and verifies it; the algorithm is pinned, so {@code none} or an HMAC
 * keyed with the public key are refused. Its protected header binds it to one agent and one moment, so that it cannot
 * be replayed: {@code warden_agent_id} is the agent's id (an agent of another organization with the same key, or
 * another agent, cannot use it), and {@code iat} (seconds since the epoch) is within {@link #SKEW} of now and later
 * than the {@code iat} of every signature accepted for the agent before (a manifest the agent signed before cannot be
 * put back, even after an unsigned intent replaced it: {@link Agent#intentSignedIat}).
 */
public final class IntentSignature {

    /** The request header that carries it. */
    public static final String HEADER = "Warden-Intent-Signature";

    private static final Pattern DETACHED = Pattern.compile("^[A-Za-z0-9_-]{1,2000}\\.\\.[A-Za-z0-9_-]{1,200}$");
    /** The protected header parameter naming the agent it was signed for. */
    public static final String AGENT_HEADER = "warden_agent_id";
    /** How far {@code iat} may be from now, either way. */
    static final Duration SKEW = Duration.ofMinutes(5);

    private IntentSignature() {
    }

    /**
     * Checks that {@code jws} is the agent's signature of {@code manifest}. A value that is not a detached compact JWS
     * is a 400 naming the header; an agent without a key is a 400; a signature that does not verify is a 401.
     * Answers the signature's {@code iat}.
     */
    public static long verify(String jws, JsonNode manifest, Agent agent, Instant now) {
        if (!DETACHED.matcher(jws).matches()) {
            throw ApiException.invalidField(HEADER, "must be a JWS in compact form with a detached payload (header..signature)");
        }
        if (agent.publicKey == null) {
            throw ApiException.invalidField(HEADER, "the agent has no key to sign with; only an agent with a public key "
                    + "(registered itself, or created with public_key) can sign its intent");
        }
        DidKey key = DidKey.parse(agent.publicKey).orElseThrow(() -> ApiException.invalidField(HEADER,
                "the agent's key is not one a signature can be checked with (it " + DidKey.EXPECTED + ")"));
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
            throw refused("The intent signature is not the agent's EdDSA signature of the manifest's canonical JSON");
        }
        Object boundTo = header(signature, AGENT_HEADER);
        Object iat = header(signature, "iat");
        if (!(boundTo instanceof String) || !(iat instanceof Number)) {
            throw ApiException.invalidField(HEADER, "its protected header must name the agent (" + AGENT_HEADER
                    + ", the agent's id) and when it was signed (iat, seconds since the epoch)");
        }
        if (!boundTo.equals(agent.id.toString())) {
            throw refused("The intent signature was made for another agent");
        }
        long signedAt = ((Number) iat).longValue();
        if (Math.abs(signedAt - now.getEpochSecond()) > SKEW.toSeconds()) {
            throw refused("The intent signature's iat is more than " + SKEW.toMinutes() + " minutes from now; sign again");
        }
        Long current = agent.declaredIntentJws == null ? null : signedAt(agent.declaredIntentJws);
        long newest = Math.max(current == null ? Long.MIN_VALUE : current,
                agent.intentSignedIat == null ? Long.MIN_VALUE : agent.intentSignedIat);
        if (signedAt <= newest) {
            throw refused("The intent signature is not newer than the newest the agent signed before (iat " + newest + ")");
        }
        return signedAt;
    }

    /** The {@code iat} of a signature accepted before; null for one from before iat was required. */
    private static Long signedAt(String jws) {
        try {
            JsonWebSignature kept = new JsonWebSignature();
            kept.setCompactSerialization(jws);
            return header(kept, "iat") instanceof Number n ? n.longValue() : null;
        } catch (JoseException e) {
            return null;
        }
    }

    private static Object header(JsonWebSignature signature, String name) {
        return signature.getHeaders().getObjectHeaderValue(name);
    }

    private static ApiException refused(String why) {
        return new ApiException(401, "unauthorized", why, List.of());
    }
}
