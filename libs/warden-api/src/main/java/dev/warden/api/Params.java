package dev.warden.api;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.UUID;
import java.util.stream.Collectors;

/** Strict parsing of path and query parameters: a bad value is a 400 naming the parameter, never a 404 or a 500. */
public final class Params {

    /** An offset at the end written as {@code +hhmm}: ISO-8601's basic format. */
    private static final Pattern BASIC_OFFSET = Pattern.compile("^([^T]*T.*[+-]\\d{2})(\\d{2})$");

    private Params() {
    }

    /**
     * An id that may be a UUID or another kind of name (an audit entry's {@code agent_id} is a fleet instance's own id
     * when it runs no governed agent): {@link #optionalText}, a UUID in its canonical lower-case form, as every UUID is
     * stored, so an id given in upper case finds what it names.
     */
    public static String optionalId(String name, String raw, int maxLength) {
        String text = optionalText(name, raw, maxLength);
        if (text != null && text.length() == 36) {
            try {
                return java.util.UUID.fromString(text).toString();
            } catch (IllegalArgumentException notAUuid) {
                return text;
            }
        }
        return text;
    }

    /** A free-text filter: absent, or at most {@code maxLength} characters PostgreSQL can store (no NUL character). */
    public static String optionalText(String name, String raw, int maxLength) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        if (!Checks.atMost(raw, maxLength)) {
            throw ApiException.invalidField(name, "must be at most " + maxLength + " characters");
        }
        String refusal = StorableValues.refusal(raw);
        if (refusal != null) {
            throw ApiException.invalidField(name, refusal);
        }
        return raw;
    }

    public static UUID uuid(String name, String raw) {
        if (raw == null || raw.isBlank()) {
            throw ApiException.invalidField(name, "is required");
        }
        UUID id = uuidOrNull(raw);
        if (id == null) {
            throw ApiException.invalidField(name, "must be a UUID");
        }
        return id;
    }

    /** The UUID {@code raw} writes in its 36-character form, or null for anything else (no id has such a value). */
    public static UUID uuidOrNull(String raw) {
        if (raw == null || raw.length() != 36) {
            return null;
        }
        try {
            UUID id = UUID.fromString(raw);
            return id.toString().equalsIgnoreCase(raw) ? id : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A query parameter: absent when missing or empty ({@code ?org_id=}). */
    public static UUID optionalUuid(String name, String raw) {
        return raw == null || raw.isEmpty() ? null : uuid(name, raw);
    }

    /**
     * A field of a JSON body: absent only when missing or null. An empty string is a malformed id, not an absent one:
     * read as absent it would widen what the request asks for (an enrolment token pinned to no agent).
     */
    public static UUID optionalUuidField(String name, String raw) {
        if (raw == null) {
            return null;
        }
        UUID id = uuidOrNull(raw);
        if (id == null) {
            throw ApiException.invalidField(name, "must be a UUID (or left out)");
        }
        return id;
    }

    public static int integer(String name, String raw, int fallback, int min, int max) {
        return raw == null || raw.isEmpty() ? fallback : (int) whole(name, raw, min, max);
    }

    public static Integer optionalInteger(String name, String raw, int min, int max) {
        return raw == null || raw.isEmpty() ? null : (int) whole(name, raw, min, max);
    }

    /** A 64-bit integer (an audit sequence), or null when absent or empty. */
    public static Long optionalLong(String name, String raw, long min, long max) {
        return raw == null || raw.isEmpty() ? null : whole(name, raw, min, max);
    }

    private static long whole(String name, String raw, long min, long max) {
        String digits = raw.trim();
        // ASCII digits only: Long.parseLong also reads other scripts' digits (a full-width ５ as 5)
        if (!digits.matches("-?[0-9]{1,19}")) {
            throw ApiException.invalidField(name, "must be an integer between " + min + " and " + max);
        }
        try {
            long value = Long.parseLong(digits);
            if (value < min || value > max) {
                throw ApiException.invalidField(name, "must be between " + min + " and " + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw ApiException.invalidField(name, "must be an integer between " + min + " and " + max);
        }
    }

    public static Boolean optionalBoolean(String name, String raw) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        // any case: Python clients send str(True), "True" (seed 004's online=True)
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ApiException.invalidField(name, "must be true or false");
        };
    }

    /**
     * An ISO-8601 timestamp with an offset, such as {@code 2026-04-01T14:30:00Z}; the offset may also be written
     * without its colon ({@code +0000}), as Python's {@code %z} and the clients openapi-generator makes for Python
     * write it.
     */
    public static Instant optionalInstant(String name, String raw) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        Instant value;
        try {
            // At most 64 characters before any pattern reads it: the longest timestamp RFC 3339 writes is 35
            value = OffsetDateTime.parse(raw.length() > 64 ? raw : BASIC_OFFSET.matcher(raw).replaceFirst("$1:$2")).toInstant();
        } catch (DateTimeParseException e) {
            value = StorableValues.farOffset(raw); // beyond ±18:00, within RFC 3339's ±23:59
            if (value == null) {
                throw ApiException.invalidField(name, StorableValues.TIME_FORMAT_REASON);
            }
        }
        if (!StorableValues.storable(value)) {
            throw ApiException.invalidField(name, StorableValues.TIME_REASON);
        }
        return value;
    }

    /**
     * A lower bound "at or after this time" ({@code updated_since}, {@code from}), as {@link #optionalInstant}, rounded
     * up to the microsecond, the precision times are kept in: truncated, {@code ...58.411091600Z} took in a change
     * made at {@code ...58.411091Z}, before the time asked for.
     */
    public static Instant optionalSince(String name, String raw) {
        Instant value = optionalInstant(name, raw);
        if (value == null || value.getNano() % 1_000 == 0) {
            return value;
        }
        Instant up = value.truncatedTo(java.time.temporal.ChronoUnit.MICROS).plusNanos(1_000);
        if (!StorableValues.storable(up)) {
            throw ApiException.invalidField(name, StorableValues.TIME_REASON);
        }
        return up;
    }

    /** One of a fixed set of words (a status, a sort order, a format), or null when absent or empty. */
    public static String optionalChoice(String name, String raw, java.util.Collection<String> allowed) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        if (!allowed.contains(raw)) {
            throw ApiException.invalidField(name, "must be one of " + String.join(", ", allowed));
        }
        return raw;
    }

    /** An enum whose {@code toString()} is its wire value. */
    public static <E extends Enum<E>> E optionalEnum(String name, String raw, Class<E> type) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        for (E value : type.getEnumConstants()) {
            if (value.toString().equals(raw)) {
                return value;
            }
        }
        throw ApiException.invalidField(name, "must be one of " + Arrays.stream(type.getEnumConstants())
                .map(Object::toString).collect(Collectors.joining(", ")));
    }
}
