package dev.warden.agent.registration;

import com.apicatalog.multibase.Multibase;
import dev.warden.agent.support.AgentKeys;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DidKeyTest {

    /** The did:key multibase of 32 raw key bytes. */
    static String didKey(byte[] raw) {
        byte[] multicodec = new byte[34];
        multicodec[0] = (byte) 0xed;
        multicodec[1] = 0x01;
        System.arraycopy(raw, 0, multicodec, 2, 32);
        return Multibase.BASE_58_BTC.encode(multicodec);
    }

    /** y little-endian, from its hex written big-endian (as a number). */
    private static byte[] point(String bigEndianHex) {
        byte[] bytes = HexFormat.of().parseHex(bigEndianHex);
        byte[] little = new byte[32];
        for (int i = 0; i < 32; i++) {
            little[i] = bytes[31 - i];
        }
        return little;
    }

    @Test
    void aGeneratedKeyIsAKeyAndVerifiesItsSignatures() {
        AgentKeys keys = AgentKeys.generate();
        DidKey key = DidKey.parse(keys.publicKey()).orElseThrow();
        assertTrue(key.signed("challenge", keys.sign("challenge")));
        assertFalse(key.signed("another", keys.sign("challenge")));
    }

    /**
     * The small-order points: with the identity as the key, R the identity and S zero verify for every message in the
     * JDK (a security trial registered and signed intents so, holding no private key). Each is refused as a key, as
     * are encodings of y not below p.
     */
    @Test
    void smallOrderAndNonCanonicalKeysAreNoKeys() {
        byte[] identity = new byte[32];
        identity[0] = 1;
        String identityKey = didKey(identity);
        assertTrue(identityKey.startsWith("z6Mk"), identityKey);
        assertFalse(DidKey.parse(identityKey).isPresent(), "the identity (order 1)");

        byte[] anySignature = new byte[64];
        anySignature[0] = 1; // R: the identity; S: 0
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(anySignature);
        assertFalse(DidKey.parse(identityKey).map(key -> key.signed("any message", forged)).orElse(false));

        String p = "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed";
        assertFalse(DidKey.parse(didKey(point("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffec"))).isPresent(),
                "y = p - 1: order 2");
        assertFalse(DidKey.parse(didKey(new byte[32])).isPresent(), "y = 0: order 4");
        assertFalse(DidKey.parse(didKey(point(p))).isPresent(), "y = p: 0, not canonical");
        assertFalse(DidKey.parse(didKey(point("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffee"))).isPresent(),
                "y = p + 1: the identity, not canonical");
        byte[] signed = Arrays.copyOf(identity, 32);
        signed[31] = (byte) 0x80;
        assertFalse(DidKey.parse(didKey(signed)).isPresent(), "the identity with x's sign set");
    }
}
