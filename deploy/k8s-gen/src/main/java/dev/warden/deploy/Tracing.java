package dev.warden.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tracing on Kubernetes, a kustomize Component an overlay includes ({@code components: [../../tracing]}): every
 * service's ConfigMap turns the OpenTelemetry SDK on and names the collector (OTLP over gRPC), and a NetworkPolicy
 * lets Warden's pods reach it; without that policy the default deny drops every span, and the services only log that
 * the exporter failed. The collector is assumed as the OpenTelemetry Collector's Helm chart installs it, in the
 * namespace Prometheus is assumed in ({@link Monitoring#MONITORING_NAMESPACE}); a patch of the overlay's own names
 * another.
 */
public final class Tracing {

    static final String COLLECTOR = "opentelemetry-collector";
    static final int OTLP_GRPC = 4317;
    static final String ENDPOINT = "http://" + COLLECTOR + "." + Monitoring.MONITORING_NAMESPACE + ".svc:" + OTLP_GRPC;

    private Tracing() {
    }

    static List<HasMetadata> objects() {
        return List.of(new NetworkPolicyBuilder().withMetadata(new ObjectMetaBuilder().withName("warden-allow-otlp")
                        // A component's objects are not in the base's namespace transformer's reach: named here
                        .withNamespace(Names.NAMESPACE)
                        .withLabels(Map.of("app.kubernetes.io/part-of", "warden")).build())
                .withNewSpec()
                .withNewPodSelector().addToMatchLabels("app.kubernetes.io/part-of", "warden").endPodSelector()
                .withPolicyTypes("Egress")
                .addNewEgress().addNewTo().withNewNamespaceSelector()
                .addToMatchLabels("kubernetes.io/metadata.name", Monitoring.MONITORING_NAMESPACE).endNamespaceSelector()
                .withNewPodSelector().addToMatchLabels("app.kubernetes.io/name", COLLECTOR).endPodSelector()
                .endTo().addNewPort().withProtocol("TCP").withPort(new IntOrString(OTLP_GRPC)).endPort().endEgress()
                .endSpec().build());
    }

    /** The Component's kustomization: its policy, and the services' ConfigMaps patched (every one, by label). */
    static Map<String, Object> component() {
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("apiVersion", "kustomize.config.k8s.io/v1alpha1");
        k.put("kind", "Component");
        k.put("resources", List.of("tracing.yaml"));
        k.put("patches", List.of(Map.of(
                "target", Map.of("kind", "ConfigMap", "labelSelector", "app.kubernetes.io/part-of=warden"),
                "patch", Generate.json(List.of(
                        Map.of("op", "add", "path", "/data/WARDEN_OTEL_DISABLED", "value", "false"),
                        Map.of("op", "add", "path", "/data/WARDEN_OTEL_ENDPOINT", "value", ENDPOINT))))));
        return k;
    }
}
