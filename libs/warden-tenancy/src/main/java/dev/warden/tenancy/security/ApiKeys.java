package dev.warden.tenancy.security;

import dev.warden.events.CanonicalJson;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/** API key secrets: {@code wdn_} and 32 random bytes; only their SHA-256 is stored or published. */
public final class ApiKeys {

    public static final String SECRET_PREFIX = "wdn_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {
    }

    public static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static String sha256(String secret) {
        return CanonicalJson.sha256Hex(secret.getBytes(StandardCharsets.UTF_8));
    }

    /** The part of a secret that may be shown again to recognise the key: {@code wdn_} and 6 characters. */
    public static String displayPrefix(String secret) {
        return secret.substring(0, Math.min(secret.length(), SECRET_PREFIX.length() + 6));
    }
}
