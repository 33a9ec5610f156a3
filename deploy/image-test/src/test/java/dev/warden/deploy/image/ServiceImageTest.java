package dev.warden.deploy.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.events.KafkaAccess;
import dev.warden.events.Topics;
import dev.warden.testing.LocalKeycloak;
import dev.warden.testing.LocalPodman;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.TestEvents;
import dev.warden.testing.TestOrganizations;
import dev.warden.testing.TestOrganizations.TestOrg;
import dev.warden.testing.WardenInfra;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The container images the build made, run as deploy/k8s runs them. Each image (by the id Jib wrote, from the Podman
 * store the build loaded it into) is copied into the test's Podman and run with what the service's generated Deployment
 * says: first the {@code migrate} init container's command, then the image's own entrypoint, each on a read-only root
 * with only {@code /tmp} writable, all capabilities dropped, no privilege escalation and the manifest's memory limit,
 * against a real PostgreSQL and Kafka broker, until the service is ready and answers an authenticated request.
 * fleet-service's image in every build; all five with {@code -Pimages} ({@code warden.image-test.services}).
 * <p>
 * The service is called with an API key and with bearer tokens of a real Keycloak ({@link LocalKeycloak}) serving the
 * realm deploy/k8s imports, over TLS with a certificate of its own: the service trusts it only as the manifest says, by
 * the CA in the {@code warden-keycloak-ca} Secret mounted where the Deployment mounts it.
 * <p>
 * What differs from a cluster, on purpose: host networking instead of Services, the test broker's SASL without TLS (so
 * no truststore variables), Keycloak at 127.0.0.1 rather than its in-cluster name, and the services listening on
 * 127.0.0.1.
 */
class ServiceImageTest {

    private static final Path ROOT = Path.of(System.getProperty("warden.root", "../..")).toAbsolutePath().normalize();
    /** The manifest's variables that have no meaning against the test's broker. */
    private static final Set<String> NOT_HERE = Set.of("KAFKA_SSL_TRUSTSTORE_TYPE", "KAFKA_SSL_TRUSTSTORE_CERTIFICATES");
    /** The realm's Secret the manifests mount into every service, and the client this test adds for an org admin. */
    private static final String KEYCLOAK_CA_SECRET = "warden-keycloak-ca";
    private static final String AUTOMATION_CLIENT = "warden-automation";
    private static final String ORG_ADMIN_CLIENT = "warden-image-test-admin";
    private static final String CLIENT_SECRET = UUID.randomUUID().toString();
    private static LocalKeycloak keycloak;
    private static TestOrg org;
    private static Path keycloakCa;
    /** A read each service answers to an admin of a new organization, and its status: it went through auth and SQL. */
    private static final Map<String, Request> READ = Map.of(
            "agent-service", new Request("/v1/agents", 200),
            "audit-service", new Request("/v1/audit", 200),
            "runner-service", new Request("/v1/executions/" + UUID.randomUUID(), 404),
            "fleet-service", new Request("/v1/fleet/agents", 200),
            "registry-service", new Request("/v1/registry", 200));
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Map<String, String> loaded = new HashMap<>();
    private static final List<String> containers = new ArrayList<>();

    static List<String> services() {
        return List.of(System.getProperty("warden.image-test.services", "fleet-service").split(","));
    }

    @AfterAll
    static void removeContainers() {
        for (String name : containers) {
            WardenInfra.podman().podman("rm", "-f", "-i", name);
        }
        if (keycloak != null) {
            keycloak.close();
        }
    }

    /**
     * Keycloak with the realm of deploy/k8s (its KeycloakRealmImport), once for every service: the automation client
     * (platform-admin) with a known secret, and for this test a copy of it whose service account is an admin of the
     * test's organization. Answers the folder holding its CA as the Secret {@code warden-keycloak-ca} would.
     */
    private static synchronized Path keycloak() throws IOException {
        if (keycloak == null) {
            org = TestOrganizations.create(WardenInfra.kafkaBootstrapServers(), "admin");
            ObjectNode realm = (ObjectNode) Deployment.realm(ROOT).deepCopy();
            ArrayNode clients = (ArrayNode) realm.path("clients");
            ObjectNode automation = null;
            for (JsonNode client : clients) {
                if (client.path("clientId").asText().equals(AUTOMATION_CLIENT)) {
                    automation = (ObjectNode) client;
                }
            }
            assertTrue(automation != null, "no " + AUTOMATION_CLIENT + " client in the realm");
            automation.put("secret", CLIENT_SECRET);
            ObjectNode orgAdmin = automation.deepCopy().put("clientId", ORG_ADMIN_CLIENT).put("name", ORG_ADMIN_CLIENT);
            clients.add(orgAdmin);
            ObjectNode account = JSON.createObjectNode().put("username", "service-account-" + ORG_ADMIN_CLIENT)
                    .put("enabled", true).put("serviceAccountClientId", ORG_ADMIN_CLIENT);
            account.putArray("realmRoles").add("admin");
            account.putObject("attributes").putArray("org_id").add(org.id().toString());
            ((ArrayNode) realm.path("users")).add(account);
            String dist = System.getProperty("warden.keycloak.dist");
            assertTrue(dist != null && Files.isRegularFile(Path.of(dist)), "no Keycloak distribution at " + dist);
            keycloak = LocalKeycloak.start(Path.of(dist), Path.of("target/keycloak").toAbsolutePath(), realm,
                    Duration.ofMinutes(4));
            keycloakCa = Files.createDirectories(Path.of("target/secrets", KEYCLOAK_CA_SECRET).toAbsolutePath());
            Files.copy(keycloak.caPem(), keycloakCa.resolve("ca.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return keycloakCa;
    }

    @ParameterizedTest
    @MethodSource("services")
    void theImageRunsAsTheManifestsUserWithJavaAndNoShell(String service) throws IOException {
        Deployment deployment = Deployment.of(ROOT, service);
        LocalPodman podman = WardenInfra.podman();
        String image = load(service, deployment);
        JsonNode config = JSON.readTree(podman.podman("image", "inspect", image)).get(0).path("Config");
        assertEquals(String.valueOf(deployment.runAsUser()), config.path("User").asText(), "the image's user");
        assertEquals("/deployments", config.path("WorkingDir").asText(), "where the migrate step's class path is");
        assertTrue(config.path("ExposedPorts").has(deployment.port() + "/tcp"), config.toString());

        Path root = Path.of(podman.podman("image", "mount", image).trim());
        try {
            assertFalse(Files.exists(root.resolve("bin/sh")), "the image has a /bin/sh");
            Set<String> dirs = new TreeSet<>(List.of("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin"));
            config.path("Env").forEach(v -> {
                if (v.asText().startsWith("PATH=")) {
                    dirs.addAll(List.of(v.asText().substring("PATH=".length()).split(":")));
                }
            });
            Set<String> programs = new TreeSet<>();
            for (String dir : dirs) {
                Path inImage = root.resolve(dir.substring(1));
                if (Files.isDirectory(inImage)) {
                    try (var files = Files.list(inImage)) {
                        files.forEach(f -> programs.add(dir + "/" + f.getFileName()));
                    }
                }
            }
            assertEquals(Set.of("/opt/java/bin/java"), programs, "the only program on the image's PATH and in bin/");
            assertTrue(Files.readAllLines(root.resolve("etc/passwd")).stream()
                    .anyMatch(line -> line.split(":")[2].equals(String.valueOf(deployment.runAsUser()))));
        } finally {
            podman.podman("image", "unmount", image);
        }
    }

    @ParameterizedTest
    @MethodSource("services")
    void theMigrationStepThenTheServiceRunFromTheImageUntilReady(String service) throws Exception {
        Deployment deployment = Deployment.of(ROOT, service);
        String image = load(service, deployment);
        LocalPodman podman = WardenInfra.podman();
        int port = freePort();
        Map<String, Path> secrets = Map.of(KEYCLOAK_CA_SECRET, keycloak());
        prepareKafka(service);
        Map<String, String> here = valuesHere(service, port);
        // The service's own runtime role, by the name its manifest gives it, as the cluster's managed roles make it
        WardenInfra.postgres().ensureRole(deployment.environment(deployment.service(), here, NOT_HERE)
                .get("WARDEN_DB_APP_USER"), WardenInfra.postgres().appPassword());

        String migrate = run(image, deployment, deployment.migrate(), deployment.environment(deployment.migrate(), here, NOT_HERE),
                secrets);
        assertEquals("0", podman.podman("wait", migrate).trim(), "the migrate step failed: " + logs(migrate));

        String app = run(image, deployment, deployment.service(), deployment.environment(deployment.service(), here, NOT_HERE),
                secrets);
        Awaitility.await(service + " ready in its image").atMost(WAIT).pollInterval(Duration.ofMillis(250)).until(() -> {
            String state = podman.podman("inspect", "--format", "{{.State.Status}}", app).trim();
            if (!"running".equals(state)) {
                fail(service + "'s container is " + state + ": " + logs(app));
            }
            return readiness(port) == 200;
        });

        String pid = podman.podman("inspect", "--format", "{{.State.Pid}}", app).trim();
        String status = Files.readString(Path.of("/proc", pid, "status"));
        String uid = String.valueOf(deployment.runAsUser());
        assertTrue(status.matches("(?s).*\\nUid:\\s+" + uid + "\\s+" + uid + "\\s+" + uid + "\\s+" + uid + "\\n.*"),
                service + "'s process is not uid " + uid + ":\n" + status);

        Request read = READ.get(service);
        HttpResponse<String> answer = get(port, read.path(), "X-API-Key", org.key("admin"));
        assertEquals(read.status(), answer.statusCode(), read.path() + ": " + answer.body());
        JSON.readTree(answer.body());

        // Keycloak's tokens, fetched by the service's OIDC over TLS trusting the mounted CA only: an admin of the
        // organization reads as its API key does; the platform admin reads no organization's data
        String adminToken = keycloak.clientToken("warden", ORG_ADMIN_CLIENT, CLIENT_SECRET);
        answer = get(port, read.path(), "Authorization", "Bearer " + adminToken);
        assertEquals(read.status(), answer.statusCode(), read.path() + " with Keycloak's token: " + answer.body()
                + "\n" + logs(app));
        String platformToken = keycloak.clientToken("warden", AUTOMATION_CLIENT, CLIENT_SECRET);
        answer = get(port, read.path(), "Authorization", "Bearer " + platformToken);
        assertEquals(403, answer.statusCode(), read.path() + " with the platform admin's token: " + answer.body());
        answer = get(port, read.path(), "Authorization", "Bearer " + adminToken.substring(0, adminToken.length() - 4) + "AAAA");
        assertEquals(401, answer.statusCode(), "a token whose signature is not Keycloak's: " + answer.body());
    }

    private static HttpResponse<String> get(int port, String path, String header, String value) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header(header, value).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The service's principal with its ACLs and its topics, as the cluster has. */
    private static void prepareKafka(String service) {
        String bootstrap = WardenInfra.kafkaBootstrapServers();
        KafkaAccess access = KafkaAccess.forService(service).orElseThrow();
        Set<String> topics = new TreeSet<>(access.writes());
        topics.addAll(access.reads());
        topics.remove(Topics.ACCESS);
        topics.forEach(topic -> TestEvents.ensureTopic(bootstrap, topic));
    }

    /** What the cluster's ConfigMap and Secrets hold, for this machine; the manifest's ConfigMap gives the rest. */
    private static Map<String, String> valuesHere(String service, int port) throws Exception {
        LocalPostgres pg = WardenInfra.postgres();
        String name = service.replace("-service", "").replace('-', '_');
        String db = WardenInfra.database("warden_" + name + "_image");
        Map<String, String> kafka = WardenInfra.kafkaSecurity(service);
        KeyPair signing = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String prefix = "WARDEN_" + name.toUpperCase(Locale.ROOT) + "_";
        Map<String, String> here = new LinkedHashMap<>();
        here.put(prefix + "PORT", String.valueOf(port));
        here.put(prefix + "DB_URL", pg.reactiveUrl(db));
        here.put(prefix + "DB_JDBC_URL", pg.jdbcUrl(db));
        here.put("WARDEN_DB_APP_PASSWORD", pg.appPassword());
        here.put("WARDEN_DB_OWNER_USER", pg.superUser());
        here.put("WARDEN_DB_OWNER_PASSWORD", pg.superPassword());
        here.put("WARDEN_KAFKA_BOOTSTRAP", WardenInfra.kafkaBootstrapServers());
        here.put("KAFKA_SECURITY_PROTOCOL", kafka.get("security.protocol"));
        here.put("KAFKA_SASL_MECHANISM", kafka.get("sasl.mechanism"));
        here.put("KAFKA_SASL_JAAS_CONFIG", kafka.get("sasl.jaas.config"));
        here.put("WARDEN_PLATFORM_API_KEY_SHA256", "0".repeat(64));
        here.put("WARDEN_AUDIT_SIGNING_KEY", Base64.getEncoder().encodeToString(signing.getPrivate().getEncoded()));
        here.put("WARDEN_AUDIT_SIGNING_PUBLIC_KEY", Base64.getEncoder().encodeToString(signing.getPublic().getEncoded()));
        here.put("WARDEN_OIDC_URL", keycloak.url() + "/realms/warden");
        here.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        return here;
    }

    /**
     * The image the build made for {@code service}, copied once from the Podman store the build loaded it into (by the
     * id Jib wrote) into the test's Podman, under the manifest's image name.
     */
    private static synchronized String load(String service, Deployment deployment) throws IOException {
        if (loaded.containsKey(service)) {
            return loaded.get(service);
        }
        Path idFile = ROOT.resolve(service).resolve("target/jib-image.id");
        assertTrue(Files.isRegularFile(idFile), "no image of " + service + " was built (" + idFile + " is missing): the "
                + "build makes fleet-service's whenever the tests run, every service's with -Pimages (docs/deploy.md)");
        String id = Files.readString(idFile).trim();
        Set<String> names = new TreeSet<>();
        JSON.readTree(HostPodman.run("image", "inspect", id)).get(0).path("RepoTags").forEach(t -> names.add(t.asText()));
        assertTrue(names.contains("localhost/" + deployment.image()) || names.contains("docker.io/" + deployment.image()),
                "the built image " + id + " is " + names + ", the manifest runs " + deployment.image());

        Path tar = Files.createDirectories(Path.of("target", "images")).resolve(service + ".tar");
        Files.deleteIfExists(tar);
        HostPodman.run("save", "--format", "docker-archive", "-o", tar.toString(), id);
        LocalPodman podman = WardenInfra.podman();
        podman.podman("load", "-q", "-i", tar.toString());
        podman.podman("tag", id, deployment.image());
        Files.delete(tar);
        loaded.put(service, deployment.image());
        return deployment.image();
    }

    /**
     * Starts {@code container} of the manifest from {@code image}, detached, with its command if it has one, on the
     * host's network, with the restrictions of its securityContext, the pod's /tmp volume and the Secrets it mounts
     * ({@code secrets}: each Secret's content as a folder here, the items the pod's volume names); answers its name.
     */
    private static String run(String image, Deployment deployment, JsonNode container, Map<String, String> environment,
                              Map<String, Path> secrets) {
        JsonNode security = container.path("securityContext");
        assertTrue(security.path("readOnlyRootFilesystem").asBoolean(), security.toString());
        assertFalse(security.path("allowPrivilegeEscalation").asBoolean(true), security.toString());
        assertEquals("[\"ALL\"]", security.at("/capabilities/drop").toString());
        assertEquals("/tmp", container.at("/volumeMounts/0/mountPath").asText());
        String name = "warden-image-test-" + container.path("name").asText() + "-" + UUID.randomUUID().toString().substring(0, 8);
        containers.add(name);
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name", name, "--pull=never", "--network=host",
                "--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp:rw,size=64m", "--cap-drop=all",
                "--security-opt=no-new-privileges", "--memory", memory(container.at("/resources/limits/memory").asText())));
        for (JsonNode mount : container.path("volumeMounts")) {
            if (mount.path("mountPath").asText().equals("/tmp")) {
                continue;
            }
            JsonNode volume = deployment.volume(mount.path("name").asText());
            String secret = volume.at("/secret/secretName").asText();
            assertTrue(secrets.containsKey(secret), container.path("name").asText() + " mounts " + volume
                    + " and this test has no such Secret");
            assertTrue(mount.path("readOnly").asBoolean(), mount.toString());
            for (JsonNode item : volume.at("/secret/items")) {
                args.addAll(List.of("-v", secrets.get(secret).resolve(item.path("key").asText()) + ":"
                        + mount.path("mountPath").asText() + "/" + item.path("path").asText() + ":ro"));
            }
        }
        environment.forEach((k, v) -> args.addAll(List.of("--env", k + "=" + v)));
        if (container.has("command")) {
            args.add("--entrypoint=" + container.path("command"));  // Kubernetes' command replaces the entrypoint
        }
        args.add(image);
        WardenInfra.podman().podman(args.toArray(String[]::new));
        return name;
    }

    /** The status of /q/health/ready, or 0 while nothing answers yet. */
    private static int readiness(int port) throws InterruptedException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException notYet) {
            return 0;
        }
    }

    private static String logs(String container) {
        return WardenInfra.podman().podman("logs", container);
    }

    /** Kubernetes quantities as Podman takes them: 512Mi is 512m. */
    private static String memory(String quantity) {
        return quantity.replace("Mi", "m").replace("Gi", "g");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private record Request(String path, int status) {
    }
}
