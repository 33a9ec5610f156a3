package dev.warden.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.io.IOException;

/**
 * PostgreSQL cannot store the NUL character in text or JSON, so a request carrying one would fail at the database
 * with a 500. Every string of a request body (record fields, lists, free-form JSON alike) is refused with a 400 naming
 * its field instead, while the body is read.
 */
public final class NoNulCharacters {

    public static final String REASON = "must not contain the NUL character (\\u0000)";

    private NoNulCharacters() {
    }

    /** Strings of typed fields and lists. */
    public static SimpleModule module() {
        return new SimpleModule("warden-no-nul").addDeserializer(String.class, new Strings());
    }

    /** Strings inside free-form JSON ({@code metadata}, {@code config}, policy rules). */
    public static JsonNodeFactory nodeFactory() {
        return new JsonNodeFactory() {
            @Override
            public TextNode textNode(String text) {
                return super.textNode(check(text));
            }

            @Override
            public ObjectNode objectNode() {
                return new ObjectNode(this) {
                    @Override
                    public JsonNode replace(String name, JsonNode value) {
                        return super.replace(check(name), value);
                    }

                    @Override
                    public <T extends JsonNode> T set(String name, JsonNode value) {
                        return super.set(check(name), value);
                    }
                };
            }
        };
    }

    /** {@code value}, or a refusal when it holds a NUL character. */
    public static String check(String value) {
        if (value != null && value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(REASON);
        }
        return value;
    }

    private static final class Strings extends StdScalarDeserializer<String> {

        Strings() {
            super(String.class);
        }

        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return check(StringDeserializer.instance.deserialize(p, ctxt));
        }
    }
}
