package dev.warden.testing.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import dev.warden.testing.openapi.ApiDocument.Operation;
import dev.warden.testing.openapi.Exchange.Answer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Whether an answer is one the document promises, the one check the fuzzer and the contract test share:
 * <ul>
 *   <li>its status is documented for the operation (any 5xx is a failure anyway);</li>
 *   <li>a 4xx is the one JSON error shape ({@code {"error": {"code", "message", "details"}}});</li>
 *   <li>a 2xx has a documented media type and a body valid against that status's schema, with no field the
 *       schema does not name (no body for 204), and documents its {@code Location} header when it sends one;</li>
 *   <li>no body holds a stack trace, a Java class or an exception name.</li>
 * </ul>
 */
public final class AnswerCheck {

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true).build();
    /** A stack frame, a Java class named with its package, or an exception's simple name. */
    private static final Pattern LEAK = Pattern.compile(
            "\\bat [a-zA-Z_$][\\w$]*(\\.[\\w$<>]+)+\\(|"
                    + "\\b(java|javax|jakarta|io\\.quarkus|io\\.vertx|io\\.smallrye|io\\.netty|org\\.jboss|org\\.postgresql"
                    + "|org\\.hibernate|org\\.apache|com\\.fasterxml|com\\.networknt|dev\\.warden)(\\.[a-z_]\\w*)*\\.[A-Z]\\w*|"
                    + "\\b\\w*(Exception|Throwable)\\b|\\bCaused by\\b|\\bErrorResponse\\b|\\bNullPointer");

    private final ApiDocument doc;
    private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();

    public AnswerCheck(ApiDocument doc) {
        this.doc = doc;
    }

    /** Every way {@code answer} breaks the document's promise for {@code op}; empty when it keeps it. */
    public List<String> problems(Operation op, Answer answer) {
        List<String> problems = new ArrayList<>();
        int status = answer.status();
        String mediaType = answer.contentType().split(";")[0].trim().toLowerCase();
        boolean text = mediaType.isEmpty() || mediaType.contains("json") || mediaType.startsWith("text/");
        if (text) {
            var leak = LEAK.matcher(answer.text());
            if (leak.find()) {
                problems.add("the body names Java internals (\"" + leak.group() + "\")");
            }
        }
        if (status >= 500) {
            problems.add("a server error (" + status + ")");
        }
        JsonNode documented = doc.response(op, status);
        if (documented.isMissingNode() && status != 500) {
            problems.add("status " + status + " is not documented for " + op.id());
        }
        if (status >= 400) {
            problems.addAll(errorShape(answer, mediaType));
        } else if (status >= 200 && status < 300) {
            problems.addAll(success(op, answer, mediaType, documented));
            if (answer.headers().containsKey("location") && !documented.path("headers").has("Location")) {
                problems.add("the answer names what it made in Location, which " + status + " does not document");
            }
        }
        return problems;
    }

    private List<String> errorShape(Answer answer, String mediaType) {
        if (!"application/json".equals(mediaType)) {
            return List.of("the error's media type is \"" + answer.contentType() + "\", not application/json");
        }
        JsonNode body;
        try {
            body = ApiDocument.JSON.readTree(answer.body());
        } catch (IOException e) {
            return List.of("the error's body is not JSON");
        }
        JsonNode error = body == null ? null : body.get("error");
        // Seed 003's envelope ({"ok": false, "error": ...}) is the one shape with the seed's own field beside it.
        boolean seedEnvelope = body != null && body.size() == 2 && body.path("ok").isBoolean() && !body.path("ok").asBoolean();
        boolean ok = body != null && body.isObject() && (body.size() == 1 || seedEnvelope) && error != null && error.isObject()
                && error.path("code").isTextual() && !error.path("code").asText().isBlank()
                && error.path("message").isTextual() && error.path("details").isArray();
        for (JsonNode detail : ok ? error.path("details") : ApiDocument.JSON.createArrayNode()) {
            ok &= detail.isObject() && detail.path("reason").isTextual()
                    && (!detail.has("field") || detail.get("field").isTextual());
        }
        return ok ? List.of() : List.of("the error is not in the error shape {\"error\": {\"code\", \"message\", \"details\"}}");
    }

    private List<String> success(Operation op, Answer answer, String mediaType, JsonNode documented) {
        JsonNode content = documented.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            return answer.body().length == 0 ? List.of()
                    : List.of("status " + answer.status() + " is documented without content, but a body came");
        }
        if (!content.has(mediaType)) {
            return List.of("media type \"" + answer.contentType() + "\" is not documented for " + answer.status()
                    + " (documented: " + String.join(", ", (Iterable<String>) content::fieldNames) + ")");
        }
        JsonNode schema = content.path(mediaType).path("schema");
        if (!mediaType.contains("json") || schema.isMissingNode()) {
            return answer.body().length > 0 ? List.of() : List.of("the " + mediaType + " body is empty");
        }
        JsonNode body;
        try {
            body = ApiDocument.JSON.readTree(answer.body());
        } catch (IOException e) {
            return List.of("the body is not JSON");
        }
        if (body == null || body.isMissingNode()) {
            return List.of("the body is empty");
        }
        return schema(op, answer.status(), mediaType, schema).validate(body).stream()
                .map(m -> "the body does not match the documented schema: " + m.getMessage())
                .toList();
    }

    /**
     * The schema, with the document's components beside it so that its {@code #/components/...} refs resolve, and
     * closed: an object schema that lists its properties admits no others, so a field the document does not name fails.
     */
    private JsonSchema schema(Operation op, int status, String mediaType, JsonNode schema) {
        return schemas.computeIfAbsent(op.id() + " " + status + " " + mediaType, key -> {
            ObjectNode standalone = ApiDocument.JSON.createObjectNode();
            standalone.setAll((ObjectNode) schema.deepCopy());
            standalone.set("components", doc.root().path("components").deepCopy());
            close(standalone);
            return FACTORY.getSchema(standalone, CONFIG);
        });
    }

    private static void close(JsonNode node) {
        if (node instanceof ObjectNode object && object.path("properties").isObject()
                && !object.has("additionalProperties") && !object.has("unevaluatedProperties")) {
            object.put("unevaluatedProperties", false);
        }
        node.forEach(AnswerCheck::close);
    }
}
