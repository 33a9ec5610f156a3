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

    /**
     * A free-form configuration that Warden stores, publishes on its topics and shows to viewers holds no secret: no
     * text under a key that names one (password, secret, token, API or private key, credential, at any depth;
     * {@code secret_ref}, {@code token_url} and the like name where a secret is, and pass; a number such as
     * {@code max_tokens} is no secret) and no PEM private key as a value. Each is named,
     * e.g. {@code config.auth.api_token}: "must not hold a secret; reference one instead (e.g. secret_ref)".
     */
    public Checks noSecrets(String field, com.fasterxml.jackson.databind.JsonNode value) {
        if (value != null) {
            secrets(field, value);
        }
        return this;
    }

    private static final java.util.regex.Pattern SECRET_KEY = java.util.regex.Pattern.compile(
            "password|passwd|passphrase|secret|token|apikey|privatekey|credential|accesskey|sessionkey|bearer");
    private static final java.util.regex.Pattern REFERENCE_KEY = java.util.regex.Pattern.compile(
            ".*(ref|url|uri|endpoint|path|file|env|name|id|type|ttl|expiry|expiresin|header|scheme)$");

    private void secrets(String path, com.fasterxml.jackson.databind.JsonNode node) {
        if (node.isObject()) {
            node.properties().forEach(entry -> {
                String at = path + "." + entry.getKey();
                String key = entry.getKey().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]", "");
                if (SECRET_KEY.matcher(key).find() && !REFERENCE_KEY.matcher(key).matches()
                        && entry.getValue().isTextual()) { // max_tokens: 100 is no secret
                    check(false, at, "must not hold a secret; reference one instead (e.g. secret_ref)");
                } else {
                    secrets(at, entry.getValue());
                }
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                secrets(path + "[" + i + "]", node.get(i));
            }
        } else if (node.isTextual() && node.asText().contains("PRIVATE KEY-----")) {
            check(false, path, "must not hold a private key; reference one instead (e.g. secret_ref)");
        }
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
