package dev.warden.api;

import dev.warden.api.ErrorResponse.FieldError;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Collects every problem with a request, named by its JSON field, and refuses the request once with all of them. */
public final class Checks {

    private final List<FieldError> errors = new ArrayList<>();

    /** The request body, or a 400 when there is none. */
    public static <T> T body(T request) {
        if (request == null) {
            throw ApiException.badRequest("A JSON body is required", List.of());
        }
        return request;
    }

    public Checks required(String field, Object value) {
        return check(value != null && !(value instanceof String s && s.isBlank()), field, "is required");
    }

    public Checks maxLength(String field, String value, int max) {
        return check(value == null || value.length() <= max, field, "must be at most " + max + " characters");
    }

    public Checks range(String field, Number value, long min, long max) {
        return check(value == null || value.longValue() >= min && value.longValue() <= max, field,
                "must be between " + min + " and " + max);
    }

    public Checks maxSize(String field, Collection<?> value, int max) {
        return check(value == null || value.size() <= max, field, "must have at most " + max + " entries");
    }

    /** No entry twice, e.g. {@code distinct("ids", ids, "an id")}: "must not repeat an id". */
    public Checks distinct(String field, Collection<?> value, String what) {
        return check(value == null || value.stream().distinct().count() == value.size(), field, "must not repeat " + what);
    }

    public Checks noBlankEntries(String field, Collection<String> value) {
        return check(value == null || value.stream().noneMatch(v -> v == null || v.isBlank()), field,
                "must not contain empty entries");
    }

    public Checks check(boolean ok, String field, String reason) {
        if (!ok) {
            errors.add(new FieldError(field, reason));
        }
        return this;
    }

    public boolean ok() {
        return errors.isEmpty();
    }

    public void orThrow() {
        if (!errors.isEmpty()) {
            String first = errors.getFirst().field() + " " + errors.getFirst().reason();
            String more = errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : "";
            throw ApiException.badRequest("Invalid request: " + first + more, errors);
        }
    }
}
