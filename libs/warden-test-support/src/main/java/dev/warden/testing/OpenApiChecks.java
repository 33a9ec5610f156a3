package dev.warden.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What every Warden service's OpenAPI document must hold for clients generated from it to work (see
 * {@code WardenOpenApiFilter}): an {@code operationId} on each operation, unique; a documented 2xx; the shared error
 * responses; snake_case property names; no Java type such as Jackson's {@code JsonNode} published as a schema.
 */
public final class OpenApiChecks {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
    private static final Pattern SNAKE_CASE = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*");
    private static final Pattern CAMEL_CASE = Pattern.compile("[a-z][a-zA-Z0-9]*");
    private static final Set<String> JAVA_TYPES = Set.of("JsonNode", "JsonNodeType", "ObjectNode", "ArrayNode",
            "com.fasterxml.jackson.databind.JsonNode", "Instant", "UUID", "OffsetDateTime", "LocalDate", "Duration", "URI");
    private static final String SCHEMAS = "#/components/schemas/";
    private static final String ERROR_BODY = SCHEMAS + "ErrorBody";

    private OpenApiChecks() {
    }

    public static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new AssertionError("the OpenAPI document is not JSON", e);
        }
    }

    /** The document the service under test serves at {@code /q/openapi}, as JSON. */
    public static JsonNode served() {
        return read(io.restassured.RestAssured.given().accept("application/json").get("/q/openapi").then()
                .statusCode(200).extract().asString());
    }

    /** The schema of {@code operation}'s parameter {@code name}. */
    public static JsonNode parameter(JsonNode operation, String name) {
        for (JsonNode p : operation.path("parameters")) {
            if (name.equals(p.path("name").asText())) {
                return p.path("schema");
            }
        }
        throw new AssertionError("no parameter " + name);
    }

    /** The {@code $ref} of {@code operation}'s JSON answer at {@code status}, or "" where it has none. */
    public static String schemaRef(JsonNode operation, String status) {
        return operation.path("responses").path(status).path("content").path("application/json").path("schema")
                .path("$ref").asText();
    }

    /** Every operation of the document as {@code "METHOD path"} with its operation object. */
    public static Map<String, JsonNode> operations(JsonNode doc) {
        Map<String, JsonNode> operations = new java.util.LinkedHashMap<>();
        doc.path("paths").fields().forEachRemaining(path -> METHODS.forEach(method -> {
            if (path.getValue().has(method)) {
                operations.put(method.toUpperCase() + " " + path.getKey(), path.getValue().get(method));
            }
        }));
        return operations;
    }

    /** The operation named {@code operationId}. */
    public static JsonNode operation(JsonNode doc, String operationId) {
        return operations(doc).values().stream().filter(op -> operationId.equals(op.path("operationId").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no operation " + operationId));
    }

    /**
     * Whether {@code ref} names a schema of the one error shape: its {@code error} property, required, is the
     * {@code ErrorBody} ({@code Error}, and seed 003's {@code FleetError} with {@code ok} beside it).
     */
    private static boolean isErrorShape(JsonNode doc, String ref) {
        if (!ref.startsWith(SCHEMAS)) {
            return false;
        }
        JsonNode schema = doc.path("components").path("schemas").path(ref.substring(SCHEMAS.length()));
        boolean required = false;
        for (JsonNode name : schema.path("required")) {
            required |= "error".equals(name.asText());
        }
        return required && ERROR_BODY.equals(schema.path("properties").path("error").path("$ref").asText());
    }

    public static void assertGeneratesWorkingClients(JsonNode doc) {
        List<String> problems = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Map<String, JsonNode> operations = operations(doc);
        if (operations.isEmpty()) {
            problems.add("the document has no operations");
        }
        // Warden's own instructions to its filter never reach a reader (SmallRye copies a method's extension onto its
        // responses, out of the filter's sight once)
        if (doc.toString().contains("\"x-warden-bearer-only-roles\"")) {
            problems.add("the internal extension x-warden-bearer-only-roles is left in the document");
        }
        // A generated client calls the first server by default: the gateway, not the service's own port
        JsonNode servers = doc.path("servers");
        if (servers.size() != 1 || !"http://localhost:8080".equals(servers.path(0).path("url").asText())) {
            problems.add("servers must be the gateway alone (http://localhost:8080): " + servers);
        }
        operations.forEach((where, op) -> {
            String id = op.path("operationId").asText("");
            if (id.isBlank()) {
                problems.add(where + ": no operationId");
            } else if (!ids.add(id)) {
                problems.add(where + ": operationId " + id + " is not unique");
            }
            for (JsonNode parameter : op.path("parameters")) {
                String name = parameter.path("name").asText();
                String type = parameter.path("schema").path("type").asText();
                String format = parameter.path("schema").path("format").asText();
                if (("limit".equals(name) || "offset".equals(name)) && !"integer".equals(type)) {
                    problems.add(where + ": parameter " + name + " is not an integer");
                } else if ("updated_since".equals(name) && !"date-time".equals(format)) {
                    problems.add(where + ": parameter updated_since is not a date-time");
                } else if ("path".equals(parameter.path("in").asText()) && name.endsWith("_id") && !"uuid".equals(format)) {
                    problems.add(where + ": path parameter " + name + " is not a uuid");
                }
            }
            JsonNode responses = op.path("responses");
            if (!responses.isObject() || !hasSuccess(responses)) {
                problems.add(where + ": no 2xx response");
            }
            responses.fields().forEachRemaining(response -> {
                if (response.getKey().startsWith("2") && response.getValue().path("description").asText().contains("Location")
                        && !response.getValue().path("headers").has("Location")) {
                    problems.add(where + ": " + response.getKey() + " speaks of Location but does not document the header");
                }
            });
            expect(problems, where, responses, "500", "InternalError");
            expect(problems, where, responses, "503", "ServiceUnavailable");
            expect(problems, where, responses, "406", "NotAcceptable");
            expect(problems, where, responses, "414", "UriTooLong");
            expect(problems, where, responses, "431", "HeadersTooLarge");
            boolean input = op.path("parameters").size() > 0 || op.has("requestBody");
            if (input) {
                expect(problems, where, responses, "400", "BadRequest");
            }
            if (op.has("requestBody")) {
                expect(problems, where, responses, "413", "PayloadTooLarge");
                expect(problems, where, responses, "415", "UnsupportedMediaType");
            }
            if (where.contains("{")) {
                expect(problems, where, responses, "404", "NotFound");
            }
            if (where.startsWith("PATCH ")) {
                unsetListsSent(doc, op.path("requestBody"), where, new HashSet<>(), problems);
            }
            JsonNode security = op.has("security") ? op.get("security") : doc.path("security");
            boolean secured = security.size() > 0;
            for (JsonNode requirement : security) {
                secured &= requirement.size() > 0;
                requirement.fieldNames().forEachRemaining(scheme -> {
                    if (!doc.path("components").path("securitySchemes").has(scheme)) {
                        problems.add(where + ": security scheme " + scheme + " is not declared");
                    }
                });
            }
            if (secured) {
                expect(problems, where, responses, "401", "Unauthorized");
                expect(problems, where, responses, "403", "Forbidden");
            }
        });
        doc.path("components").path("responses").fields().forEachRemaining(response -> {
            String schema = response.getValue().path("content").path("application/json").path("schema").path("$ref").asText();
            if (!isErrorShape(doc, schema)) {
                problems.add("response " + response.getKey() + " does not have the error shape");
            }
        });
        JsonNode schemas = doc.path("components").path("schemas");
        schemas.fieldNames().forEachRemaining(name -> {
            if (JAVA_TYPES.contains(name) || name.contains(".")) {
                problems.add("schema " + name + " is a Java type");
            }
            // Two types published under one name: the generator numbers the second (a probe met CreateApiKeyRequest1
            // for the key's body, while CreateApiKeyRequest named an allow-list)
            String unnumbered = name.replaceAll("[0-9]+$", "");
            if (!unnumbered.equals(name) && schemas.has(unnumbered)) {
                problems.add("schema " + name + " is a second type named " + unnumbered);
            }
        });
        schemas.fields().forEachRemaining(schema -> schema.getValue().path("properties").fieldNames().forEachRemaining(property -> {
            // A seed that is camelCase (004) keeps its casing at its own path; its schemas say so explicitly.
            boolean seedCamelCase = "camelCase".equals(schema.getValue().path("x-warden-casing").asText());
            if (!SNAKE_CASE.matcher(property).matches() && !(seedCamelCase && CAMEL_CASE.matcher(property).matches())) {
                problems.add("schema " + schema.getKey() + " has the property " + property + ", not snake_case");
            }
        }));
        String text = doc.toString();
        for (String type : List.of("JsonNode", "com.fasterxml", "java.")) {
            if (text.contains(type)) {
                problems.add("the document mentions " + type);
            }
        }
        if (!problems.isEmpty()) {
            fail("The OpenAPI document would not generate working clients:\n  " + String.join("\n  ", problems));
        }
    }

    /**
     * A partial update's optional list that a client leaves unset must not be sent: openapi-generator's Java models
     * start a list that is neither required nor nullable as an empty list and send it, so {@code new
     * UpdateAgentRequest().description("x")} emptied the agent's tags (and a policy's rules). A nullable one starts
     * unset. Walks the body's schema and the schemas it names.
     */
    private static void unsetListsSent(JsonNode doc, JsonNode node, String where, Set<String> seen, List<String> problems) {
        if (node.isObject()) {
            String ref = node.path("$ref").asText("");
            if (ref.startsWith(SCHEMAS) && seen.add(ref)) {
                JsonNode schema = doc.path("components").path("schemas").path(ref.substring(SCHEMAS.length()));
                Set<String> required = new HashSet<>();
                schema.path("required").forEach(name -> required.add(name.asText()));
                schema.path("properties").fields().forEachRemaining(property -> {
                    JsonNode type = property.getValue().path("type");
                    boolean list = "array".equals(type.asText()) || type.isArray() && type.toString().contains("\"array\"");
                    if (list && !required.contains(property.getKey()) && !nullable(property.getValue())) {
                        problems.add(where + ": " + ref.substring(SCHEMAS.length()) + "." + property.getKey()
                                + " is an optional list that is not nullable: a generated Java client sends [] for it unset");
                    }
                });
                unsetListsSent(doc, schema, where, seen, problems);
            }
            node.elements().forEachRemaining(child -> unsetListsSent(doc, child, where, seen, problems));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(child -> unsetListsSent(doc, child, where, seen, problems));
        }
    }

    /** The schema of a property: whether it admits null, as OpenAPI 3.1 says it ({@code type} or {@code anyOf}). */
    public static boolean nullable(JsonNode property) {
        for (JsonNode type : property.path("type").isArray() ? property.path("type") : List.of(property.path("type"))) {
            if ("null".equals(type.asText())) {
                return true;
            }
        }
        for (JsonNode alternative : property.path("anyOf")) {
            if ("null".equals(alternative.path("type").asText())) {
                return true;
            }
        }
        return false;
    }

    public static void assertOperationIds(JsonNode doc, Set<String> expected) {
        Set<String> actual = new java.util.TreeSet<>();
        operations(doc).values().forEach(op -> actual.add(op.path("operationId").asText()));
        assertEquals(new java.util.TreeSet<>(expected), actual, "operationIds");
    }

    private static boolean hasSuccess(JsonNode responses) {
        for (Iterator<String> it = responses.fieldNames(); it.hasNext(); ) {
            if (it.next().startsWith("2")) {
                return true;
            }
        }
        return false;
    }

    private static void expect(List<String> problems, String where, JsonNode responses, String code, String name) {
        String ref = responses.path(code).path("$ref").asText();
        if (!ref.equals("#/components/responses/" + name)) {
            problems.add(where + ": " + code + " is not the shared " + name + " response (" + responses.path(code) + ")");
        }
    }
}
