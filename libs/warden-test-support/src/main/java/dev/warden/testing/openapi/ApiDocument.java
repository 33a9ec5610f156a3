package dev.warden.testing.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A service's OpenAPI document, read as the fuzzer and the contract test need it: its operations, their parameters,
 * request body and documented answers, with {@code $ref}s resolved.
 */
public final class ApiDocument {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> METHODS = List.of("get", "put", "post", "patch", "delete");

    private final JsonNode root;
    private final List<Operation> operations = new ArrayList<>();

    private ApiDocument(JsonNode root) {
        this.root = root;
        root.path("paths").fields().forEachRemaining(path -> METHODS.forEach(method -> {
            JsonNode op = path.getValue().get(method);
            if (op != null) {
                operations.add(new Operation(method.toUpperCase(), path.getKey(), op.path("operationId").asText(), op,
                        parameters(path.getValue(), op), roles(op)));
            }
        }));
    }

    /** The document as served at {@code /q/openapi?format=json}. */
    public static ApiDocument parse(String json) {
        try {
            return new ApiDocument(JSON.readTree(json));
        } catch (IOException e) {
            throw new AssertionError("the OpenAPI document is not JSON", e);
        }
    }

    public JsonNode root() {
        return root;
    }

    public List<Operation> operations() {
        return operations;
    }

    /** {@code node} itself, or what its {@code $ref} names inside this document. */
    public JsonNode resolve(JsonNode node) {
        for (int depth = 0; node != null && node.has("$ref") && depth < 20; depth++) {
            String ref = node.get("$ref").asText();
            if (!ref.startsWith("#/")) {
                throw new AssertionError("external $ref " + ref + " is not supported");
            }
            node = root.at(ref.substring(1));
        }
        return node == null ? MissingNode.getInstance() : node;
    }

    /** The documented answer for {@code status}, resolved; missing when the operation does not document it. */
    public JsonNode response(Operation op, int status) {
        return resolve(op.node().path("responses").path(Integer.toString(status)));
    }

    /** The schema of the JSON request body, or missing. */
    /** Whether the operation's request body is required (OpenAPI's default: not). */
    public boolean bodyRequired(Operation op) {
        return resolve(op.node().path("requestBody")).path("required").asBoolean(false);
    }

    public JsonNode requestSchema(Operation op) {
        return resolve(op.node().path("requestBody")).path("content").path("application/json").path("schema");
    }

    /** One parameter of an operation (path, query or header). */
    public record Parameter(String name, String in, boolean required, JsonNode schema) {
    }

    /**
     * One operation; {@code roles} are the roles its security requirements name (empty when it needs no
     * credentials, or any authenticated caller will do).
     */
    public record Operation(String method, String path, String id, JsonNode node, List<Parameter> parameters,
                            Set<String> roles) {

        public boolean secured() {
            JsonNode security = node.path("security");
            if (!security.isArray()) {
                return true;
            }
            for (JsonNode requirement : security) {
                if (requirement.isEmpty()) {
                    return false;
                }
            }
            return true;
        }

        public List<Parameter> in(String where) {
            return parameters.stream().filter(p -> p.in().equals(where)).toList();
        }

        @Override
        public String toString() {
            return id + " (" + method + " " + path + ")";
        }
    }

    private List<Parameter> parameters(JsonNode pathItem, JsonNode op) {
        List<Parameter> parameters = new ArrayList<>();
        for (JsonNode source : List.of(pathItem.path("parameters"), op.path("parameters"))) {
            for (JsonNode p : source) {
                JsonNode parameter = resolve(p);
                parameters.add(new Parameter(parameter.path("name").asText(), parameter.path("in").asText(),
                        parameter.path("required").asBoolean(false) || "path".equals(parameter.path("in").asText()),
                        parameter.path("schema")));
            }
        }
        return parameters;
    }

    private static Set<String> roles(JsonNode op) {
        Set<String> roles = new LinkedHashSet<>();
        for (JsonNode requirement : op.path("security")) {
            requirement.fields().forEachRemaining(scheme -> scheme.getValue().forEach(role -> roles.add(role.asText())));
        }
        return roles;
    }
}
