package dev.warden.audit.checkpoint;

import dev.warden.api.ApiException;
import dev.warden.events.CanonicalJson;
import io.quarkus.runtime.LaunchMode;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * The Ed25519 key that signs checkpoints. Its private half comes from the environment (PKCS#8, base64). Outside dev
 * and test the service refuses to start without it; in dev and test a key is generated for this process only (every
 * public key that ever signed is kept, so old checkpoints stay verifiable).
 */
@ApplicationScoped
public class SigningKey {

    public static final String ALGORITHM = "Ed25519";
    /** A key's id: the first 16 hex digits of the SHA-256 of its X.509 form ({@link #keyIdOf}). */
    public static final String KEY_ID_PATTERN = "^[0-9a-f]{16}$";
    private static final Logger LOG = Logger.getLogger(SigningKey.class);

    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final String keyId;

    public SigningKey(Config config) {
        KeyPair pair = config.signingKey().filter(k -> !k.isBlank())
                .map(k -> load(k, config.signingPublicKey().orElse(""))).orElseGet(() -> {
            if (LaunchMode.current() == LaunchMode.NORMAL) {
                throw new IllegalStateException("The audit signing key is missing: set WARDEN_AUDIT_SIGNING_KEY "
                        + "(Ed25519 private key, PKCS#8, base64) and WARDEN_AUDIT_SIGNING_PUBLIC_KEY");
            }
            LOG.warn("No WARDEN_AUDIT_SIGNING_KEY: checkpoints are signed with a key generated for this process only");
            return generate();
        });
        this.privateKey = pair.getPrivate();
        this.publicKey = pair.getPublic();
        this.keyId = keyIdOf(publicKey.getEncoded());
    }

    /** How a key is named: the first 16 hex digits of the SHA-256 of its X.509 SubjectPublicKeyInfo encoding. */
    public static String keyIdOf(byte[] x509) {
        return CanonicalJson.sha256Hex(x509).substring(0, 16);
    }

    /** A key id given as a parameter, in lower case; null when absent; a 400 naming {@code name} when malformed. */
    public static String parseKeyId(String name, String raw) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        String id = raw.toLowerCase(java.util.Locale.ROOT);
        if (!id.matches(KEY_ID_PATTERN)) {
            throw ApiException.invalidField(name, "must be a key id: 16 hex digits");
        }
        return id;
    }

    public String keyId() {
        return keyId;
    }

    /** The public key as base64 of its X.509 SubjectPublicKeyInfo encoding. */
    public String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(publicKey.getEncoded());
    }

    public String sign(byte[] payload) {
        try {
            Signature signature = Signature.getInstance(ALGORITHM);
            signature.initSign(privateKey);
            signature.update(payload);
            return Base64.getEncoder().encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not sign a checkpoint", e);
        }
    }

    /** Checks a signature with a base64 X.509 public key: what any holder of the public key can do offline. */
    public static boolean verify(String publicKeyBase64, byte[] payload, String signatureBase64) {
        try {
            PublicKey key = KeyFactory.getInstance(ALGORITHM)
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(publicKeyBase64)));
            Signature signature = Signature.getInstance(ALGORITHM);
            signature.initVerify(key);
            signature.update(payload);
            return signature.verify(Base64.getDecoder().decode(signatureBase64));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** A new key pair, base64 PKCS#8 of the private key first: for launchers and operators to create one. */
    public static String[] newKeyPairBase64() {
        KeyPair pair = generate();
        return new String[]{Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()),
                Base64.getEncoder().encodeToString(pair.getPublic().getEncoded())};
    }

    private static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The JDK cannot derive an Ed25519 public key from its private key, so both halves are configured. */
    private static KeyPair load(String pkcs8Base64, String x509Base64) {
        try {
            KeyFactory factory = KeyFactory.getInstance(ALGORITHM);
            PrivateKey privateKey = factory.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pkcs8Base64.trim())));
            PublicKey publicKey = factory.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(x509Base64.trim())));
            byte[] probe = "warden".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            KeyPair pair = new KeyPair(publicKey, privateKey);
            Signature signature = Signature.getInstance(ALGORITHM);
            signature.initSign(privateKey);
            signature.update(probe);
            if (!verify(x509Base64.trim(), probe, Base64.getEncoder().encodeToString(signature.sign()))) {
                throw new IllegalStateException("WARDEN_AUDIT_SIGNING_PUBLIC_KEY is not the public half of WARDEN_AUDIT_SIGNING_KEY");
            }
            return pair;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("WARDEN_AUDIT_SIGNING_KEY and WARDEN_AUDIT_SIGNING_PUBLIC_KEY must be a base64 "
                    + "PKCS#8 Ed25519 private key and its base64 X.509 public key", e);
        }
    }

    @ConfigMapping(prefix = "warden.audit")
    public interface Config {

        /** Base64 PKCS#8 Ed25519 private key; from the environment only. */
        Optional<String> signingKey();

        /** Base64 X.509 public key of {@link #signingKey()}. */
        Optional<String> signingPublicKey();

        @WithDefault("60s")
        Duration checkpointInterval();

        /**
         * A chain this many entries past its last checkpoint is signed at once, not at the interval's end: a compliance
         * package's chain proof runs from its first entry to the checkpoint after its last, and holds at most 50,000
         * entries with the package's own, so a busy chain (2,000 entries a second is 120,000 a minute) needs them closer.
         */
        @WithDefault("10000")
        long checkpointEveryEntries();
    }
}
