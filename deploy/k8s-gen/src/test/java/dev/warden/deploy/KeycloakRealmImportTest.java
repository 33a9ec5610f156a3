package dev.warden.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generated realm imported into a real Keycloak (the distribution from Maven Central,
 * {@code org.keycloak:keycloak-quarkus-dist:26.7.3:zip}, about 180 MB and a minute to start, so opt-in):
 * <pre>-Dwarden.keycloak.dist=&lt;path of the zip&gt;</pre>
 * The import succeeds, and a client-credentials token of the service-account client carries the flat {@code org_id}
 * claim (from the user attribute, through the client's mapper) and its role in {@code realm_access.roles}. Keycloak
 * runs as a plain process here, not through the operator: the KeycloakRealmImport's {@code spec.realm} is what the
 * operator hands to the same import.
 */
@EnabledIfSystemProperty(named = "warden.keycloak.dist", matches = ".+")
class KeycloakRealmImportTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theRealmImportsIntoKeycloakAndAServiceAccountTokenCarriesOrgIdAndItsRole() throws Exception {
        Path work = Path.of("target/keycloak").toAbsolutePath();
        if (!Files.isDirectory(work)) {
            Files.createDirectories(work);
            Process unzip = new ProcessBuilder("unzip", "-q", System.getProperty("warden.keycloak.dist"), "-d",
                    work.toString()).inheritIO().start();
            assertEquals(0, unzip.waitFor());
        }
        Path home;
        try (var dirs = Files.list(work)) {
            home = dirs.filter(d -> d.getFileName().toString().startsWith("keycloak-")).findFirst().orElseThrow();
        }
        JsonNode realmImport = Yaml.documents(Yaml.k8s().resolve("platform/keycloak.yaml")).stream()
                .filter(o -> o.path("kind").asText().equals("KeycloakRealmImport")).findFirst().orElseThrow();
        ObjectNode realm = (ObjectNode) realmImport.at("/spec/realm").deepCopy();
        // For this check only: a known client secret, an org on the service account, and plain HTTP on loopback.
        for (JsonNode client : realm.path("clients")) {
            if (client.path("clientId").asText().equals(Platform.AUTOMATION_CLIENT)) {
                ((ObjectNode) client).put("secret", "check-secret");
            }
        }
        ((ObjectNode) realm.at("/users/0")).set("attributes",
                JSON.createObjectNode().set("org_id", ((ArrayNode) JSON.createArrayNode()).add("acme")));
        realm.put("sslRequired", "none");
        Path imports = home.resolve("data/import");
        Files.createDirectories(imports);
        JSON.writeValue(imports.resolve("warden.json").toFile(), realm);

        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ProcessBuilder builder = new ProcessBuilder("bash", home.resolve("bin/kc.sh").toString(), "start-dev",
                "--http-host=127.0.0.1", "--http-port=" + port, "--import-realm")
                .redirectErrorStream(true).redirectOutput(work.resolve("keycloak.log").toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process keycloak = builder.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest token = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/realms/warden/protocol/openid-connect/token"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&client_id="
                            + Platform.AUTOMATION_CLIENT + "&client_secret=check-secret")).build();
            // Until Keycloak listens and has imported the realm (a minute cold), or it exits.
            AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
            Awaitility.await("a token from the imported realm; see " + work.resolve("keycloak.log"))
                    .atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(2)).ignoreException(java.io.IOException.class)
                    .until(() -> {
                        assertTrue(keycloak.isAlive(), "Keycloak exited; see " + work.resolve("keycloak.log"));
                        last.set(http.send(token, HttpResponse.BodyHandlers.ofString()));
                        return last.get().statusCode() == 200;
                    });
            HttpResponse<String> answer = last.get();
            String payload = JSON.readTree(answer.body()).path("access_token").asText().split("\\.")[1];
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(payload));
            assertEquals("acme", claims.path("org_id").asText(), claims.toString());
            assertTrue(claims.at("/realm_access/roles").toString().contains("\"platform-admin\""), claims.toString());
        } finally {
            keycloak.destroy();
            if (!keycloak.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                keycloak.destroyForcibly();
            }
        }
    }
}
