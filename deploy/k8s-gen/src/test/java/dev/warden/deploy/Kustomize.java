package dev.warden.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A minimal kustomize, only what deploy/k8s uses: {@code resources} (files and directories with a kustomization),
 * {@code components} (a Component of resources and patches), {@code namespace}, {@code images} (newTag/newName by
 * image name) and {@code patches} as inline JSON 6902 with a
 * target by kind and an equality label selector. Any other field of a kustomization fails the build, so it can never
 * silently ignore something real kustomize would apply. Duplicate objects fail, as in kustomize.
 */
final class Kustomize {

    private static final Set<String> KNOWN = Set.of("apiVersion", "kind", "namespace", "resources", "components",
            "images", "patches");
    static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
            "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");

    static List<ObjectNode> build(Path dir) {
        ObjectNode k = Yaml.documents(dir.resolve("kustomization.yaml")).getFirst();
        k.fieldNames().forEachRemaining(field -> {
            if (!KNOWN.contains(field)) {
                throw new IllegalArgumentException(dir + ": kustomization field " + field + " is not supported here");
            }
        });
        List<ObjectNode> objects = new ArrayList<>();
        for (JsonNode resource : k.path("resources")) {
            Path path = dir.resolve(resource.asText()).normalize();
            if (Files.isDirectory(path)) {
                objects.addAll(build(path));
            } else if (Files.isRegularFile(path)) {
                objects.addAll(Yaml.documents(path));
            } else {
                throw new IllegalArgumentException(dir + ": resource " + resource.asText() + " does not exist");
            }
        }
        // A Component's resources join the including kustomization's, then its patches apply to them all, before
        // the including kustomization's own namespace, images and patches (as kustomize orders them)
        for (JsonNode component : k.path("components")) {
            Path path = dir.resolve(component.asText()).normalize();
            ObjectNode c = Yaml.documents(path.resolve("kustomization.yaml")).getFirst();
            if (!c.path("kind").asText().equals("Component") || c.has("components") || c.has("namespace")
                    || c.has("images")) {
                throw new IllegalArgumentException(path + ": only a Component of resources and patches is supported here");
            }
            for (JsonNode resource : c.path("resources")) {
                objects.addAll(Yaml.documents(path.resolve(resource.asText())));
            }
            patch(path, c, objects);
        }
        Set<String> ids = new HashSet<>();
        for (ObjectNode object : objects) {
            if (!ids.add(Yaml.id(object))) {
                throw new IllegalArgumentException(dir + ": " + Yaml.id(object) + " appears twice");
            }
        }
        if (k.has("namespace")) {
            for (ObjectNode object : objects) {
                if (!CLUSTER_SCOPED.contains(object.path("kind").asText())) {
                    ((ObjectNode) object.get("metadata")).put("namespace", k.get("namespace").asText());
                }
            }
        }
        for (JsonNode image : k.path("images")) {
            for (ObjectNode object : objects) {
                setImages(object, image);
            }
        }
        patch(dir, k, objects);
        return objects;
    }

    private static void patch(Path dir, JsonNode k, List<ObjectNode> objects) {
        for (JsonNode patch : k.path("patches")) {
            ArrayNode ops = (ArrayNode) Yaml.documents("ops: " + patch.path("patch").asText()).getFirst().get("ops");
            int matched = 0;
            for (ObjectNode object : objects) {
                if (targets(patch.path("target"), object)) {
                    ops.forEach(op -> apply(object, op));
                    matched++;
                }
            }
            if (matched == 0) {
                throw new IllegalArgumentException(dir + ": a patch matches no object: " + patch.path("target"));
            }
        }
    }

    private static boolean targets(JsonNode target, ObjectNode object) {
        if (target.has("kind") && !target.get("kind").asText().equals(object.path("kind").asText())) {
            return false;
        }
        if (target.has("name") && !object.path("metadata").path("name").asText().matches(target.get("name").asText())) {
            return false;
        }
        if (target.has("labelSelector")) {
            for (String term : target.get("labelSelector").asText().split(",")) {
                String[] kv = term.split("=", 2);
                if (!object.path("metadata").path("labels").path(kv[0].trim()).asText("\0").equals(kv[1].trim())) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void setImages(ObjectNode object, JsonNode image) {
        JsonNode spec = object.path("spec").path("template").path("spec");
        for (String list : List.of("containers", "initContainers")) {
            for (JsonNode container : spec.path(list)) {
                String current = container.path("image").asText();
                int colon = current.lastIndexOf(':');
                String name = colon > current.lastIndexOf('/') && colon >= 0 ? current.substring(0, colon) : current;
                if (name.equals(image.path("name").asText())) {
                    String newName = image.path("newName").asText(name);
                    String tag = image.has("newTag") ? image.get("newTag").asText()
                            : colon >= 0 ? current.substring(colon + 1) : "latest";
                    ((ObjectNode) container).put("image", newName + ":" + tag);
                }
            }
        }
    }

    /** JSON 6902 {@code add}, {@code replace} and {@code remove} on objects and array indexes, what the overlays use. */
    private static void apply(ObjectNode object, JsonNode op) {
        String kind = op.path("op").asText();
        if (!kind.equals("add") && !kind.equals("replace") && !kind.equals("remove")) {
            throw new IllegalArgumentException("patch op " + kind + " is not supported here");
        }
        String[] parts = op.path("path").asText().substring(1).split("/");
        JsonNode parent = object;
        for (int i = 0; i < parts.length - 1; i++) {
            parent = parent instanceof ArrayNode array ? array.get(Integer.parseInt(parts[i])) : parent.get(parts[i]);
            if (parent == null) {
                throw new IllegalArgumentException(Yaml.id(object) + ": no " + op.path("path").asText());
            }
        }
        String last = parts[parts.length - 1];
        if (kind.equals("remove")) {
            if (parent instanceof ArrayNode || !parent.has(last)) {
                throw new IllegalArgumentException(Yaml.id(object) + ": remove of missing " + op.path("path").asText());
            }
            ((ObjectNode) parent).remove(last);
            return;
        }
        if (parent instanceof ArrayNode array) {
            array.set(Integer.parseInt(last), op.get("value").deepCopy());
        } else {
            if (kind.equals("replace") && !parent.has(last)) {
                throw new IllegalArgumentException(Yaml.id(object) + ": replace of missing " + op.path("path").asText());
            }
            ((ObjectNode) parent).set(last, op.get("value").deepCopy());
        }
    }

    private Kustomize() {
    }
}
