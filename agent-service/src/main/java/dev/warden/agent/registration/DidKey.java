package dev.warden.agent.registration;

import com.apicatalog.multibase.Multibase;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * An Ed25519 key in did:key multibase form ({@code z6Mk...}): base58btc (multibase prefix {@code z}) of the multicodec
 * prefix {@code 0xed 0x01} and the 32 key bytes. Base58 comes from copper-multibase; the signature check from the JDK.
 * A key must pass RFC 8032's full check (BouncyCastle's {@code Ed25519.validatePublicKeyFull}): its encoding canonical,
 * its point on the curve and of the group's prime order. The JDK takes the small-order points (the identity, for one),
 * for which a fixed signature verifies every message: a registration's proof and an intent's signature made with no
 * private key at all (found by a security trial).
 */
public record DidKey(String multibase, PublicKey key) {

    private static final byte[] ED25519_MULTICODEC = {(byte) 0xed, 0x01};
    /** The DER header of an X.509 SubjectPublicKeyInfo for Ed25519 (RFC 8410), followed by the 32 raw key bytes. */
    private static final byte[] X509_ED25519 = HexFormat.of().parseHex("302a300506032b6570032100");

    /** What a key must be, for a refusal's message. */
    public static final String EXPECTED = "must be an Ed25519 did:key in multibase form (z6Mk...) whose point is of the "
            + "curve's prime order, as a key made from a private key is";

    /** The key, or empty when the text is not a did:key Ed25519 key. */
    public static Optional<DidKey> parse(String multibase) {
        if (multibase == null || !multibase.startsWith("z6Mk") || multibase.length() > 60
                || !Multibase.BASE_58_BTC.isEncoded(multibase)) {
            return Optional.empty();
        }
        byte[] decoded;
        try {
            decoded = Multibase.BASE_58_BTC.decode(multibase);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        if (decoded.length != 34 || decoded[0] != ED25519_MULTICODEC[0] || decoded[1] != ED25519_MULTICODEC[1]) {
            return Optional.empty();
        }
        if (!Ed25519.validatePublicKeyFull(decoded, 2)) {
            return Optional.empty();
        }
        byte[] spki = Arrays.copyOf(X509_ED25519, X509_ED25519.length + 32);
        System.arraycopy(decoded, 2, spki, X509_ED25519.length, 32);
        try {
            return Optional.of(new DidKey(multibase, KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki))));
        } catch (GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    public String did() {
        return "did:key:" + multibase;
    }

    /** Whether {@code signature} (base64url, padding optional) is this key's Ed25519 signature of the text's UTF-8 bytes. */
    public boolean signed(String text, String signature) {
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(text.getBytes(StandardCharsets.UTF_8));
            return verifier.verify(Base64.getUrlDecoder().decode(signature));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }
}
