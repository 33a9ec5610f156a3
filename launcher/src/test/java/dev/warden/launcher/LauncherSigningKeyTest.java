package dev.warden.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.launcher.stack.Stack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rotating the checkpoint signing key locally: {@code WARDEN_AUDIT_SIGNING_KEY} and {@code
 * WARDEN_AUDIT_SIGNING_PUBLIC_KEY} win over {@code <data>/secrets/audit-signing-key} and the launcher says so (they were
 * silently replaced by the file's pair); the key they replace stays served by its id; halves that do not match stop the
 * start with audit-service's own reason (the launcher showed the last stack frames instead).
 */
class LauncherSigningKeyTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    @Test
    void theSigningKeyOfTheEnvironmentWinsOverTheFileAndMismatchedHalvesAreRefusedWithTheirReason() throws Exception {
        KeyPair one = ed25519();
        KeyPair other = ed25519();

        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Stack refused = stack(Map.of("WARDEN_AUDIT_SIGNING_KEY", base64(one.getPrivate().getEncoded()),
                "WARDEN_AUDIT_SIGNING_PUBLIC_KEY", base64(other.getPublic().getEncoded())), output);
        try {
            LauncherException e = assertThrows(LauncherException.class, refused::start);
            assertTrue(e.getMessage().contains("audit-service exited with code"), e.getMessage());
            assertTrue(e.getMessage().contains("WARDEN_AUDIT_SIGNING_PUBLIC_KEY is not the public half of WARDEN_AUDIT_SIGNING_KEY"),
                    e.getMessage());
            assertFalse(e.getMessage().contains("\tat "), "no stack frames: " + e.getMessage());
        } finally {
            refused.stop();
        }

        // The launcher's own key, made at the first start and kept in the data folder
        String fileKeyId;
        Stack first = stack(Map.of(), new ByteArrayOutputStream());
        try {
            String url = first.start().gatewayUrl();
            fileKeyId = publicKey(url, "").get("key_id").asText();
            String pair = Files.readString(data.resolve("secrets/audit-signing-key")).trim();
            assertEquals(keyId(Base64.getDecoder().decode(pair.split("\\.")[1])), fileKeyId);
        } finally {
            first.stop();
        }

        output.reset();
        Stack rotated = stack(Map.of("WARDEN_AUDIT_SIGNING_KEY", base64(one.getPrivate().getEncoded()),
                "WARDEN_AUDIT_SIGNING_PUBLIC_KEY", base64(one.getPublic().getEncoded())), output);
        try {
            String url = rotated.start().gatewayUrl();
            String newId = keyId(one.getPublic().getEncoded());
            assertNotEquals(fileKeyId, newId);
            assertEquals(newId, publicKey(url, "").get("key_id").asText());
            assertTrue(LauncherSupervisionTest.text(output).contains("audit checkpoints are signed with the key of "
                    + "WARDEN_AUDIT_SIGNING_KEY and WARDEN_AUDIT_SIGNING_PUBLIC_KEY (key id " + newId + ")"),
                    LauncherSupervisionTest.text(output));
            // The key it replaced, and what that key signed, stay verifiable: served by its id
            assertEquals(fileKeyId, publicKey(url, "?key_id=" + fileKeyId).get("key_id").asText());
        } finally {
            rotated.stop();
        }
    }

    @Test
    void oneHalfWithoutTheOtherIsRefusedBeforeAnythingStarts() {
        Stack stack = stack(Map.of("WARDEN_AUDIT_SIGNING_KEY", base64(ed25519().getPrivate().getEncoded())),
                new ByteArrayOutputStream());
        try {
            LauncherException e = assertThrows(LauncherException.class, stack::start);
            assertTrue(e.getMessage().contains("WARDEN_AUDIT_SIGNING_KEY and WARDEN_AUDIT_SIGNING_PUBLIC_KEY go together"),
                    e.getMessage());
        } finally {
            stack.stop();
        }
    }

    private Stack stack(Map<String, String> extra, ByteArrayOutputStream output) {
        Map<String, String> settings = new HashMap<>(LauncherSupervisionTest.localSuite(data, "audit-service"));
        settings.putAll(extra);
        return new Stack(LauncherConfig.from(Settings.of(settings)),
                new Progress(LauncherSupervisionTest.tee(output), Stack.STEPS));
    }

    private static JsonNode publicKey(String gateway, String query) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(gateway + "/v1/audit/public-key" + query))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    /** As audit-service names a key: the first 16 hex digits of the SHA-256 of its X.509 form. */
    private static String keyId(byte[] x509) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(x509)).substring(0, 16);
    }

    private static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static KeyPair ed25519() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
