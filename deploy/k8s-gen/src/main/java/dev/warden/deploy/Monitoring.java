package dev.warden.deploy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRuleBuilder;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import io.fabric8.openshift.api.model.monitoring.v1.RuleBuilder;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitorBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Monitoring with the Prometheus Operator and Grafana: a ServiceMonitor for every Warden Service ({@code /q/metrics}),
 * alert rules on the metrics the services export (docs/architecture.md, "Observability"), the NetworkPolicy that lets
 * Prometheus scrape, and a Grafana dashboard (JSON, also as a ConfigMap for Grafana's dashboard sidecar).
 */
public final class Monitoring {

    static final String MONITORING_NAMESPACE = "monitoring";

    private Monitoring() {
    }

    public static List<HasMetadata> objects(RoutingTable table) {
        Map<String, String> labels = Map.of("app.kubernetes.io/part-of", "warden");
        List<NetworkPolicyPort> ports = new ArrayList<>();
        table.services().values().forEach(port -> ports.add(new NetworkPolicyPortBuilder().withProtocol("TCP")
                .withPort(new IntOrString(port)).build()));
        return List.of(
                new ServiceMonitorBuilder().withMetadata(new ObjectMetaBuilder().withName("warden").withLabels(labels)
                                .build())
                        .withNewSpec()
                        .withNewSelector().addToMatchLabels("app.kubernetes.io/part-of", "warden").endSelector()
                        .addNewEndpoint().withPort("http").withPath("/q/metrics").withInterval("30s").endEndpoint()
                        .endSpec().build(),
                new PrometheusRuleBuilder().withMetadata(new ObjectMetaBuilder().withName("warden").withLabels(labels)
                                .build())
                        .withNewSpec().addNewGroup().withName("warden").withRules(alerts()).endGroup().endSpec().build(),
                new NetworkPolicyBuilder().withMetadata(new ObjectMetaBuilder().withName("warden-allow-prometheus")
                                .withLabels(labels).build())
                        .withNewSpec()
                        .withNewPodSelector().addToMatchLabels("app.kubernetes.io/part-of", "warden").endPodSelector()
                        .withPolicyTypes("Ingress")
                        .addNewIngress().addNewFrom().withNewNamespaceSelector()
                        .addToMatchLabels("kubernetes.io/metadata.name", MONITORING_NAMESPACE).endNamespaceSelector()
                        .withNewPodSelector().addToMatchLabels("app.kubernetes.io/name", "prometheus").endPodSelector()
                        .endFrom().withPorts(ports).endIngress()
                        .endSpec().build(),
                new ConfigMapBuilder().withMetadata(new ObjectMetaBuilder().withName("warden-dashboard")
                                .withLabels(Map.of("app.kubernetes.io/part-of", "warden", "grafana_dashboard", "1")).build())
                        .withData(Map.of("warden.json", dashboardJson())).build());
    }

    static List<Rule> alerts() {
        return List.of(
                alert("WardenOutboxGrowing", "max by (service) (warden_outbox_oldest_age_seconds) > 300", "10m",
                        "The outbox of {{ $labels.service }} holds an event older than 5 minutes: the relay is not publishing."),
                alert("WardenConsumerLag", "max by (service, group) (warden_consumer_lag) > 10000", "15m",
                        "Consumer group {{ $labels.group }} is more than 10,000 records behind."),
                alert("WardenEventsDeadLettered",
                        "sum by (service, group, topic) (increase(warden_consumer_dead_lettered_total[15m])) > 0", "0m",
                        "{{ $labels.group }} sent events of {{ $labels.topic }} to its dead-letter topic."),
                alert("WardenRegistryStale", "max(warden_registry_freshness_seconds_max) > 60", "10m",
                        "registry-service reflects events more than a minute after they happened."),
                alert("WardenServiceDown", "up{job=~\".*-service\"} == 0", "5m",
                        "{{ $labels.job }} does not answer /q/metrics."),
                // A service whose database does not answer still answers /q/metrics (up stays 1) and its outbox gauges
                // read NaN, which no comparison with a number matches: x != x holds only for NaN.
                alert("WardenDatabaseUnreachable",
                        "count by (service) (warden_outbox_backlog != warden_outbox_backlog) > 0", "2m",
                        "{{ $labels.service }} cannot read its database (its outbox gauges read NaN): its requests are answered 503, and its /q/health/ready names the database."),
                alert("WardenServerErrors",
                        "sum by (service) (rate(http_server_requests_seconds_count{status=~\"5..\"}[5m]))"
                                + " / sum by (service) (rate(http_server_requests_seconds_count[5m])) > 0.05", "5m",
                        "More than 5% of {{ $labels.service }}'s answers are 5xx: a 503 names the dependency that is down (its /q/health/ready too), a 500 is a defect its log holds."),
                alert("WardenAuditPublisherStale",
                        "time() - max(warden_leader_job_last_round_timestamp_seconds{leader_job=\"audit-publisher\"}) > 300", "5m",
                        "No replica of audit-service has completed a round of publishing the audit chain to warden.audit.v1 for 5 minutes: SIEMs and your consumers of the topic are not getting new entries (the chain itself is kept)."),
                // Rounds that complete while the topic falls behind (a broker slow to acknowledge, a backlog beyond a
                // round's batch) keep the alert above quiet; the age of what waits does not.
                alert("WardenAuditTopicBehind", "max(warden_audit_topic_oldest_age_seconds) > 300", "10m",
                        "An audit entry recorded more than 5 minutes ago is not yet on warden.audit.v1: SIEMs and your consumers of the topic are behind (the chain itself is kept)."),
                critical(alert("WardenAuditChainBroken",
                        "sum(increase(warden_audit_chain_verifications_total{result=\"invalid\"}[1h])) > 0", "0m",
                        "A chain verification (audit-service's scrub, which goes over every chain by itself, or one asked for) found an audit chain altered: audit-service's log names the organization and the entry, as GET /v1/audit/verify?from=... does.")),
                alert("WardenFleetSweepStale",
                        "time() - max(warden_leader_job_last_round_timestamp_seconds{leader_job=\"fleet-liveness\"}) > 300", "5m",
                        "No replica of fleet-service has completed a liveness sweep for 5 minutes: silent instances are not marked stale or offline."),
                alert("WardenCheckpointsStale",
                        "time() - max(warden_leader_job_last_round_timestamp_seconds{leader_job=\"audit-checkpoints\"}) > 3600", "10m",
                        "No replica of audit-service has completed a checkpoint round for an hour: new audit entries are not covered by a signed checkpoint."),
                // Each skipped record is an API key's or organization's change that service does not know: a
                // revocation or a disabling among them would leave a credential in force there
                critical(alert("WardenAccessRecordsSkipped",
                        "sum by (service) (increase(warden_access_records_skipped_total[15m])) > 0", "0m",
                        "{{ $labels.service }} could not read a record of warden.access.v1 and skipped it (its log names the partition and offset): an API key or organization change, a revocation perhaps, is not in force there. Restart it once the record's producer is fixed: the directory reads the topic again from its beginning.")),
                alert("WardenStoredSecretsFound", "max(warden_stored_config_secrets_total) > 0", "0m",
                        "agent-service found, at its start, stored configs holding what looks like a secret (kept before Warden refused them, or under older rules): its log names each organization, agent, version or binding and field; rotate each secret, since warden.agents.v1 keeps it."),
                alert("WardenChainScrubStale",
                        "time() - max(warden_leader_job_last_round_timestamp_seconds{leader_job=\"audit-chain-scrub\"}) > 3600", "10m",
                        "No replica of audit-service has completed a round of its chain scrub for an hour: an altered audit entry would raise no alert."));
    }

    private static Rule critical(Rule rule) {
        rule.getLabels().put("severity", "critical");
        return rule;
    }

    private static Rule alert(String name, String expr, String duration, String description) {
        return new RuleBuilder().withAlert(name).withExpr(new IntOrString(expr)).withFor(duration)
                .withLabels(new java.util.HashMap<>(Map.of("severity", "warning")))
                .withAnnotations(Map.of("description", description)).build();
    }

    /** Request rate and latency per service, outbox backlog, consumer lag, dead letters, registry freshness. */
    static Map<String, Object> dashboard() {
        List<Object> panels = new ArrayList<>();
        panels.add(panel(1, "Requests per second by service", "sum by (service) (rate(http_server_requests_seconds_count[5m]))", "reqps", 0, 0));
        panels.add(panel(2, "Mean request latency by service",
                "sum by (service) (rate(http_server_requests_seconds_sum[5m])) / sum by (service) (rate(http_server_requests_seconds_count[5m]))",
                "s", 12, 0));
        panels.add(panel(3, "5xx answers per second by service",
                "sum by (service) (rate(http_server_requests_seconds_count{status=~\"5..\"}[5m]))", "reqps", 0, 8));
        panels.add(panel(4, "Outbox backlog", "max by (service) (warden_outbox_backlog)", "short", 12, 8));
        panels.add(panel(5, "Oldest outbox event", "max by (service) (warden_outbox_oldest_age_seconds)", "s", 0, 16));
        panels.add(panel(6, "Consumer lag by group", "max by (service, group) (warden_consumer_lag)", "short", 12, 16));
        panels.add(panel(7, "Dead-lettered events", "sum by (group, topic) (increase(warden_consumer_dead_lettered_total[1h]))", "short", 0, 24));
        panels.add(panel(8, "Registry freshness (max)", "max(warden_registry_freshness_seconds_max)", "s", 12, 24));
        panels.add(panel(9, "Fleet instances by status", "max by (status) (warden_fleet_instances)", "short", 0, 32));
        Map<String, Object> dashboard = new LinkedHashMap<>();
        dashboard.put("title", "Warden");
        dashboard.put("uid", "warden-overview");
        dashboard.put("schemaVersion", 39);
        dashboard.put("time", Map.of("from", "now-6h", "to", "now"));
        dashboard.put("refresh", "30s");
        dashboard.put("tags", List.of("warden"));
        dashboard.put("templating", Map.of("list", List.of(Map.of("name", "datasource", "type", "datasource",
                "query", "prometheus"))));
        dashboard.put("panels", panels);
        return dashboard;
    }

    private static Map<String, Object> panel(int id, String title, String expr, String unit, int x, int y) {
        Map<String, Object> panel = new LinkedHashMap<>();
        panel.put("id", id);
        panel.put("type", "timeseries");
        panel.put("title", title);
        panel.put("datasource", Map.of("type", "prometheus", "uid", "${datasource}"));
        panel.put("gridPos", Map.of("x", x, "y", y, "w", 12, "h", 8));
        panel.put("fieldConfig", Map.of("defaults", Map.of("unit", unit), "overrides", List.of()));
        panel.put("targets", List.of(Map.of("refId", "A", "expr", expr)));
        return panel;
    }

    static String dashboardJson() {
        try {
            return Generate.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(dashboard()) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
