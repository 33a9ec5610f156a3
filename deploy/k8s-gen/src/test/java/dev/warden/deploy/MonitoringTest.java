package dev.warden.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The monitoring kustomization renders; the dashboard and the alerts use only metrics the services export. */
class MonitoringTest {

    /**
     * docs/architecture.md, "Observability", registry-service's freshness timer, the leader jobs' meters (fleet-service's
     * MetricsTest reads them, with the sweep's instance counts), audit-service's verification verdicts (its ImmutabilityTest reads them)
     * the access directory's skipped records (warden-tenancy's AccessDirectoryTest) and the audit topic's oldest age
     * (audit-service's MetricsTest).
     */
    static final Set<String> EXPORTED = Set.of("http_server_requests_seconds_count", "http_server_requests_seconds_sum",
            "warden_outbox_backlog", "warden_outbox_oldest_age_seconds", "warden_consumer_lag",
            "warden_consumer_dead_lettered_total", "warden_registry_freshness_seconds_max", "up",
            "warden_leader_job_last_round_timestamp_seconds", "warden_audit_chain_verifications_total",
            "warden_fleet_instances", "warden_stored_config_secrets_total", "warden_access_records_skipped_total",
            "warden_audit_topic_oldest_age_seconds");

    @Test
    void theMonitoringKustomizationRendersAndScrapesEveryServicePort() {
        List<ObjectNode> objects = Kustomize.build(Yaml.k8s().resolve("monitoring"));
        JsonNode monitor = OverlaysTest.find(objects, "ServiceMonitor", "warden");
        assertEquals("/q/metrics", monitor.at("/spec/endpoints/0/path").asText());
        assertEquals("http", monitor.at("/spec/endpoints/0/port").asText());
        Set<Integer> ports = new TreeSet<>();
        OverlaysTest.find(objects, "NetworkPolicy", "warden-allow-prometheus").at("/spec/ingress/0/ports")
                .forEach(p -> ports.add(p.path("port").asInt()));
        assertEquals(new TreeSet<>(RoutingTable.load(Yaml.root().resolve("deploy/routes.json")).services().values()),
                ports);
    }

    @Test
    void theDashboardAndAlertsUseOnlyExportedMetrics() throws Exception {
        JsonNode dashboard = Yaml.MAPPER.readTree(Files.readString(Yaml.k8s().resolve("monitoring/warden-dashboard.json")));
        assertEquals(dashboard, Yaml.MAPPER.readTree(OverlaysTest.find(Yaml.rendered(), "ConfigMap", "warden-dashboard")
                .at("/data/warden.json").asText()));
        Set<String> used = new TreeSet<>();
        dashboard.path("panels").forEach(p -> used.addAll(metrics(p.at("/targets/0/expr").asText())));
        OverlaysTest.find(Yaml.rendered(), "PrometheusRule", "warden").at("/spec/groups/0/rules")
                .forEach(r -> used.addAll(metrics(r.path("expr").asText())));
        assertTrue(EXPORTED.containsAll(used), "not exported: " + used);
        assertTrue(used.containsAll(Set.of("warden_outbox_backlog", "warden_consumer_lag",
                "warden_consumer_dead_lettered_total", "warden_registry_freshness_seconds_max",
                "warden_leader_job_last_round_timestamp_seconds", "warden_audit_chain_verifications_total")));
    }

    private static Set<String> metrics(String expr) {
        Set<String> names = new TreeSet<>();
        var m = java.util.regex.Pattern.compile("\\b(warden_[a-z_]+|http_server_[a-z_]+|up)\\b").matcher(expr);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
