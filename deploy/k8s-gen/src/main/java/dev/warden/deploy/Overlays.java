package dev.warden.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dev and prod overlays: the base and the platform, with replicas, resources and image tags. Patches are JSON 6902
 * with a target (by kind and label), so a new service in routes.json is covered with no change here; images are
 * listed per service.
 */
public final class Overlays {

    private Overlays() {
    }

    static Map<String, Object> dev(List<String> services) {
        return overlay(services, "dev", 1, "250m", "384Mi", "512Mi", List.of(
                // One instance has no standby to commit to: CloudNativePG refuses synchronous replicas >= instances
                patch("Cluster", "add", "/spec/instances", 1),
                patch("Cluster", "remove", "/spec/postgresql/synchronous", null),
                patch("Keycloak", "add", "/spec/instances", 1)));
    }

    static Map<String, Object> prod(List<String> services) {
        return overlay(services, Names.IMAGE_TAG.replace("-SNAPSHOT", ""), 2, "500m", "768Mi", "1Gi", List.of());
    }

    private static Map<String, Object> overlay(List<String> services, String tag, int replicas, String cpu,
                                               String memory, String memoryLimit, List<Map<String, Object>> extra) {
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("resources", List.of("../../base", "../../runs", "../../platform"));
        k.put("images", services.stream().map(s -> Map.of("name", Names.IMAGE_REPOSITORY + s, "newTag", tag)).toList());
        List<Map<String, Object>> patches = new ArrayList<>();
        for (String kind : List.of("Deployment", "StatefulSet")) { // runner-service is a StatefulSet (Workloads)
            Map<String, Object> workloads = new LinkedHashMap<>();
            workloads.put("target", Map.of("kind", kind, "labelSelector", "app.kubernetes.io/part-of=warden"));
            workloads.put("patch", Generate.json(List.of(
                    op("replace", "/spec/replicas", replicas),
                    op("replace", "/spec/template/spec/containers/0/resources", Map.of(
                            "requests", Map.of("cpu", cpu, "memory", memory),
                            "limits", Map.of("memory", memoryLimit))))));
            patches.add(workloads);
        }
        patches.addAll(extra);
        k.put("patches", patches);
        return k;
    }

    private static Map<String, Object> patch(String kind, String op, String path, Object value) {
        return new LinkedHashMap<>(Map.of("target", Map.of("kind", kind), "patch",
                Generate.json(List.of(op(op, path, value)))));
    }

    /** One JSON 6902 operation; a {@code remove} has no value. */
    private static Map<String, Object> op(String op, String path, Object value) {
        Map<String, Object> operation = new LinkedHashMap<>(Map.of("op", op, "path", path));
        if (value != null) {
            operation.put("value", value);
        }
        return operation;
    }
}
