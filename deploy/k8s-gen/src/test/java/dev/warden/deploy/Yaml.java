package dev.warden.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reading the rendered YAML back, as trees. */
final class Yaml {

    static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory());

    static Path root() {
        return Path.of(System.getProperty("warden.root", "../..")).toAbsolutePath().normalize();
    }

    static Path k8s() {
        return root().resolve("deploy/k8s");
    }

    static List<ObjectNode> documents(String text) {
        try {
            List<ObjectNode> docs = new ArrayList<>();
            try (var it = MAPPER.readerFor(JsonNode.class).<JsonNode>readValues(text)) {
                while (it.hasNext()) {
                    JsonNode doc = it.next();
                    if (doc instanceof ObjectNode object) {
                        docs.add(object);
                    }
                }
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<ObjectNode> documents(Path file) {
        try {
            return documents(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every object of deploy/k8s/base, platform and monitoring (not the kustomizations). */
    static List<ObjectNode> rendered() {
        List<ObjectNode> all = new ArrayList<>();
        for (String dir : List.of("base", "runs", "platform", "monitoring")) {
            try (var files = Files.list(k8s().resolve(dir))) {
                for (Path file : files.sorted().toList()) {
                    String name = file.getFileName().toString();
                    if (name.endsWith(".yaml") && !name.equals("kustomization.yaml")) {
                        all.addAll(documents(file));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all;
    }

    static String id(JsonNode object) {
        return object.path("kind").asText() + "/" + object.path("metadata").path("name").asText();
    }

    private Yaml() {
    }
}
