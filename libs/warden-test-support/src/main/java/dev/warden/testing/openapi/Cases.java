package dev.warden.testing.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.warden.testing.openapi.ApiDocument.Operation;
import dev.warden.testing.openapi.ApiDocument.Parameter;
import dev.warden.testing.openapi.Exchange.Request;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * Generates requests for an operation from its document: valid ones (every required field and parameter, some
 * optional ones, values of the documented type, format, enum or example), and malformed ones, each changing one thing:
 * a field or parameter of the wrong type, missing, huge, in exotic unicode, holding NUL or a lone surrogate, an
 * extreme number or date; duplicate keys, deep nesting, an empty, non-JSON or non-object body, a wrong content type,
 * no or a wrong credential. A case that must be refused says so: it is malformed in a way the service always checks.
 */
final class Cases {

    /** What a case changes. */
    enum Kind {
        VALID, WRONG_TYPE, MISSING_REQUIRED, NULL_VALUE, HUGE_STRING, UNICODE, NUL, LONE_SURROGATE, DUPLICATE_KEY,
        DEEP_NESTING, EXTREME_NUMBER, EXTREME_DATE, UNKNOWN_FIELD, EMPTY_BODY, INVALID_JSON, NOT_AN_OBJECT,
        WRONG_CONTENT_TYPE, BAD_PARAMETER, BAD_PATH_ID, UNKNOWN_ID, NO_CREDENTIALS, WRONG_CREDENTIALS, VIEWER
    }

    /** Kinds that change the body when the operation takes one, and a query parameter otherwise. */
    private static final Set<Kind> VALUE_KINDS = EnumSet.range(Kind.WRONG_TYPE, Kind.EXTREME_DATE);
    /** Kinds that only a body can have. */
    private static final Set<Kind> BODY_KINDS = EnumSet.range(Kind.UNKNOWN_FIELD, Kind.WRONG_CONTENT_TYPE);

    record Case(Operation op, Kind kind, String where, Request request, boolean mustRefuse) {
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String[] UNICODE = {
            "😀🛡️𝔚𝔞𝔯𝔡𝔢𝔫", "\u202Egnp.exe\u202C", "مرحبا بالعالم", "שלום", "e\u0301\u0302\u0303\u0304\u0305\u0306",
            "Z\u0351\u0364\u036B\u0343\u0344\u036B\u0308\u0301", "\uFEFFbom", "zero\u200B\u200C\u200Dwidth", "𠜎𠜱𠝹𠱓",
            "\uFFFD\uFFFE\uFFFF", "\u0007\u001B[31mred\u001B[0m", "line\nbreak\r\ttab", "ǅǈǋ ß ﬃ İı", "\u00A0\u2028\u2029"};
    private static final String[] EXTREME_NUMBERS = {
            "1e308", "-1e308", "1e309", "-0", "-0.0", "4.9e-324", "123456789012345678901234567890",
            "-9223372036854775809", "9223372036854775808", "2147483648", "-2147483649", "1.0", "0.5", "1E+2"};
    private static final String[] EXTREME_DATES = {
            "+294277-01-01T00:00:00Z", "-290308-12-21T19:59:05.224192Z", "0000-01-01T00:00:00Z", "10000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.9999999Z", "+1000000000-12-31T23:59:59.999999999Z", "-1000000000-01-01T00:00:00Z",
            "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-01T24:00:01Z", "2026-01-01T00:00:00+25:00",
            "2026-01-01", "yesterday", "1767225600", ""};
    private static final String[] INVALID_JSON = {
            "{", "{\"a\":}", "[1,]", "{'a': 1}", "{\"a\": 1} trailing", "/* comment */ {}", "{\"a\": NaN}",
            "{\"a\": Infinity}", "{\"a\": 01}", "{\"a\": \"unterminated}", "\uFEFF{}", "{\"a\": \"\\x41\"}", "{\"a\" 1}"};
    private static final String[] NOT_OBJECTS = {"null", "[]", "[{}]", "\"text\"", "1", "true"};
    private static final String[] CONTENT_TYPES = {
            "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
            "application/json-patch+json", "*/*", "application/octet-stream", "application/json; charset=utf-16"};
    private static final String[] BAD_IDS = {
            "not-a-uuid", "00000000-0000-0000-0000-00000000000g", "123", "%00", "%20", "a%2Fb", "%3F",
            "x".repeat(500), "%E2%80%AE", "'%20OR%201=1--", "%F0%9F%98%80", "00000000000000000000000000000000"};
    private static final String[] BAD_PARAMETERS = {
            "%00", "a%00b", "%C3%28", "%FF%FE", "%ED%A0%80", "%F0%9F%98%80", "%E2%80%AE", "-1", "0", "abc",
            "99999999999999999999", "1e308", "-0", "1.5", "0x10", "true", "%20", "null", "[]", "{}"};

    private final Driver driver;
    private final Random random;
    private final Map<String, String> placeholders = new HashMap<>();
    private JsonNode rootSchema = NODES.objectNode();
    /** The last time generated for this case: each next one is later, so that a {@code from} comes before its {@code to}. */
    private Instant lastTime;

    Cases(Driver driver, Random random) {
        this.driver = driver;
        this.random = random;
    }

    /** A valid request: only the required parameters and fields when {@code minimal}, newest known ids. */
    Case valid(Operation op, boolean minimal) {
        return build(op, Kind.VALID, minimal);
    }

    /** A random case: valid about one time in five, otherwise malformed in one way. */
    Case any(Operation op) {
        List<Kind> kinds = new ArrayList<>(List.of(Kind.VALID, Kind.VALID, Kind.BAD_PARAMETER, Kind.NO_CREDENTIALS,
                Kind.WRONG_CREDENTIALS));
        if (driver.viewer() != null && op.secured()) {
            kinds.add(Kind.VIEWER);
        }
        if (!op.in("path").isEmpty()) {
            kinds.addAll(List.of(Kind.BAD_PATH_ID, Kind.UNKNOWN_ID, Kind.BAD_PATH_ID));
        }
        if (!driver.doc.requestSchema(op).isMissingNode()) {
            kinds.addAll(List.of(Kind.WRONG_TYPE, Kind.MISSING_REQUIRED, Kind.NULL_VALUE, Kind.HUGE_STRING, Kind.UNICODE,
                    Kind.NUL, Kind.LONE_SURROGATE, Kind.DUPLICATE_KEY, Kind.DEEP_NESTING, Kind.EXTREME_NUMBER,
                    Kind.EXTREME_DATE, Kind.UNKNOWN_FIELD, Kind.EMPTY_BODY, Kind.INVALID_JSON, Kind.NOT_AN_OBJECT,
                    Kind.WRONG_CONTENT_TYPE, Kind.VALID, Kind.VALID, Kind.UNICODE, Kind.WRONG_TYPE));
        } else {
            kinds.addAll(List.of(Kind.BAD_PARAMETER, Kind.UNICODE, Kind.NUL, Kind.EXTREME_NUMBER, Kind.EXTREME_DATE,
                    Kind.HUGE_STRING, Kind.WRONG_TYPE));
        }
        return build(op, kinds.get(random.nextInt(kinds.size())), false);
    }

    private Case build(Operation op, Kind kind, boolean minimal) {
        placeholders.clear();
        lastTime = null;
        rootSchema = driver.doc.resolve(driver.doc.requestSchema(op));
        boolean hasBody = !driver.doc.requestSchema(op).isMissingNode();
        boolean bodyCase = hasBody && (VALUE_KINDS.contains(kind) || BODY_KINDS.contains(kind));
        String[] where = {""};
        boolean[] refuse = {false};

        Map<String, String> path = new LinkedHashMap<>();
        for (Parameter p : op.in("path")) {
            path.put(p.name(), driver.idOrRandom(p.name(), minimal ? null : random));
        }
        if (kind == Kind.UNKNOWN_ID || kind == Kind.BAD_PATH_ID) {
            Parameter p = op.in("path").get(random.nextInt(op.in("path").size()));
            where[0] = p.name();
            if (kind == Kind.UNKNOWN_ID) {
                path.put(p.name(), UUID.randomUUID().toString());
            } else {
                path.put(p.name(), pick(BAD_IDS));
                refuse[0] = true;
            }
        }
        String target = op.path();
        for (Map.Entry<String, String> p : path.entrySet()) {
            String value = p.getValue();
            target = target.replace("{" + p.getKey() + "}", value.contains("%") ? value : encode(value));
        }

        List<String> query = new ArrayList<>();
        List<Parameter> queryParameters = op.in("query");
        Parameter mangled = null;
        boolean parameterCase = !bodyCase && VALUE_KINDS.contains(kind) || kind == Kind.BAD_PARAMETER;
        if (parameterCase && !queryParameters.isEmpty()) {
            mangled = queryParameters.get(random.nextInt(queryParameters.size()));
        }
        for (Parameter p : queryParameters) {
            if (p == mangled) {
                where[0] = p.name();
                String raw = badParameter(p, kind, refuse);
                query.add(p.name() + "=" + raw);
                if (random.nextInt(8) == 0) {
                    query.add(p.name() + "=" + raw);
                }
            } else if (p.required() || !minimal && random.nextInt(3) == 0) {
                JsonNode value = value(p.schema(), p.name(), false, 0, null);
                query.add(p.name() + "=" + encode(value.isTextual() ? value.asText() : value.toString()));
            }
        }
        if (!query.isEmpty()) {
            target += "?" + String.join("&", query);
        }

        Map<String, String> credentials = driver.caller(op);
        if (kind == Kind.NO_CREDENTIALS) {
            credentials = Map.of();
            refuse[0] = op.secured();
            where[0] = "credentials";
        } else if (kind == Kind.VIEWER) {
            // Every role but instance implies viewer: an operation that names another role refuses a viewer.
            credentials = driver.viewer();
            refuse[0] = !op.roles().isEmpty() && !op.roles().contains("viewer");
            where[0] = "role";
        } else if (kind == Kind.WRONG_CREDENTIALS) {
            credentials = Map.of("X-API-Key", random.nextBoolean() ? "wdn_" + UUID.randomUUID() : pick(UNICODE).replaceAll("[^ -~]", "x"));
            refuse[0] = op.secured();
            where[0] = "credentials";
        }

        byte[] body = null;
        String contentType = null;
        if (hasBody) {
            contentType = "application/json";
            List<Slot> slots = new ArrayList<>();
            JsonNode valid = value(driver.doc.requestSchema(op), "body", minimal, 0, slots);
            String json = bodyCase ? malform(kind, valid, slots, where, refuse) : write(valid);
            if (kind == Kind.EMPTY_BODY) {
                boolean none = random.nextBoolean();
                json = none ? "" : " \n";
                // An empty body is no body, refused only where the document requires one; white space is a body
                // that is no JSON
                refuse[0] = !none || driver.doc.bodyRequired(op);
                where[0] = "body";
            } else if (kind == Kind.INVALID_JSON) {
                json = pick(INVALID_JSON);
                refuse[0] = true;
                where[0] = "body";
            } else if (kind == Kind.NOT_AN_OBJECT) {
                json = pick(NOT_OBJECTS);
                refuse[0] = "object".equals(type(driver.doc.resolve(driver.doc.requestSchema(op))));
                where[0] = "body";
            } else if (kind == Kind.WRONG_CONTENT_TYPE) {
                // No Content-Type is taken as JSON: any other type must be refused, a wildcard (*/*) too.
                contentType = random.nextInt(4) == 0 ? null : pick(CONTENT_TYPES);
                refuse[0] = contentType != null && !contentType.startsWith("application/json");
                where[0] = "content type";
            }
            body = json.getBytes(StandardCharsets.UTF_8);
            if (kind == Kind.INVALID_JSON && random.nextInt(3) == 0) {
                body = new byte[]{'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
            }
        }
        Request request = new Request(op.method(), target, Exchange.headers(credentials, contentType), body);
        return new Case(op, kind, where[0], request, refuse[0]);
    }

    // ---- values from schemas

    /** A place in a generated body: a field of an object or an element of an array, with its schema. */
    private record Slot(JsonNode container, String field, int index, JsonNode schema, String name) {

        void set(JsonNode value) {
            if (container instanceof ObjectNode object) {
                object.set(field, value);
            } else {
                ((ArrayNode) container).set(index, value);
            }
        }
    }

    private JsonNode value(JsonNode schemaOrRef, String name, boolean minimal, int depth, List<Slot> slots) {
        JsonNode schema = driver.doc.resolve(schemaOrRef);
        JsonNode alternatives = schema.has("anyOf") ? schema.get("anyOf") : schema.get("oneOf");
        if (alternatives != null) {
            List<JsonNode> choices = new ArrayList<>();
            alternatives.forEach(a -> {
                if (!"null".equals(driver.doc.resolve(a).path("type").asText())) {
                    choices.add(a);
                }
            });
            if (!choices.isEmpty()) {
                return value(choices.get(random.nextInt(choices.size())), name, minimal, depth, slots);
            }
        }
        if (schema.path("enum").isArray() && !schema.path("enum").isEmpty()) {
            return schema.get("enum").get(random.nextInt(schema.get("enum").size())).deepCopy();
        }
        JsonNode examples = schema.path("examples");
        boolean time = "date-time".equals(schema.path("format").asText());
        if (examples.isArray() && !examples.isEmpty() && !time && (minimal || random.nextBoolean())) {
            return examples.get(random.nextInt(examples.size())).deepCopy();
        }
        String type = type(schema);
        switch (type) {
            case "object" -> {
                ObjectNode object = NODES.objectNode();
                JsonNode properties = schema.path("properties");
                if (properties.isEmpty() || depth > 6) {
                    object.put("key", word());
                    return object;
                }
                List<String> required = new ArrayList<>();
                schema.path("required").forEach(r -> required.add(r.asText()));
                properties.fields().forEachRemaining(property -> {
                    if (required.contains(property.getKey()) || !minimal && random.nextInt(3) > 0) {
                        object.set(property.getKey(), value(property.getValue(), property.getKey(), minimal, depth + 1, slots));
                        if (slots != null) {
                            slots.add(new Slot(object, property.getKey(), -1, property.getValue(), property.getKey()));
                        }
                    }
                });
                return object;
            }
            case "array" -> {
                ArrayNode array = NODES.arrayNode();
                int size = minimal ? 1 : random.nextInt(4);
                for (int i = 0; i < Math.max(size, schema.path("minItems").asInt(0)); i++) {
                    array.add(value(schema.path("items"), name, minimal, depth + 1, slots));
                    if (slots != null) {
                        slots.add(new Slot(array, null, i, schema.path("items"), name));
                    }
                }
                return array;
            }
            case "integer" -> {
                long min = schema.path("minimum").asLong(0);
                long max = schema.has("maximum") ? schema.get("maximum").asLong() : min + 100;
                return NODES.numberNode(min + (long) (random.nextDouble() * (max - min + 1)));
            }
            case "number" -> {
                return NODES.numberNode(random.nextInt(10_000) / 100.0);
            }
            case "boolean" -> {
                return NODES.booleanNode(random.nextBoolean());
            }
            case "string" -> {
                return NODES.textNode(string(schema, name));
            }
            default -> {
                return random.nextBoolean() ? NODES.objectNode().put("key", word()) : NODES.textNode(word());
            }
        }
    }

    private String string(JsonNode schema, String name) {
        String format = schema.path("format").asText();
        if (format.equals("uuid") || name.endsWith("_id")) {
            return driver.idOrRandom(name, random);
        }
        if (format.equals("date-time")) {
            lastTime = lastTime == null ? Instant.now().minus(30 + random.nextInt(30), ChronoUnit.DAYS)
                    : lastTime.plus(1 + random.nextInt(60 * 24), ChronoUnit.MINUTES);
            return lastTime.toString();
        }
        if (name.endsWith("_hash") || schema.path("pattern").asText().contains("{64}")) {
            byte[] bytes = new byte[32];
            random.nextBytes(bytes);
            return HexFormat.of().formatHex(bytes);
        }
        if (name.endsWith("_url") || format.equals("uri")) {
            return "https://example.com/" + word();
        }
        String word = word();
        int max = schema.path("maxLength").asInt(Integer.MAX_VALUE);
        return word.length() > max ? word.substring(0, max) : word;
    }

    private String word() {
        StringBuilder word = new StringBuilder("f");
        int length = 3 + random.nextInt(10);
        for (int i = 0; i < length; i++) {
            word.append((char) ('a' + random.nextInt(26)));
        }
        return word.toString();
    }

    private static String type(JsonNode schema) {
        JsonNode type = schema.path("type");
        if (type.isArray()) {
            for (JsonNode t : type) {
                if (!"null".equals(t.asText())) {
                    return t.asText();
                }
            }
        }
        if (type.isTextual()) {
            return type.asText();
        }
        return schema.has("properties") ? "object" : "";
    }

    // ---- malformed bodies

    private String malform(Kind kind, JsonNode valid, List<Slot> slots, String[] where, boolean[] refuse) {
        if (kind == Kind.EMPTY_BODY || kind == Kind.INVALID_JSON || kind == Kind.NOT_AN_OBJECT || kind == Kind.WRONG_CONTENT_TYPE) {
            return write(valid);
        }
        List<Slot> candidates = switch (kind) {
            case EXTREME_DATE -> slots.stream().filter(s -> "date-time".equals(driver.doc.resolve(s.schema()).path("format").asText())).toList();
            case MISSING_REQUIRED, DUPLICATE_KEY, UNKNOWN_FIELD -> List.of();
            default -> slots;
        };
        if (kind == Kind.MISSING_REQUIRED) {
            return missingRequired(valid, slots, where, refuse);
        }
        if (kind == Kind.DUPLICATE_KEY || kind == Kind.UNKNOWN_FIELD) {
            List<ObjectNode> objects = new ArrayList<>();
            if (valid instanceof ObjectNode root) {
                objects.add(root);
            }
            slots.forEach(s -> {
                JsonNode value = s.container() instanceof ObjectNode o ? o.get(s.field()) : s.container().get(s.index());
                if (value instanceof ObjectNode o && !o.isEmpty()) {
                    objects.add(o);
                }
            });
            objects.removeIf(o -> kind == Kind.DUPLICATE_KEY && o.isEmpty());
            if (objects.isEmpty()) {
                return write(valid);
            }
            ObjectNode target = objects.get(random.nextInt(objects.size()));
            if (kind == Kind.UNKNOWN_FIELD) {
                target.put("unexpected_field", 1);
                where[0] = "unexpected_field";
                refuse[0] = target == valid || hasProperties(slots, target);
                return write(valid);
            }
            List<String> names = new ArrayList<>();
            target.fieldNames().forEachRemaining(names::add);
            String duplicated = names.get(random.nextInt(names.size()));
            String text = write(target);
            JsonNode other = random.nextBoolean() ? target.get(duplicated) : NODES.textNode(word());
            String raw = "{" + write(NODES.textNode(duplicated)) + ":" + write(other) + "," + text.substring(1);
            where[0] = duplicated + " (twice)";
            refuse[0] = true;
            if (target == valid) {
                return raw;
            }
            replaceWithRaw(slots, target, raw);
            return write(valid);
        }
        if (candidates.isEmpty()) {
            return write(valid);
        }
        Slot slot = candidates.get(random.nextInt(candidates.size()));
        where[0] = slot.name();
        JsonNode schema = driver.doc.resolve(slot.schema());
        String type = type(schema);
        switch (kind) {
            case WRONG_TYPE -> {
                slot.set(switch (type) {
                    case "string" -> random.nextBoolean() ? NODES.numberNode(12345) : NODES.arrayNode().add("x");
                    case "integer", "number" -> random.nextBoolean() ? NODES.textNode("12") : NODES.objectNode();
                    case "boolean" -> random.nextBoolean() ? NODES.textNode("true") : NODES.numberNode(1);
                    case "array" -> NODES.objectNode().put("0", "x");
                    case "object" -> NODES.arrayNode().add(1);
                    default -> NODES.numberNode(1);
                });
                refuse[0] = !type.isEmpty() && !schema.has("anyOf");
            }
            case NULL_VALUE -> slot.set(NODES.nullNode());
            case HUGE_STRING -> slot.set(NODES.textNode(random.nextBoolean() ? "A".repeat(200_000) : pick(UNICODE).repeat(5_000)));
            case UNICODE -> slot.set(NODES.textNode(pick(UNICODE) + (random.nextBoolean() ? pick(UNICODE) : "")));
            case NUL -> {
                slot.set(NODES.textNode(random.nextBoolean() ? "a\u0000b" : "\u0000"));
                refuse[0] = true;
            }
            case LONE_SURROGATE -> {
                slot.set(raw(random.nextBoolean() ? "\"a\\ud800b\"" : "\"\\udfff\""));
                refuse[0] = "string".equals(type) || type.isEmpty();
            }
            case DEEP_NESTING -> {
                int depth = 3000 + random.nextInt(3000);
                slot.set(raw(random.nextBoolean() ? "[".repeat(depth) + "]".repeat(depth)
                        : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth)));
                refuse[0] = true;
            }
            case EXTREME_NUMBER -> slot.set(raw(pick(EXTREME_NUMBERS)));
            case EXTREME_DATE -> {
                slot.set(NODES.textNode(pick(EXTREME_DATES)));
                refuse[0] = true;
            }
            default -> {
            }
        }
        return write(valid);
    }

    private String missingRequired(JsonNode valid, List<Slot> slots, String[] where, boolean[] refuse) {
        List<Map.Entry<ObjectNode, String>> required = new ArrayList<>();
        List<JsonNode> objects = new ArrayList<>(List.of(valid));
        slots.forEach(s -> objects.add(s.container() instanceof ObjectNode o ? o.get(s.field()) : s.container().get(s.index())));
        for (JsonNode node : objects) {
            if (node instanceof ObjectNode object) {
                JsonNode schema = schemaOf(valid, slots, object);
                schema.path("required").forEach(r -> {
                    if (object.has(r.asText())) {
                        required.add(Map.entry(object, r.asText()));
                    }
                });
            }
        }
        if (required.isEmpty()) {
            return write(valid);
        }
        Map.Entry<ObjectNode, String> drop = required.get(random.nextInt(required.size()));
        drop.getKey().remove(drop.getValue());
        where[0] = drop.getValue();
        refuse[0] = true;
        return write(valid);
    }

    private JsonNode schemaOf(JsonNode root, List<Slot> slots, ObjectNode object) {
        for (Slot s : slots) {
            JsonNode value = s.container() instanceof ObjectNode o ? o.get(s.field()) : s.container().get(s.index());
            if (value == object) {
                return resolvedObjectSchema(s.schema());
            }
        }
        return root == object ? rootSchema : NODES.objectNode();
    }

    private JsonNode resolvedObjectSchema(JsonNode schema) {
        JsonNode resolved = driver.doc.resolve(schema);
        for (JsonNode alternative : resolved.path("anyOf")) {
            JsonNode a = driver.doc.resolve(alternative);
            if (a.has("properties")) {
                return a;
            }
        }
        return resolved;
    }

    private boolean hasProperties(List<Slot> slots, ObjectNode object) {
        for (Slot s : slots) {
            JsonNode value = s.container() instanceof ObjectNode o ? o.get(s.field()) : s.container().get(s.index());
            if (value == object) {
                return resolvedObjectSchema(s.schema()).has("properties");
            }
        }
        return false;
    }

    private void replaceWithRaw(List<Slot> slots, ObjectNode target, String rawJson) {
        for (Slot s : slots) {
            JsonNode value = s.container() instanceof ObjectNode o ? o.get(s.field()) : s.container().get(s.index());
            if (value == target) {
                s.set(raw(rawJson));
                return;
            }
        }
    }

    // ---- malformed parameters

    private String badParameter(Parameter p, Kind kind, boolean[] refuse) {
        JsonNode schema = driver.doc.resolve(p.schema());
        String type = type(schema);
        String format = schema.path("format").asText();
        boolean typed = type.equals("integer") || format.equals("date-time") || format.equals("uuid")
                || schema.has("enum");
        String value = switch (kind) {
            case NUL -> {
                refuse[0] = true;
                yield random.nextBoolean() ? "%00" : "a%00b";
            }
            case UNICODE -> encode(pick(UNICODE));
            case HUGE_STRING -> encode("x".repeat(300 + random.nextInt(700)));
            case EXTREME_NUMBER -> encode(pick(EXTREME_NUMBERS));
            case EXTREME_DATE -> {
                String date = pick(EXTREME_DATES);
                refuse[0] = format.equals("date-time") && !date.isEmpty();
                yield encode(date);
            }
            case WRONG_TYPE -> {
                refuse[0] = typed;
                yield encode(random.nextBoolean() ? "abc" : "{}");
            }
            default -> {
                String bad = pick(BAD_PARAMETERS);
                // A value the enumeration allows ("true" of a true/false parameter) is no malformed one.
                boolean allowed = false;
                for (JsonNode option : schema.path("enum")) {
                    allowed |= option.asText().equals(bad);
                }
                refuse[0] = bad.contains("%00") || typed && !allowed && List.of("abc", "{}", "[]", "null", "true", "0x10",
                        "%C3%28", "%FF%FE", "%ED%A0%80", "%F0%9F%98%80", "%E2%80%AE").contains(bad);
                yield bad.contains("%") ? bad : encode(bad);
            }
        };
        if (value.isEmpty() && !p.required()) {
            refuse[0] = false;
        }
        return value;
    }

    // ---- writing

    /** A node that {@link #write} replaces with {@code json} as it is, valid or not. */
    private TextNode raw(String json) {
        String token = "\u0001raw" + placeholders.size() + "\u0001";
        placeholders.put(write(NODES.textNode(token)), json);
        return NODES.textNode(token);
    }

    String write(JsonNode node) {
        String json;
        try {
            json = ApiDocument.JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        for (int pass = 0; pass < 3; pass++) {
            for (Map.Entry<String, String> raw : placeholders.entrySet()) {
                json = json.replace(raw.getKey(), raw.getValue());
            }
        }
        return json;
    }

    private String pick(String[] values) {
        return values[random.nextInt(values.length)];
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
