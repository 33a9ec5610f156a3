package dev.warden.api;

import io.quarkus.smallrye.openapi.OpenApiFilter;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.eclipse.microprofile.openapi.models.security.SecurityRequirement;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Completes every Warden service's OpenAPI document at build time, so that clients generated from it work:
 * <ul>
 *   <li>each operation documents the shared error responses that apply to it (see {@link WardenApiDefinition}):
 *       400 when it takes input, 401 and 403 when it is secured, 404 when its path names a resource, 413 and 415
 *       when it takes a body, 406, 414, 431, 500 and 503 always;</li>
 *   <li>a secured operation accepts either a bearer token or an API key, with the same roles;</li>
 *   <li>paging parameters and path ids say their type ({@code limit} an integer, with {@link PageRequest}'s bounds
 *       unless the resource declares a maximum of its own; {@code agent_id} a UUID);</li>
 *   <li>a schema only answers use lists every property as {@code required}, since Jackson writes every field of a
 *       record (null when it has no value, which the field's {@code @Schema(nullable = true)} says); a schema that
 *       lists its required properties itself (a field Jackson leaves out when null) keeps its list;</li>
 *   <li>Java's value types ({@code Instant}, {@code UUID}) are written where they are used, as strings with a
 *       format, rather than published as schemas under their class names;</li>
 *   <li>the build fails when an operation has no {@code operationId}, shares one, or documents no 2xx response.</li>
 * </ul>
 */
@OpenApiFilter(stages = OpenApiFilter.RunStage.BUILD)
public class WardenOpenApiFilter implements OASFilter {

    /**
     * Java's value types that SmallRye publishes as component schemas of their own, under their class names
     * ({@code Instant}, {@code UUID}): each is a string with a format, written where it is used instead, so that no Java
     * class name is part of the contract (a reviewer's generated client named a model {@code Instant}).
     */
    private static final Set<String> JAVA_VALUE_TYPES = Set.of("Instant", "UUID", "OffsetDateTime", "LocalDate",
            "LocalDateTime", "LocalTime", "Duration", "URI", "URL", "BigDecimal", "BigInteger");

    @Override
    public void filterOpenAPI(OpenAPI api) {
        if (api.getPaths() == null || api.getPaths().getPathItems() == null) {
            return;
        }
        List<String> problems = new ArrayList<>();
        Set<String> operationIds = new HashSet<>();
        for (Map.Entry<String, PathItem> path : api.getPaths().getPathItems().entrySet()) {
            PathItem item = path.getValue();
            for (Map.Entry<PathItem.HttpMethod, Operation> entry : item.getOperations().entrySet()) {
                Operation operation = entry.getValue();
                String where = entry.getKey() + " " + path.getKey();
                String id = operation.getOperationId();
                if (id == null || id.isBlank()) {
                    problems.add(where + " has no operationId: name it with @Operation(operationId = ...)");
                } else if (!operationIds.add(id)) {
                    problems.add(where + " repeats the operationId " + id);
                }
                complete(api, path.getKey(), item, operation);
                if (operation.getResponses().getAPIResponses().keySet().stream().noneMatch(code -> code.startsWith("2"))) {
                    problems.add(where + " documents no 2xx response: add @APIResponse(responseCode = ...)");
                }
            }
        }
        requireAnsweredProperties(api);
        dropUnusedShared(api);
        inlineJavaValueTypes(api);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("The OpenAPI document would break generated clients:\n  "
                    + String.join("\n  ", problems));
        }
    }

    private static void complete(OpenAPI api, String path, PathItem item, Operation operation) {
        typeParameters(operation.getParameters());
        typeParameters(item.getParameters());
        if (operation.getResponses() == null) {
            operation.setResponses(OASFactory.createAPIResponses());
        }
        APIResponses responses = operation.getResponses();
        if (hasInput(item, operation)) {
            shared(responses, "400", WardenApiDefinition.BAD_REQUEST);
        }
        if (operation.getRequestBody() != null) {
            shared(responses, "413", WardenApiDefinition.PAYLOAD_TOO_LARGE);
            shared(responses, "415", WardenApiDefinition.UNSUPPORTED_MEDIA_TYPE);
        }
        List<SecurityRequirement> security = operation.getSecurity() != null ? operation.getSecurity() : api.getSecurity();
        boolean secured = security != null && !security.isEmpty()
                && security.stream().allMatch(r -> r.getSchemes() != null && !r.getSchemes().isEmpty());
        if (secured) {
            shared(responses, "401", WardenApiDefinition.UNAUTHORIZED);
            shared(responses, "403", WardenApiDefinition.FORBIDDEN);
            if (operation.getSecurity() != null) {
                Object bearerOnly = operation.getExtensions() == null ? null
                        : operation.getExtensions().get(WardenApiDefinition.BEARER_ONLY_ROLES);
                operation.setSecurity(eitherScheme(api, operation.getSecurity(),
                        bearerOnly == null ? Set.of() : Set.of(bearerOnly.toString().split(","))));
                if (bearerOnly != null) {
                    // SmallRye copies a method's @Extension onto its responses too: out of all of them
                    operation.removeExtension(WardenApiDefinition.BEARER_ONLY_ROLES);
                    responses.removeExtension(WardenApiDefinition.BEARER_ONLY_ROLES);
                    responses.getAPIResponses().values().forEach(r -> r.removeExtension(WardenApiDefinition.BEARER_ONLY_ROLES));
                }
            }
        }
        if (path.contains("{")) {
            shared(responses, "404", WardenApiDefinition.NOT_FOUND);
        }
        shared(responses, "406", WardenApiDefinition.NOT_ACCEPTABLE);
        shared(responses, "414", WardenApiDefinition.URI_TOO_LONG); // RequestLimits, before any route
        shared(responses, "431", WardenApiDefinition.HEADERS_TOO_LARGE);
        shared(responses, "500", WardenApiDefinition.INTERNAL_ERROR);
        shared(responses, "503", WardenApiDefinition.SERVICE_UNAVAILABLE);
        responses.setAPIResponses(new TreeMap<>(responses.getAPIResponses()));
    }

    /**
     * Every property of a schema that only answers use is required; a schema requests use too (RiskConfig in a
     * request and in an agent) keeps what its fields say, since a request may leave them out. A schema only requests
     * use takes no other property.
     */
    private static void requireAnsweredProperties(OpenAPI api) {
        if (api.getComponents() == null || api.getComponents().getSchemas() == null) {
            return;
        }
        Map<String, Schema> components = api.getComponents().getSchemas();
        Set<String> answered = new HashSet<>();
        Set<String> requested = new HashSet<>();
        for (PathItem item : api.getPaths().getPathItems().values()) {
            for (Operation operation : item.getOperations().values()) {
                if (operation.getRequestBody() != null && operation.getRequestBody().getContent() != null) {
                    operation.getRequestBody().getContent().getMediaTypes().values()
                            .forEach(media -> reach(media.getSchema(), components, requested));
                }
                for (Parameter p : operation.getParameters() == null ? List.<Parameter>of() : operation.getParameters()) {
                    reach(p.getSchema(), components, requested);
                }
                operation.getResponses().getAPIResponses().forEach((code, response) -> {
                    if (code.startsWith("2") && response.getContent() != null && response.getContent().getMediaTypes() != null) {
                        response.getContent().getMediaTypes().values().forEach(media -> reach(media.getSchema(), components, answered));
                    }
                });
            }
        }
        // A body's unknown field is a 400 (StrictJson): a schema only requests use says so, and generated validators and
        // fuzzers agree with the service. One answers use too stays open, so that a client reads a newer answer.
        for (String name : requested) {
            Schema schema = components.get(name);
            if (!answered.contains(name) && schema != null && schema.getProperties() != null
                    && !schema.getProperties().isEmpty() && schema.getAdditionalPropertiesBoolean() == null
                    && schema.getAdditionalPropertiesSchema() == null) {
                schema.setAdditionalPropertiesBoolean(false);
            }
        }
        answered.removeAll(requested);
        for (String name : answered) {
            Schema schema = components.get(name);
            if (schema != null && schema.getProperties() != null && !schema.getProperties().isEmpty()
                    && (schema.getRequired() == null || schema.getRequired().isEmpty())) {
                schema.setRequired(new ArrayList<>(schema.getProperties().keySet()));
            }
        }
    }

    private static void inlineJavaValueTypes(OpenAPI api) {
        if (api.getComponents() == null || api.getComponents().getSchemas() == null) {
            return;
        }
        Map<String, Schema> values = new TreeMap<>();
        api.getComponents().getSchemas().forEach((name, schema) -> {
            if (JAVA_VALUE_TYPES.contains(name) && schema.getRef() == null
                    && (schema.getProperties() == null || schema.getProperties().isEmpty())) {
                values.put(name, schema);
            }
        });
        if (values.isEmpty()) {
            return;
        }
        Set<Schema> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Schema root : schemaRoots(api)) {
            inline(root, values, seen);
        }
        values.keySet().forEach(api.getComponents()::removeSchema);
    }

    /** Every schema the document holds at its top: components', parameters', bodies', answers' and headers'. */
    private static List<Schema> schemaRoots(OpenAPI api) {
        List<Schema> roots = new ArrayList<>(api.getComponents().getSchemas().values());
        List<Parameter> parameters = new ArrayList<>();
        List<APIResponse> responses = new ArrayList<>();
        List<org.eclipse.microprofile.openapi.models.media.Content> contents = new ArrayList<>();
        for (PathItem item : api.getPaths().getPathItems().values()) {
            if (item.getParameters() != null) {
                parameters.addAll(item.getParameters());
            }
            for (Operation operation : item.getOperations().values()) {
                if (operation.getParameters() != null) {
                    parameters.addAll(operation.getParameters());
                }
                if (operation.getRequestBody() != null) {
                    contents.add(operation.getRequestBody().getContent());
                }
                responses.addAll(operation.getResponses().getAPIResponses().values());
            }
        }
        var components = api.getComponents();
        if (components.getParameters() != null) {
            parameters.addAll(components.getParameters().values());
        }
        if (components.getResponses() != null) {
            responses.addAll(components.getResponses().values());
        }
        if (components.getRequestBodies() != null) {
            components.getRequestBodies().values().forEach(body -> contents.add(body.getContent()));
        }
        List<org.eclipse.microprofile.openapi.models.headers.Header> headers = new ArrayList<>();
        if (components.getHeaders() != null) {
            headers.addAll(components.getHeaders().values());
        }
        for (APIResponse response : responses) {
            contents.add(response.getContent());
            if (response.getHeaders() != null) {
                headers.addAll(response.getHeaders().values());
            }
        }
        parameters.forEach(p -> roots.add(p.getSchema()));
        headers.forEach(h -> roots.add(h.getSchema()));
        for (var content : contents) {
            if (content != null && content.getMediaTypes() != null) {
                content.getMediaTypes().values().forEach(media -> roots.add(media.getSchema()));
            }
        }
        return roots;
    }

    /** Writes each of {@code values} in place of a reference to it, in {@code schema} and the schemas it holds. */
    private static void inline(Schema schema, Map<String, Schema> values, Set<Schema> seen) {
        if (schema == null || !seen.add(schema)) {
            return;
        }
        Schema value = schema.getRef() == null ? null : values.get(componentName(schema.getRef()));
        if (value != null) {
            schema.setRef(null);
            schema.setType(value.getType());
            schema.setFormat(value.getFormat());
            if (schema.getPattern() == null) {
                schema.setPattern(value.getPattern());
            }
            if (schema.getExamples() == null) {
                schema.setExamples(value.getExamples());
            }
        }
        held(schema).forEach(s -> inline(s, values, seen));
    }

    /** The schemas {@code schema} holds itself: its properties', items', additional properties', {@code not}'s, groups'. */
    private static List<Schema> held(Schema schema) {
        List<Schema> held = new ArrayList<>();
        if (schema.getProperties() != null) {
            held.addAll(schema.getProperties().values());
        }
        held.add(schema.getItems());
        held.add(schema.getAdditionalPropertiesSchema());
        held.add(schema.getNot());
        for (List<Schema> group : java.util.Arrays.asList(schema.getAnyOf(), schema.getOneOf(), schema.getAllOf())) {
            if (group != null) {
                held.addAll(group);
            }
        }
        return held;
    }

    /** Adds the names of the component schemas {@code schema} uses, directly or through others, to {@code names}. */
    private static void reach(Schema schema, Map<String, Schema> components, Set<String> names) {
        if (schema == null) {
            return;
        }
        if (schema.getRef() != null) {
            String name = componentName(schema.getRef());
            if (names.add(name)) {
                reach(components.get(name), components, names);
            }
        }
        held(schema).forEach(s -> reach(s, components, names));
    }

    /**
     * Resources take parameters as strings so that a malformed one is their own 400 naming it; the document still says
     * what each one is, the same way in every service, so generated clients take an integer limit and a UUID id.
     */
    private static void typeParameters(List<Parameter> parameters) {
        if (parameters == null) {
            return;
        }
        for (Parameter p : parameters) {
            String name = p.getName();
            if (p.getIn() == Parameter.In.QUERY && "limit".equals(name)) {
                // PageRequest's bounds, unless the resource declares its own (a list of other bounds must)
                Schema declared = p.getSchema();
                boolean own = declared != null && declared.getMaximum() != null;
                p.setSchema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER).format("int32")
                        .minimum(BigDecimal.ONE)
                        .maximum(own ? declared.getMaximum() : BigDecimal.valueOf(PageRequest.MAX_LIMIT))
                        .defaultValue(own ? integerOrNull(declared.getDefaultValue()) : PageRequest.DEFAULT_LIMIT));
            } else if (p.getIn() == Parameter.In.QUERY && "offset".equals(name)) {
                // the resource's own maximum, if it declares one (the audit log's 1,000,000)
                Schema declared = p.getSchema();
                p.setSchema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER).format("int32")
                        .minimum(BigDecimal.ZERO).maximum(declared == null ? null : declared.getMaximum())
                        .defaultValue(declared == null ? null : integerOrNull(declared.getDefaultValue())));
            } else if (p.getIn() == Parameter.In.QUERY && "updated_since".equals(name)) {
                p.setSchema(OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("date-time"));
            } else if (p.getIn() == Parameter.In.PATH && name.endsWith("_id")) {
                p.setSchema(OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("uuid"));
            } else if (p.getSchema() != null && p.getSchema().getRef() == null
                    && (p.getSchema().getType() == null || p.getSchema().getType().isEmpty())) {
                // A pattern, a length or a list of values said, and no type: the string it is read as, or generated
                // clients take an Object
                p.getSchema().addType(Schema.SchemaType.STRING);
            }
        }
    }

    /** An annotation's {@code defaultValue} arrives as text; the document says it as the integer it is. */
    private static Object integerOrNull(Object value) {
        return value instanceof String text && text.matches("[0-9]{1,9}") ? Integer.valueOf(text)
                : value instanceof Number ? value : null;
    }

    private static boolean hasInput(PathItem item, Operation operation) {
        return operation.getRequestBody() != null
                || operation.getParameters() != null && !operation.getParameters().isEmpty()
                || item.getParameters() != null && !item.getParameters().isEmpty();
    }

    /**
     * Leaves out the shared responses and headers that none of this service's operations refers to (a service without
     * a request body has no use for 413, one without If-Match none for ETag), as unused schemas are left out.
     */
    private static void dropUnusedShared(OpenAPI api) {
        var components = api.getComponents();
        if (components == null) {
            return;
        }
        Set<String> responses = new HashSet<>();
        Set<String> headers = new HashSet<>();
        for (PathItem item : api.getPaths().getPathItems().values()) {
            for (Operation operation : item.getOperations().values()) {
                operation.getResponses().getAPIResponses().values().forEach(response -> {
                    if (response.getRef() != null) {
                        responses.add(componentName(response.getRef()));
                    }
                    headerRefs(response, headers);
                });
            }
        }
        if (components.getResponses() != null) {
            Map<String, APIResponse> kept = new TreeMap<>(components.getResponses());
            kept.keySet().retainAll(responses);
            kept.values().forEach(response -> headerRefs(response, headers));
            components.setResponses(kept);
        }
        if (components.getHeaders() != null) {
            Map<String, org.eclipse.microprofile.openapi.models.headers.Header> kept = new TreeMap<>(components.getHeaders());
            kept.keySet().retainAll(headers);
            components.setHeaders(kept);
        }
    }

    private static void headerRefs(APIResponse response, Set<String> into) {
        if (response.getHeaders() != null) {
            response.getHeaders().values().stream().filter(h -> h.getRef() != null)
                    .forEach(h -> into.add(componentName(h.getRef())));
        }
    }

    /** {@code #/components/responses/NotFound} to {@code NotFound}. */
    private static String componentName(String ref) {
        return ref.substring(ref.lastIndexOf('/') + 1);
    }

    /**
     * Puts the shared response under {@code code}, replacing one generated without content (SmallRye adds bare 400,
     * 401 and 403 responses); a response the resource documents itself is kept.
     */
    private static void shared(APIResponses responses, String code, String name) {
        APIResponse existing = responses.getAPIResponse(code);
        if (existing == null || existing.getRef() == null && (existing.getContent() == null
                || existing.getContent().getMediaTypes() == null || existing.getContent().getMediaTypes().isEmpty())) {
            responses.addAPIResponse(code, OASFactory.createAPIResponse().ref(name));
        }
    }

    /**
     * The roles an operation requires, with each security scheme the document accepts as an alternative; the
     * {@code apiKey} scheme without the roles only a bearer credential carries there ({@code bearerOnly}).
     */
    private static List<SecurityRequirement> eitherScheme(OpenAPI api, List<SecurityRequirement> requirements,
                                                          Set<String> bearerOnly) {
        Set<String> roles = new LinkedHashSet<>();
        requirements.forEach(r -> r.getSchemes().values().forEach(scopes -> {
            if (scopes != null) {
                roles.addAll(scopes);
            }
        }));
        Set<String> schemes = new LinkedHashSet<>();
        if (api.getSecurity() != null) {
            api.getSecurity().forEach(r -> schemes.addAll(r.getSchemes().keySet()));
        }
        if (schemes.isEmpty()) {
            return requirements;
        }
        List<SecurityRequirement> either = new ArrayList<>();
        schemes.forEach(scheme -> {
            List<String> taken = new ArrayList<>(roles);
            if ("apiKey".equals(scheme)) {
                taken.removeAll(bearerOnly);
            }
            either.add(OASFactory.createSecurityRequirement().addScheme(scheme, taken));
        });
        return either;
    }
}
