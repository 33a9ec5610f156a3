package dev.warden.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The security invariants of every service's objects, as rendered (docs/security.md). */
class SecurityTest {

    @Test
    void everyServiceDeploymentIsLockedDown() {
        RoutingTable table = RoutingTable.load(Yaml.root().resolve("deploy/routes.json"));
        List<ObjectNode> objects = Yaml.rendered();
        for (String service : table.services().keySet()) {
            assertLockedDown(OverlaysTest.workload(objects, service), service);
        }
    }

    /** Non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp, no escalation, probes. */
    static void assertLockedDown(JsonNode deployment, String service) {
        JsonNode pod = deployment.at("/spec/template/spec");
        assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean(), service);
        assertEquals("RuntimeDefault", pod.at("/securityContext/seccompProfile/type").asText(), service);
        assertEquals(service.equals(Names.RUNNER), pod.path("automountServiceAccountToken").asBoolean(), service);
        assertEquals(1, pod.path("initContainers").size(), service + ": the migration step");
        assertEquals(1, pod.path("containers").size(), service);
        for (String list : List.of("initContainers", "containers")) {
            JsonNode c = pod.path(list).get(0);
            String name = service + " " + c.path("name").asText();
            JsonNode security = c.path("securityContext");
            assertTrue(security.path("runAsNonRoot").asBoolean(), name);
            assertTrue(security.path("readOnlyRootFilesystem").asBoolean(), name);
            assertFalse(security.path("allowPrivilegeEscalation").asBoolean(true), name);
            assertFalse(security.path("privileged").asBoolean(true), name);
            assertEquals("[\"ALL\"]", security.at("/capabilities/drop").toString(), name);
            assertTrue(security.at("/capabilities/add").isMissingNode(), name);
            assertEquals("RuntimeDefault", security.at("/seccompProfile/type").asText(), name);
            assertTrue(c.at("/resources/requests/memory").isTextual(), name);
            assertTrue(c.at("/resources/limits/memory").isTextual(), name);
            assertEquals("/tmp", c.at("/volumeMounts/0/mountPath").asText(), name);
        }
        JsonNode app = pod.path("containers").get(0);
        assertEquals("/q/health/live", app.at("/livenessProbe/httpGet/path").asText());
        assertEquals("/q/health/group/serving", app.at("/readinessProbe/httpGet/path").asText());
        assertTrue(pod.at("/volumes/0/emptyDir").isObject());
    }

    /**
     * Agents run apart: in a namespace of their own, Pod Security "restricted", where every run is denied all traffic
     * and a run whose tier allows network (the engine's {@code dev.warden.runner.network: "true"}) reaches DNS and the
     * internet only, never a private, shared or link-local address (the pod network, the nodes, cloud metadata).
     */
    @Test
    void runsAreDeniedTheNetworkButWhatTheirTierAllowsAndNeverTheClustersOrTheClouds() {
        List<ObjectNode> runs = Yaml.documents(Yaml.k8s().resolve("runs/runs.yaml"));
        JsonNode namespace = OverlaysTest.find(runs, "Namespace", Names.RUNS_NAMESPACE);
        assertEquals("restricted", namespace.at("/metadata/labels/pod-security.kubernetes.io~1enforce").asText());
        JsonNode deny = OverlaysTest.find(runs, "NetworkPolicy", "warden-runs-default-deny");
        assertTrue(deny.at("/spec/podSelector").isMissingNode() || deny.at("/spec/podSelector").isEmpty(), deny.toString());
        assertEquals("[\"Ingress\",\"Egress\"]", deny.at("/spec/policyTypes").toString());
        assertTrue(deny.at("/spec/ingress").isMissingNode() && deny.at("/spec/egress").isMissingNode());
        JsonNode internet = OverlaysTest.find(runs, "NetworkPolicy", "warden-runs-internet");
        assertEquals("true", internet.at("/spec/podSelector/matchLabels/dev.warden.runner.network").asText());
        assertEquals("[\"Egress\"]", internet.at("/spec/policyTypes").toString());
        List<String> except = new java.util.ArrayList<>();
        internet.at("/spec/egress/1/to").forEach(to -> to.at("/ipBlock/except").forEach(c -> except.add(c.asText())));
        assertEquals("0.0.0.0/0", internet.at("/spec/egress/1/to/0/ipBlock/cidr").asText());
        assertTrue(except.containsAll(List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
                "100.64.0.0/10", "fc00::/7", "fe80::/10")), except.toString());
        assertEquals("53", internet.at("/spec/egress/0/ports/0/port").asText());
        // DNS is the cluster's resolver pods, or a node's NodeLocal DNSCache: that one link-local address, on port 53
        // only (the rule's ports), never the rest of 169.254.0.0/16 where cloud metadata answers
        List<String> dnsBlocks = new java.util.ArrayList<>();
        internet.at("/spec/egress/0/to").forEach(to -> to.at("/ipBlock/cidr").asText("").lines()
                .filter(c -> !c.isEmpty()).forEach(dnsBlocks::add));
        assertEquals(List.of("169.254.20.10/32"), dnsBlocks);
        assertEquals(2, internet.at("/spec/egress/0/ports").size());
        for (ObjectNode object : runs) {
            if (!Kustomize.CLUSTER_SCOPED.contains(object.path("kind").asText())) {
                assertEquals(Names.RUNS_NAMESPACE, object.at("/metadata/namespace").asText(), Yaml.id(object));
            }
        }
    }

    /**
     * Runs are bounded by the cluster too, not only by runner-service: each container at most the largest plan tier
     * (a Job asking for more or for no limit is refused), all of them together by a quota with room for a replica's
     * concurrent runs. A tier raised in runner-service beyond the LimitRange would make its runs fail on Kubernetes.
     */
    @Test
    void everyPlanTierFitsWhatTheRunsNamespaceAdmitsAndTheQuotaHoldsAReplicasRuns() throws Exception {
        List<ObjectNode> runs = Yaml.documents(Yaml.k8s().resolve("runs/runs.yaml"));
        JsonNode max = OverlaysTest.find(runs, "LimitRange", "warden-runs").at("/spec/limits/0");
        assertEquals("Container", max.path("type").asText());
        java.util.Properties runner = new java.util.Properties();
        try (var in = java.nio.file.Files.newInputStream(
                Yaml.root().resolve("runner-service/src/main/resources/application.properties"))) {
            runner.load(in);
        }
        Set<String> tiers = new java.util.TreeSet<>();
        for (String name : runner.stringPropertyNames()) {
            if (name.startsWith("warden.runner.tiers.")) {
                tiers.add(name.split("\\.")[3]);
            }
        }
        assertTrue(tiers.containsAll(Set.of("free", "team", "enterprise")), tiers.toString());
        for (String tier : tiers) {
            double cpus = Double.parseDouble(runner.getProperty("warden.runner.tiers." + tier + ".cpus"));
            long memoryMb = Long.parseLong(runner.getProperty("warden.runner.tiers." + tier + ".memory-mb"));
            assertTrue(cpus <= new io.fabric8.kubernetes.api.model.Quantity(max.at("/max/cpu").asText()).getNumericalAmount().doubleValue(), tier);
            assertTrue(memoryMb * 1024 * 1024 <= new io.fabric8.kubernetes.api.model.Quantity(max.at("/max/memory").asText())
                    .getNumericalAmount().longValue(), tier);
        }
        JsonNode quota = OverlaysTest.find(runs, "ResourceQuota", "warden-runs").at("/spec/hard");
        String concurrent = runner.getProperty("warden.runner.max-concurrent").replaceAll(".*:(\\d+)}", "$1");
        assertTrue(quota.path("pods").asInt() >= Integer.parseInt(concurrent), quota.toString());
        for (String resource : List.of("limits.cpu", "limits.memory", "requests.cpu", "requests.memory")) {
            assertFalse(quota.path(resource).isMissingNode(), resource);
        }
    }

    @Test
    void onlyTheMigrationStepHoldsTheSchemaOwnerAndSecretsComeOnlyFromSecrets() {
        RoutingTable table = RoutingTable.load(Yaml.root().resolve("deploy/routes.json"));
        List<ObjectNode> objects = Yaml.rendered();
        for (String service : table.services().keySet()) {
            JsonNode pod = OverlaysTest.workload(objects, service).at("/spec/template/spec");
            JsonNode migrate = pod.path("initContainers").get(0);
            JsonNode app = pod.path("containers").get(0);
            assertEquals(Workloads.MIGRATE_MAIN, migrate.path("command").get(migrate.path("command").size() - 1).asText());
            assertEquals(Set.of(Names.ownerSecret(service)), secrets(migrate));
            assertEquals(Set.of("WARDEN_DB_MIGRATION_URL", "WARDEN_DB_OWNER_USER", "WARDEN_DB_OWNER_PASSWORD",
                    "WARDEN_DB_APP_USER", "WARDEN_LOG_JSON"), names(migrate));

            Set<String> appSecrets = secrets(app);
            assertFalse(appSecrets.contains(Names.ownerSecret(service)), service);
            assertTrue(appSecrets.containsAll(Set.of(Names.appSecret(service), Names.kafkaUserSecret(service))), service);
            // Its own runtime role only: no other service's database credential
            for (String other : table.services().keySet()) {
                assertTrue(other.equals(service) || !appSecrets.contains(Names.appSecret(other)), service + ": " + other);
            }
            assertEquals(Names.appRole(service), OverlaysTest.find(objects, "ConfigMap", Workloads.configMap(service))
                    .at("/data/WARDEN_DB_APP_USER").asText());
            for (String name : names(app)) {
                assertFalse(name.contains("OWNER") || name.contains("MIGRATION"), service + ": " + name);
            }
            // Only this service's principal, never another's; secret values never inline.
            for (String other : table.services().keySet()) {
                if (!other.equals(service)) {
                    assertFalse(appSecrets.contains(other), service + " holds " + other + "'s Kafka principal");
                    assertFalse(appSecrets.contains(Names.ownerSecret(other)));
                }
            }
            for (JsonNode env : app.path("env")) {
                assertTrue(env.has("valueFrom"), service + ": " + env.path("name").asText() + " is inline");
            }
            JsonNode config = OverlaysTest.find(objects, "ConfigMap", Workloads.configMap(service)).path("data");
            config.fieldNames().forEachRemaining(key -> assertFalse(
                    key.contains("PASSWORD") || key.contains("JAAS") || key.contains("SIGNING") || key.contains("KEY_SHA"),
                    service + ": " + key + " belongs in a Secret"));
        }
    }

    @Test
    void networkPoliciesDenyByDefaultAndLetOnlyTheGatewayIn() {
        RoutingTable table = RoutingTable.load(Yaml.root().resolve("deploy/routes.json"));
        List<ObjectNode> objects = Yaml.rendered();
        JsonNode deny = OverlaysTest.find(objects, "NetworkPolicy", "warden-default-deny");
        assertEquals("[\"Ingress\",\"Egress\"]", deny.at("/spec/policyTypes").toString());
        assertTrue(deny.at("/spec/ingress").isMissingNode() && deny.at("/spec/egress").isMissingNode());
        for (var service : table.services().entrySet()) {
            JsonNode policy = OverlaysTest.find(objects, "NetworkPolicy", service.getKey()).path("spec");
            assertEquals(1, policy.path("ingress").size());
            JsonNode ingress = policy.path("ingress").get(0);
            assertEquals(Names.GATEWAY, ingress.at("/from/0/podSelector/matchLabels")
                    .path(Workloads.GATEWAY_POD_LABEL).asText());
            assertEquals(service.getValue().intValue(), ingress.at("/ports/0/port").asInt());
            Set<String> egress = new TreeSet<>();
            for (JsonNode rule : policy.path("egress")) {
                rule.path("ports").forEach(p -> egress.add(p.path("protocol").asText() + "/" + p.path("port").asText()));
                assertTrue(rule.has("to") || service.getKey().equals(Names.RUNNER), "egress anywhere: " + rule);
            }
            Set<String> expected = new TreeSet<>(Set.of("TCP/5432", "TCP/9093", "TCP/8443", "UDP/53", "TCP/53"));
            if (service.getKey().equals(Names.RUNNER)) {
                expected.addAll(Set.of("TCP/443", "TCP/6443"));
            }
            assertEquals(expected, egress, service.getKey());
        }
    }

    private static Set<String> secrets(JsonNode container) {
        Set<String> secrets = new TreeSet<>();
        container.path("env").forEach(e -> {
            if (e.at("/valueFrom/secretKeyRef").isObject()) {
                secrets.add(e.at("/valueFrom/secretKeyRef/name").asText());
            }
        });
        container.path("envFrom").forEach(e -> {
            if (e.has("secretRef")) {
                secrets.add(e.at("/secretRef/name").asText());
            }
        });
        secrets.remove(Names.KAFKA + "-cluster-ca-cert");
        secrets.remove(Names.PLATFORM_SECRET);
        secrets.remove(Names.AUDIT_SIGNER + "-signing-key");
        return secrets;
    }

    private static Set<String> names(JsonNode container) {
        Set<String> names = new TreeSet<>();
        container.path("env").forEach(e -> names.add(e.path("name").asText()));
        return names;
    }

}
