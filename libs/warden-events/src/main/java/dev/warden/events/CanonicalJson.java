package dev.warden.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.erdtman.jcs.JsonCanonicalizer;

import java.io.IOException;
import java.io.UncheckedIOException;
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
        try {
            return new JsonCanonicalizer(EventJson.write(node)).getEncodedString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
