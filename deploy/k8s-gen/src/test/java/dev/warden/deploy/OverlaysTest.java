package dev.warden.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both overlays render. Always through the minimal kustomize in this module ({@link Kustomize}); where
 * {@code kubectl} is installed also through {@code kubectl kustomize}, and both renderings must agree.
 */
class OverlaysTest {

    static final Map<String, Integer> REPLICAS = Map.of("dev", 1, "prod", 2);
    static final Map<String, String> TAGS = Map.of("dev", "dev", "prod", Names.IMAGE_TAG.replace("-SNAPSHOT", ""));

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void theOverlayRendersWithItsReplicasTagsAndNamespace(String overlay) {
        List<ObjectNode> objects = Kustomize.build(Yaml.k8s().resolve("overlays/" + overlay));
        RoutingTable table = RoutingTable.load(Yaml.root().resolve("deploy/routes.json"));
        for (String service : table.services().keySet()) {
            JsonNode deployment = workload(objects, service);
            assertEquals(REPLICAS.get(overlay), deployment.at("/spec/replicas").asInt(), service);
            assertEquals("warden", deployment.at("/metadata/namespace").asText());
            for (String list : List.of("containers", "initContainers")) {
                assertEquals(Names.IMAGE_REPOSITORY + service + ":" + TAGS.get(overlay),
                        deployment.at("/spec/template/spec/" + list + "/0/image").asText(), service + " " + list);
            }
        }
        assertFalse(find(objects, "Namespace", "warden").at("/metadata").has("namespace"));
        for (ObjectNode object : objects) {
            if (!Kustomize.CLUSTER_SCOPED.contains(object.path("kind").asText())) {
                // Agents run apart (Runs): runner-service's Role and the runs' policies, quota and limits are there,
                // the rest in warden
                boolean run = object.at("/metadata/name").asText().startsWith(Names.RUNS_NAMESPACE)
                        || object.path("kind").asText().startsWith("Role");
                assertEquals(run ? Names.RUNS_NAMESPACE : "warden", object.at("/metadata/namespace").asText(), Yaml.id(object));
            }
        }
        // One database instance has no standby to commit to synchronously: CloudNativePG would refuse the cluster
        JsonNode cluster = find(objects, "Cluster", Names.POSTGRES);
        int instances = cluster.at("/spec/instances").asInt();
        JsonNode synchronous = cluster.at("/spec/postgresql/synchronous");
        assertTrue(synchronous.isMissingNode() || synchronous.path("number").asInt() < instances,
                overlay + ": synchronous replicas " + synchronous + " of " + instances + " instances");
        // The rendered overlay still parses into the typed models.
        for (ObjectNode object : objects) {
            Class<?> type = TypedModelTest.TYPED.get(object.path("kind").asText());
            if (type != null) {
                assertEquals(List.of(), TypedModelTest.check(object, type));
            }
        }
    }

    @org.junit.jupiter.api.Test
    void anOverlayWithTheTracingComponentSendsSpansToTheCollectorThroughItsPolicy() throws Exception {
        Path overlay = tracingOverlay();
        List<ObjectNode> objects = Kustomize.build(overlay);
        RoutingTable table = RoutingTable.load(Yaml.root().resolve("deploy/routes.json"));
        for (String service : table.services().keySet()) {
            JsonNode config = find(objects, "ConfigMap", service + "-config").path("data");
            assertEquals("false", config.path("WARDEN_OTEL_DISABLED").asText(), service);
            assertEquals(Tracing.ENDPOINT, config.path("WARDEN_OTEL_ENDPOINT").asText(), service);
        }
        JsonNode policy = find(objects, "NetworkPolicy", "warden-allow-otlp");
        assertEquals("warden", policy.at("/metadata/namespace").asText());
        assertEquals("warden", policy.at("/spec/podSelector/matchLabels/app.kubernetes.io~1part-of").asText());
        JsonNode egress = policy.at("/spec/egress/0");
        assertEquals(Tracing.OTLP_GRPC, egress.at("/ports/0/port").asInt());
        assertEquals(Tracing.COLLECTOR, egress.at("/to/0/podSelector/matchLabels/app.kubernetes.io~1name").asText());
        // The endpoint's host is the collector's Service in the namespace the policy admits
        assertTrue(Tracing.ENDPOINT.contains("." + egress.at("/to/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name")
                .asText() + ".svc:"), Tracing.ENDPOINT);
        // The prod overlay's objects are all still there, with the policy beside them
        assertEquals(Kustomize.build(Yaml.k8s().resolve("overlays/prod")).size() + 1, objects.size());
        assertKubectlRendersTheSame(overlay);
    }

    /** An overlay of a user's: prod with the tracing Component, in the build's output folder (kustomize takes relative paths only). */
    private static Path tracingOverlay() throws Exception {
        Path overlay = Yaml.root().resolve("deploy/k8s-gen/target/tracing-overlay");
        Files.createDirectories(overlay);
        Files.writeString(overlay.resolve("kustomization.yaml"), "resources:\n  - "
                + overlay.relativize(Yaml.k8s().resolve("overlays/prod")) + "\ncomponents:\n  - "
                + overlay.relativize(Yaml.k8s().resolve("tracing")) + "\n");
        return overlay;
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/dev", "overlays/prod", "monitoring"})
    void kubectlKustomizeRendersTheSameObjects(String overlay) throws Exception {
        assertKubectlRendersTheSame(Yaml.k8s().resolve(overlay));
    }

    private static void assertKubectlRendersTheSame(Path overlay) throws Exception {
        // Never skipped: .ci/run makes sure kubectl is there, and this fails, saying so, where it is not.
        assertTrue(onPath("kubectl"), "kubectl is a prerequisite of this test (the reference kustomize); .ci/run "
                + "installs it (apt-get install kubernetes-client where no kubectl is packaged)");
        Path out = Files.createTempFile("kustomize-", ".yaml");
        Process process = new ProcessBuilder("kubectl", "kustomize", overlay.toString())
                .redirectOutput(out.toFile()).redirectErrorStream(false)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "kubectl kustomize took too long");
        assertEquals(0, process.exitValue(), "kubectl kustomize failed");
        Map<String, JsonNode> kubectl = byId(Yaml.documents(out));
        Map<String, JsonNode> ours = byId(Kustomize.build(overlay));
        assertEquals(ours.keySet(), kubectl.keySet());
        for (String id : ours.keySet()) {
            assertEquals(ours.get(id), kubectl.get(id), id);
        }
        Files.delete(out);
    }

    private static Map<String, JsonNode> byId(List<ObjectNode> objects) {
        return objects.stream().collect(Collectors.toMap(Yaml::id, o -> o, (a, b) -> a, java.util.TreeMap::new));
    }

    /** A service's Deployment, or runner-service's StatefulSet (a stable name per replica: Workloads). */
    static JsonNode workload(List<ObjectNode> objects, String service) {
        return find(objects, service.equals(Names.RUNNER) ? "StatefulSet" : "Deployment", service);
    }

    static JsonNode find(List<ObjectNode> objects, String kind, String name) {
        return objects.stream().filter(o -> Yaml.id(o).equals(kind + "/" + name)).findFirst()
                .orElseThrow(() -> new AssertionError(kind + "/" + name + " is not rendered"));
    }

    private static boolean onPath(String command) {
        return java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> Path.of(dir, command)).anyMatch(Files::isExecutable);
    }

}
