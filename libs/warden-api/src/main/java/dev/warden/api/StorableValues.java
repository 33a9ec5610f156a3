package dev.warden.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.NumericNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.node.ValueNode;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Values PostgreSQL cannot store would fail at the database with a 500, or be stored as something else: the NUL
 * character in text or JSON, an unpaired UTF-16 surrogate (JSON's {@code "\ud800"}, which has no UTF-8 form and
 * would be stored as {@code ?}), and timestamps past its range. Every string of a request body (record fields, lists, free-form JSON alike) and every
 * timestamp is checked while the body is read, and refused with a 400 naming its field.
 */
public final class StorableValues {

    public static final String REASON = "must not contain the NUL character (\\u0000)";
    public static final String SURROGATE_REASON = "must not contain an unpaired surrogate (such as \\ud800)";
    public static final String TIME_FORMAT_REASON = "must be an ISO-8601 timestamp with its offset (Z or +hh:mm), such as 2026-04-01T14:30:00Z";
    public static final String TIME_REASON = "must be between the years 1 and 9999";
    static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

    private StorableValues() {
    }

    /** Strings of typed fields and lists, and timestamps. */
    public static SimpleModule module() {
        return new SimpleModule("warden-storable-values")
                .addDeserializer(String.class, new Strings())
                .addDeserializer(Instant.class, new Instants());
    }

    /** Whether PostgreSQL can store {@code value}; years past 9999 are a mistake, not a date to compare with. */
    public static boolean storable(Instant value) {
        return value == null || !value.isBefore(EARLIEST) && !value.isAfter(LATEST);
    }

    /** Strings inside free-form JSON ({@code metadata}, {@code config}, policy rules). */
    public static JsonNodeFactory nodeFactory() {
        return new JsonNodeFactory() {
            @Override
            public TextNode textNode(String text) {
                return super.textNode(check(text));
            }

            // A number past a double's range (1e400) would be read as Infinity and written back as the string
            // "Infinity": a value that changed type. Refused instead.
            @Override
            public NumericNode numberNode(double v) {
                return super.numberNode(finite(v));
            }

            @Override
            public ValueNode numberNode(Double value) {
                return super.numberNode(value == null ? null : finite(value));
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

    /** Whether PostgreSQL can store {@code value} as text: it holds no NUL character and no unpaired surrogate. */
    public static boolean storable(String value) {
        return refusal(value) == null;
    }

    /** Why PostgreSQL cannot store {@code value} as text, or null when it can. */
    public static String refusal(String value) {
        if (value == null) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\0') {
                return REASON;
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return SURROGATE_REASON;
            }
        }
        return null;
    }

    public static final String NUMBER_REASON = "must be a number within about ±1.8e308";

    static double finite(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(NUMBER_REASON);
        }
        return value;
    }

    /** {@code value}, or a refusal when PostgreSQL cannot store it. */
    static String check(String value) {
        String refusal = refusal(value);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
        return value;
    }

    /** A date and time followed by an offset java.time cannot hold (it stops at ±18:00; RFC 3339 goes to ±23:59). */
    private static final Pattern FAR_OFFSET =
            Pattern.compile("(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?)([+-])(\\d{2}):?(\\d{2})");

    /**
     * The instant of a timestamp whose offset is beyond ±18:00 but within RFC 3339's ±23:59 (JSON Schema's
     * {@code date-time}), which java.time refuses to parse; null for any other text.
     */
    static Instant farOffset(String text) {
        Matcher m = FAR_OFFSET.matcher(text);
        if (!m.matches()) {
            return null;
        }
        int hours = Integer.parseInt(m.group(3));
        int minutes = Integer.parseInt(m.group(4));
        if (hours > 23 || minutes > 59) {
            return null;
        }
        try {
            long offset = (m.group(2).equals("-") ? -1L : 1L) * (hours * 3600L + minutes * 60L);
            return LocalDateTime.parse(m.group(1)).toInstant(ZoneOffset.UTC).minusSeconds(offset);
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }

    private static final class Instants extends StdScalarDeserializer<Instant> {

        Instants() {
            super(Instant.class);
        }

        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            // Jackson would also take a number, or a string of digits, as seconds since 1970.
            if (!p.hasToken(JsonToken.VALUE_STRING) || p.getText().indexOf('T') < 0) {
                throw new IllegalArgumentException(TIME_FORMAT_REASON);
            }
            Instant value;
            try {
                value = InstantDeserializer.INSTANT.deserialize(p, ctxt);
            } catch (com.fasterxml.jackson.databind.JsonMappingException | java.time.DateTimeException e) {
                value = farOffset(p.getText());
                if (value == null) {
                    // A date that is none (February 30th, hour 25, no offset): the reason, not "must be a string"
                    throw new IllegalArgumentException(TIME_FORMAT_REASON);
                }
            }
            if (!storable(value)) {
                throw new IllegalArgumentException(TIME_REASON);
            }
            return value;
        }
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
