package dev.warden.fleet.enrollment;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Secrets fleet-service issues: a prefix that tells them apart, then 32 random bytes. Only their SHA-256 is kept. */
public final class FleetSecrets {

    /** Enrolment tokens: {@code Authorization: Bearer wfe_...} registers an instance. */
    public static final String TOKEN_PREFIX = "wfe_";
    /** Instance credentials: {@code Authorization: Bearer wfi_...} heartbeats as that instance. */
    public static final String CREDENTIAL_PREFIX = dev.warden.events.fleet.FleetEvents.CREDENTIAL_PREFIX;
    private static final SecureRandom RANDOM = new SecureRandom();

    private FleetSecrets() {
    }

    public static String newToken() {
        return TOKEN_PREFIX + random(32);
    }

    public static String newCredential() {
        return CREDENTIAL_PREFIX + random(32);
    }

    /** What {@link #newInstanceId} makes: any other id names no instance. */
    public static final java.util.regex.Pattern INSTANCE_ID = java.util.regex.Pattern.compile("^agent-[0-9a-f]{16}$");

    /** {@code agent-} and 16 hex digits: seed 003's instance id shape. */
    public static String newInstanceId() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return "agent-" + HexFormat.of().formatHex(bytes);
    }

    private static String random(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
