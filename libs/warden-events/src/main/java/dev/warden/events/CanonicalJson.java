package dev.warden.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;

import org.erdtman.jcs.NumberToJSON;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.TreeMap;

/**
 * One byte sequence per JSON value: the JSON Canonicalization Scheme of RFC 8785 (keys sorted by UTF-16 code units,
 * no insignificant whitespace, numbers and strings written as ECMAScript does), through a library. Digests and hash
 * chains are computed over this form, so the same document hashes the same whoever serialized it, in any language.
 * {@link #legacy} is the form Warden used before (Jackson's output with sorted keys); it differs only for
 * non-integer or very large numbers and for control characters in strings, and verifiers still accept it for what
 * was hashed before the change.
 */
public final class CanonicalJson {

    private CanonicalJson() {
    }

    public static String canonical(JsonNode node) {
        return canonical(node, 256);
    }

    /** As {@link #canonical(JsonNode)}, into a buffer of {@code capacity} characters to start with. */
    public static String canonical(JsonNode node, int capacity) {
        StringBuilder out = new StringBuilder(capacity);
        write(node, out);
        return out.toString();
    }

    /**
     * A value already in canonical form, to stand in a tree as itself ({@link #node}): a document of many parts (a
     * compliance package's tens of thousands of entries) holds each part as its canonical text, a fraction of its tree,
     * and is written out without parsing any of them again.
     */
    public record Canonical(String json) {

        public static Canonical of(JsonNode node) {
            return new Canonical(canonical(node));
        }

        public JsonNode node() {
            return JsonNodeFactory.instance.pojoNode(this);
        }
    }

    /**
     * RFC 8785 straight from the tree, without writing it out and parsing it again as
     * {@code new JsonCanonicalizer(json)} would (that doubled the cost of hashing an audit entry): keys in UTF-16
     * code unit order ({@link String#compareTo}), strings with only the escapes the RFC allows, numbers as IEEE-754
     * doubles written by the library's ECMAScript formatter. {@code CanonicalJsonTest} checks it against the
     * library on the RFC's example and on random documents.
     */
    private static void write(JsonNode node, StringBuilder out) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                TreeMap<String, JsonNode> fields = new TreeMap<>();
                node.fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue()));
                out.append('{');
                boolean first = true;
                for (var e : fields.entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(e.getKey(), out);
                    out.append(':');
                    write(e.getValue(), out);
                }
                out.append('}');
            }
            case ARRAY -> {
                out.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(node.get(i), out);
                }
                out.append(']');
            }
            case STRING -> string(node.textValue(), out);
            case NUMBER -> out.append(number(node.doubleValue()));
            case BOOLEAN -> out.append(node.booleanValue());
            case NULL, MISSING -> out.append("null");
            case POJO -> {
                if (!(((POJONode) node).getPojo() instanceof Canonical part)) {
                    throw new IllegalArgumentException("not JSON: " + node);
                }
                out.append(part.json());
            }
            default -> throw new IllegalArgumentException("not JSON: " + node.getNodeType());
        }
    }

    private static String number(double value) {
        try {
            return NumberToJSON.serializeNumber(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a JSON number (RFC 8785 has no NaN or infinity): " + value, e);
        }
    }

    /** RFC 8785, 3.2.2.2: the two-character escapes where JSON has them, else backslash-u-00xx in lower-case hex, below U+0020. */
    private static void string(String value, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** The canonical form of Warden before RFC 8785, kept only to verify what was hashed with it. */
    public static String legacy(JsonNode node) {
        return EventJson.write(sorted(node));
    }

    public static String sha256Hex(JsonNode node) {
        return sha256Hex(canonical(node).getBytes(StandardCharsets.UTF_8));
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            TreeMap<String, JsonNode> fields = new TreeMap<>();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                fields.put(name, sorted(node.get(name)));
            }
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            fields.forEach(out::set);
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            node.forEach(child -> out.add(sorted(child)));
            return out;
        }
        return node;
    }
}
