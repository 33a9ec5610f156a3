package dev.warden.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A real Keycloak, run from its distribution (the zip Maven Central publishes, {@code
 * org.keycloak:keycloak-quarkus-dist}) as a plain process on loopback, serving HTTPS only with a certificate made for
 * it (keytool: a self-signed certificate for 127.0.0.1 and localhost, which is its own CA), and importing one realm.
 * About a minute to start cold on our machines, 450 MB of memory: for end-to-end tests, not for every test class.
 */
public final class LocalKeycloak implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final int port;
    private final Path caPem;
    private final Path log;
    private final HttpClient http;

    private LocalKeycloak(Process process, int port, Path caPem, Path log, HttpClient http) {
        this.process = process;
        this.port = port;
        this.caPem = caPem;
        this.log = log;
        this.http = http;
    }

    /**
     * Unpacks {@code distribution} under {@code work} (once), imports {@code realm} (a realm representation, as a
     * KeycloakRealmImport's {@code spec.realm}) and waits until the realm answers over HTTPS, at most {@code wait}.
     */
    public static LocalKeycloak start(Path distribution, Path work, JsonNode realm, Duration wait) {
        try {
            Path home = unpack(distribution, work);
            Path certs = Files.createDirectories(work.resolve("tls"));
            Path keyStore = certs.resolve("keycloak.p12");
            Path caPem = certs.resolve("ca.crt");
            String password = UUID.randomUUID().toString();
            Files.deleteIfExists(keyStore);
            keytool("-genkeypair", "-alias", "keycloak", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                    "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-ext", "BC:c=ca:true",
                    "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", password);
            keytool("-exportcert", "-rfc", "-alias", "keycloak", "-keystore", keyStore.toString(), "-storepass", password,
                    "-file", caPem.toString());

            // A fresh start: the development database of an earlier start (data/h2) would keep its realm, and an
            // import never replaces a realm that exists
            deleteTree(home.resolve("data"));
            Path imports = Files.createDirectories(home.resolve("data/import"));
            JSON.writeValue(imports.resolve(realm.path("realm").asText() + ".json").toFile(), realm);

            int port = freePort();
            Path log = work.resolve("keycloak.log");
            ProcessBuilder builder = new ProcessBuilder("bash", home.resolve("bin/kc.sh").toString(), "start-dev",
                    // The HTTP port too, though disabled: Keycloak still binds it (8080 by default, taken by a
                    // running bin/warden up's gateway, so every test with Keycloak failed beside one)
                    "--http-enabled=false", "--http-host=127.0.0.1", "--http-port=" + freePort(), "--https-port=" + port,
                    "--https-key-store-file=" + keyStore, "--https-key-store-password=" + password,
                    "--hostname-strict=false", "--import-realm")
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
            LocalKeycloak keycloak = new LocalKeycloak(builder.start(), port, caPem, log, trusting(caPem));
            keycloak.awaitRealm(realm.path("realm").asText(), wait);
            return keycloak;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code https://127.0.0.1:<port>}. */
    public String url() {
        return "https://127.0.0.1:" + port;
    }

    /** The certificate clients must trust (PEM): Keycloak's own, self-signed. */
    public Path caPem() {
        return caPem;
    }

    /** An access token of {@code clientId}'s service account (the client credentials grant). */
    public String clientToken(String realm, String clientId, String secret) {
        HttpResponse<String> answer = tokenRequest(realm, clientId, secret);
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("Keycloak refused a token for " + clientId + ": " + answer.statusCode() + " "
                    + answer.body());
        }
        try {
            return JSON.readTree(answer.body()).path("access_token").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpResponse<String> tokenRequest(String realm, String clientId, String secret) {
        String form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8)
                + "&client_secret=" + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url() + "/realms/" + realm + "/protocol/openid-connect/token"))
                    .header("Content-Type", "application/x-www-form-urlencoded").timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitRealm(String realm, Duration wait) {
        Instant deadline = Instant.now().plus(wait);
        URI discovery = URI.create(url() + "/realms/" + realm + "/.well-known/openid-configuration");
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Keycloak exited with " + process.exitValue() + ":\n" + tail());
            }
            try {
                if (http.send(HttpRequest.newBuilder(discovery).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("Keycloak did not serve realm " + realm + " within " + wait + ":\n" + tail());
            }
            try {
                process.waitFor(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** The distribution's folder under {@code work}, unpacked from the zip the first time. */
    private static Path unpack(Path distribution, Path work) throws IOException {
        Path unpacked = work.resolve("dist");
        Path done = work.resolve("dist.unpacked");
        if (!Files.exists(done)) {
            Files.createDirectories(unpacked);
            try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(distribution))) {
                for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                    Path target = unpacked.resolve(entry.getName()).normalize();
                    if (!target.startsWith(unpacked)) {
                        throw new IOException("entry outside the folder: " + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(target);
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(zip, target);
                    }
                }
            }
            Files.writeString(done, distribution.toString());
        }
        try (var dirs = Files.list(unpacked)) {
            Path home = dirs.filter(d -> d.getFileName().toString().startsWith("keycloak-")).findFirst()
                    .orElseThrow(() -> new IOException("no keycloak-* folder in " + distribution));
            home.resolve("bin/kc.sh").toFile().setExecutable(true);
            return home;
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (process.waitFor() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** An HTTP client trusting {@code caPem} only. */
    private static HttpClient trusting(Path caPem) throws IOException {
        try (InputStream in = Files.newInputStream(caPem)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("keycloak", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot trust " + caPem, e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
