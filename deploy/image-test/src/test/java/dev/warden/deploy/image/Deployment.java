package dev.warden.deploy.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A service's pod as the generated manifests run it: its Deployment's pod template and its ConfigMap. */
record Deployment(JsonNode pod, JsonNode configMap) {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** From {@code deploy/k8s/base/<service>.yaml}, the file the cluster applies. */
    static Deployment of(Path root, String service) throws IOException {
        Path file = root.resolve("deploy/k8s/base").resolve(service + ".yaml");
        assertTrue(Files.isRegularFile(file), "no manifest " + file);
        JsonNode pod = null;
        JsonNode configMap = null;
        try (MappingIterator<JsonNode> objects = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (objects.hasNext()) {
                JsonNode object = objects.next();
                switch (object.path("kind").asText()) {
                    case "Deployment", "StatefulSet" -> pod = object.at("/spec/template/spec");
                    case "ConfigMap" -> configMap = object.path("data");
                    default -> { }
                }
            }
        }
        assertTrue(pod != null && configMap != null, "no Deployment or ConfigMap in " + file);
        return new Deployment(pod, configMap);
    }

    /** The pod's volume of this name. */
    JsonNode volume(String name) {
        for (JsonNode volume : pod.path("volumes")) {
            if (volume.path("name").asText().equals(name)) {
                return volume;
            }
        }
        throw new AssertionError("no volume " + name + " in the pod");
    }

    /** The realm deploy/k8s imports into Keycloak: its KeycloakRealmImport's {@code spec.realm}. */
    static JsonNode realm(Path root) throws IOException {
        Path file = root.resolve("deploy/k8s/platform/keycloak.yaml");
        try (MappingIterator<JsonNode> objects = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (objects.hasNext()) {
                JsonNode object = objects.next();
                if (object.path("kind").asText().equals("KeycloakRealmImport")) {
                    return object.at("/spec/realm");
                }
            }
        }
        throw new AssertionError("no KeycloakRealmImport in " + file);
    }

    JsonNode migrate() {
        assertEquals("migrate", pod.at("/initContainers/0/name").asText());
        return pod.path("initContainers").get(0);
    }

    JsonNode service() {
        return pod.path("containers").get(0);
    }

    /** The one image both containers run. */
    String image() {
        assertEquals(service().path("image").asText(), migrate().path("image").asText());
        return service().path("image").asText();
    }

    long runAsUser() {
        return pod.at("/securityContext/runAsUser").asLong();
    }

    int port() {
        return service().at("/ports/0/containerPort").asInt();
    }

    /**
     * The variables {@code container} gets on the cluster (all of its ConfigMap when it takes it whole, and each of its
     * env), with this machine's value ({@code here}, by name or by the ConfigMap key it refers to) where there is one,
     * the ConfigMap's otherwise. Those named in {@code notHere} are left out; any other without a value fails, named.
     */
    Map<String, String> environment(JsonNode container, Map<String, String> here, Set<String> notHere) {
        Map<String, String> sources = new LinkedHashMap<>();
        container.path("envFrom").forEach(from -> {
            if (from.has("configMapRef")) {
                configMap.fieldNames().forEachRemaining(key -> sources.put(key, key));
            }
        });
        Map<String, String> environment = new LinkedHashMap<>();
        container.path("env").forEach(e -> {
            if (e.at("/valueFrom/fieldRef/fieldPath").asText().equals("metadata.name")) {
                // The pod's name: a StatefulSet's first replica's, as the cluster would give it
                environment.put(e.path("name").asText(), container.path("name").asText() + "-0");
            } else {
                sources.put(e.path("name").asText(), e.at("/valueFrom/configMapKeyRef/key").asText(e.path("name").asText()));
            }
        });
        sources.forEach((name, source) -> {
            if (notHere.contains(name)) {
                return;
            }
            String value = here.containsKey(name) ? here.get(name)
                    : here.containsKey(source) ? here.get(source) : configMap.path(source).textValue();
            assertTrue(value != null, container.path("name").asText() + " gets " + name
                    + " on the cluster, and this test has no value for it");
            environment.put(name, value);
        });
        return environment;
    }
}
