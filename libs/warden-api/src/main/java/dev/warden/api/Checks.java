package dev.warden.api;

import dev.warden.api.ErrorResponse.FieldError;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/** Collects every problem with a request, named by its JSON field, and refuses the request once with all of them. */
public final class Checks {

    /**
     * The revision of what {@link #noSecrets} finds. Raise it whenever {@link SecretLike} learns a new form: configs
     * stored under an older revision (or before configs were checked at all) are checked again when agent-service
     * starts, and each secret found is logged for rotation (docs/security.md).
     */
    public static final int SECRET_RULES_REVISION = 8;

    private final List<FieldError> errors = new ArrayList<>();

    /** The request body, or a 400 when there is none. */
    public static <T> T body(T request) {
        if (request == null) {
            throw ApiException.badRequest("A JSON body is required", List.of());
        }
        return request;
    }

    /**
     * The request body of an operation whose body is optional (every field has a default): {@code none} when the
     * request sent no body at all, a 400 when it sent one that is not an object ({@code null}, white space), since
     * Jackson gives null for both.
     */
    public static <T> T optionalBody(T request, T none, io.vertx.core.http.HttpServerRequest http) {
        if (request != null) {
            return request;
        }
        if (BodyEncoding.hasBody(http)) {
            throw ApiException.badRequest("The body must be a JSON object, or left out",
                    List.of(new FieldError("body", "must be a JSON object")));
        }
        return none;
    }

    public Checks required(String field, Object value) {
        return check(value != null && !(value instanceof String s && s.isBlank()), field, "is required");
    }

    public Checks maxLength(String field, String value, int max) {
        return check(value == null || atMost(value, max), field, "must be at most " + max + " characters");
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
     * A free-form configuration that Warden stores, publishes on its topics and shows to viewers holds no secret
     * ({@link SecretLike} says what one looks like). Each is named, e.g. {@code config.auth.api_token}: "must not hold
     * a secret; reference one instead (e.g. secret_ref)".
     */
    public Checks noSecrets(String field, com.fasterxml.jackson.databind.JsonNode value) {
        if (value != null && !refused(field)) {
            secrets(field, value, false);
        }
        return this;
    }

    /** A text Warden stores and shows holds no secret in any of {@link SecretLike}'s forms (a URL with a password, a token). */
    public Checks noSecret(String field, String text) {
        if (text != null && !refused(field)) {
            secrets(field, com.fasterxml.jackson.databind.node.TextNode.valueOf(text), false);
        }
        return this;
    }

    private static final String SECRET = "must not hold a secret; reference one instead (e.g. secret_ref)";

    /** {@code underSecret}: an ancestor's key names a secret, so every value below is one unless its key is a reference. */
    private void secrets(String path, com.fasterxml.jackson.databind.JsonNode node, boolean underSecret) {
        String paired = SecretLike.pairedValueField(node); // {"name": "DB_PASSWORD", "value": ...}, ["X-Api-Key", ...]
        if (node.isObject()) {
            node.properties().forEach(entry -> {
                String key = entry.getKey();
                String at = path + "." + key;
                String refusal = SecretLike.keyRefusal(key);
                String weak = underSecret || entry.getValue().isContainerNode() ? null : SecretLike.weakName(key);
                if (refusal != null) {
                    check(false, at, refusal);
                } else if (SecretLike.isSecretValue(key)) { // {"ghp_...": "ci-bot"}: named by its parent, not echoed
                    check(false, path, "must not have a key that holds a secret; reference one instead (e.g. secret_ref)");
                } else if (weak != null) {
                    check(!SecretLike.weakNameHolds(weak, entry.getValue()), at, SECRET);
                } else if (SecretLike.namesReference(key)
                        && (!entry.getValue().isContainerNode() || SecretLike.describes(key))) {
                    secrets(at, entry.getValue(), false);
                } else {
                    secrets(at, entry.getValue(), underSecret || SecretLike.namesSecret(key) || key.equals(paired));
                }
            });
        } else if (node.isArray()) {
            int before = errors.size();
            for (int i = 0; i < node.size(); i++) {
                if (i > 0 && SecretLike.isOptionsCredential(node.get(i - 1), node.get(i))) { // ["--password", "x"]
                    check(false, path + "[" + i + "]", SECRET);
                } else {
                    secrets(path + "[" + i + "]", node.get(i), underSecret || String.valueOf(i).equals(paired));
                }
            }
            // ["sshpass", "-p", "x", "ssh", "h"]: a command's password across its arguments, unless one was refused
            check(errors.size() > before || !SecretLike.isCommandWithPassword(node), path, SECRET);
        } else if (underSecret && SecretLike.holdsValue(node)) {
            check(false, path, SECRET);
        } else if (node.isTextual() && SecretLike.isSecretValue(node.asText())) {
            check(false, path, SECRET);
        }
    }

    /**
     * Whether {@code text} uses a Latin letter and a character outside ASCII: a name that reads as a Latin one while
     * its bytes differ ({@code pаssword} with a Cyrillic a, {@code ᴀgent}, {@code agent。x}). Names in other scripts
     * alone ({@code создать_задачу}, {@code チケット作成}) are not.
     */
    public static boolean latinOutsideAscii(String text) {
        boolean latin = false;
        boolean outside = false;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            latin |= Character.isLetter(cp) && Character.UnicodeScript.of(cp) == Character.UnicodeScript.LATIN;
            outside |= cp > 0x7E;
        }
        return latin && outside;
    }

    /**
     * Two variation selectors or more in a row: one picks a character's form (an emoji's, an ideograph's); a run of
     * them is bytes hidden in a text (256 selectors, a byte each), shown as nothing.
     */
    private static final String VARIATION_RUN = "[\\uFE00-\\uFE0F\\x{E0100}-\\x{E01EF}]{2,}";

    /**
     * Control characters (C0, DEL, C1), the line and paragraph separators, the characters that show as nothing (zero
     * width space, word joiner, byte order mark, soft hyphen, combining grapheme joiner, the Hangul and Khmer fillers,
     * the Mongolian vowel separator, invisible operators, interlinear annotations, musical format characters), tag
     * characters (which carry hidden ASCII text a language model reads and a person does not see) and the bidirectional
     * overrides that rewrite how what follows them is shown. The joiners that scripts and emoji need (U+200C, U+200D),
     * a variation selector and the direction marks are left, and so are tags in a subdivision flag ({@link #FLAG}). Also
     * the braille blank and the shorthand format controls, which show as nothing, and runs of variation selectors
     * ({@link #VARIATION_RUN}).
     */
    private static final Pattern NOT_IN_A_LINE = Pattern.compile("[\\p{Cc}"
            + "\\u2028\\u2029\\u200B\\u2060-\\u2064\\uFEFF\\u00AD\\u034F\\u115F\\u1160\\u17B4\\u17B5\\u180E\\u3164\\uFFA0"
            + "\\u206A-\\u206F\\uFFF9-\\uFFFB\\x{1D173}-\\x{1D17A}\\x{E0000}-\\x{E007F}\\u202A-\\u202E\\u2066-\\u2069"
            + "\\u2800\\x{1BCA0}-\\x{1BCA3}\\uFFFE\\uFFFF]|" + VARIATION_RUN);

    /**
     * A subdivision flag (England's, Scotland's): a black flag, its country in two tag letters and its subdivision in
     * one to three tag letters or digits, a cancel tag. Looser, it carried hidden words ({@code ignore}) past the rule.
     */
    private static final Pattern FLAG = Pattern.compile(
            "\\x{1F3F4}[\\x{E0061}-\\x{E007A}]{2}[\\x{E0030}-\\x{E0039}\\x{E0061}-\\x{E007A}]{1,3}\\x{E007F}");

    /**
     * A name-like field is one line that a terminal, a log or a page shows as written: no control characters or line
     * separators (a newline would forge a log line or a header; U+2028 breaks a line in JavaScript and many viewers),
     * no characters that show as nothing (two names that look the same, or text hidden from the person who reads it)
     * and no direction overrides (which reorder what is shown); and, as every text Warden stores and shows, no secret
     * in any of {@link SecretLike}'s value forms (a security trial named a policy with a token).
     */
    public Checks oneLine(String field, String value) {
        return value == null || refused(field) ? this : check(isOneLine(value), field, ONE_LINE).noSecret(field, value);
    }

    private static final String ONE_LINE =
            "must be one line of text, without control characters, line separators, invisible characters or direction overrides";
    private static final String TEXT =
            "must be text: line breaks and tabs, but no other control characters, line separators, byte order marks,"
                    + " direction overrides or tag characters";

    /**
     * Controls other than a tab and line breaks, the line and paragraph separators (a text breaks its lines with
     * {@code \n}; U+2028 ends a line in JavaScript and many viewers), the byte order mark, interlinear annotations,
     * direction overrides and isolates, and tag characters outside a subdivision flag and runs of variation selectors:
     * hidden ASCII a language model reads in an agent's system prompt or description and a person reviewing it does not
     * see.
     */
    private static final Pattern NOT_IN_TEXT = Pattern.compile(
            "[\\p{Cc}&&[^\\t\\n\\r]]|[\\u2028\\u2029\\uFEFF\\uFFFE\\uFFFF\\uFFF9-\\uFFFB\\u202A-\\u202E\\u2066-\\u2069\\x{E0000}-\\x{E007F}]|"
                    + VARIATION_RUN);

    private static boolean isText(String value) {
        return holdsNone(NOT_IN_TEXT, value);
    }

    /** Whether {@code value} holds none of {@code refused}, a subdivision flag's tags apart (looked for only then). */
    private static boolean holdsNone(Pattern refused, String value) {
        return !refused.matcher(value).find() || !refused.matcher(FLAG.matcher(value).replaceAll("")).find();
    }

    /** Whether {@code value} is one line as {@link #oneLine} reads it (its secret check apart). */
    public static boolean isOneLine(String value) {
        return holdsNone(NOT_IN_A_LINE, value);
    }

    /**
     * A free text of several lines (a description, a reason, a deploy's notes) that a terminal, a log, an export or a
     * page shows: lines and tabs, but no other control characters (an escape sequence clears or recolours a terminal
     * that prints an export) and no direction overrides (text that reads otherwise than it is stored), and no secret
     * in any of {@link SecretLike}'s value forms ({@link #noSecret}): it is stored, shown and often chained for good. A
     * security trial chained all three into the audit log.
     */
    public Checks text(String field, String value) {
        return value == null || refused(field) ? this : check(isText(value), field, TEXT).noSecret(field, value);
    }

    /**
     * A free-form JSON value Warden stores, publishes and shows (an agent's metadata, a deploy's or a binding's config,
     * a policy's rules): each key one line, each string a {@link #text}, and no secret ({@link #noSecrets}). A security
     * trial kept escape sequences and direction overrides in metadata values as given.
     */
    public Checks json(String field, com.fasterxml.jackson.databind.JsonNode value) {
        if (value != null && !refused(field)) {
            printable(field, value);
        }
        return noSecrets(field, value);
    }

    private void printable(String path, com.fasterxml.jackson.databind.JsonNode node) {
        if (node.isObject()) {
            node.properties().forEach(entry -> {
                String at = path + "." + entry.getKey();
                check(isOneLine(entry.getKey()), at, "keys " + ONE_LINE);
                printable(at, entry.getValue());
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                printable(path + "[" + i + "]", node.get(i));
            }
        } else if (node.isTextual()) {
            check(isText(node.asText()), path, TEXT);
        }
    }

    /** {@link #oneLine} for each of {@code values}, named {@code field[i]}. */
    public Checks eachOneLine(String field, List<String> values) {
        if (values != null && !refused(field)) {
            for (int i = 0; i < values.size(); i++) {
                oneLine(field + "[" + i + "]", values.get(i));
            }
        }
        return this;
    }

    /** Each non-blank entry of {@code values} matching {@code form}, else {@code field[i]} refused with {@code rule}. */
    public Checks eachMatching(String field, List<String> values, Pattern form, String rule) {
        if (values != null && !refused(field)) {
            for (int i = 0; i < values.size(); i++) {
                String v = values.get(i);
                check(v == null || v.isBlank() || form.matcher(v).matches(), field + "[" + i + "]", rule);
            }
        }
        return this;
    }

    /**
     * Whether {@code field} is refused already (too long, too large): the checks that read a value whole (one line,
     * text, JSON, secrets, a list's entries) pass over it then, so that a value past its bound costs no more than the
     * bound's check. Callers check bounds first, and a rule of their own that reads a value whole asks this first.
     */
    public boolean refused(String field) {
        for (FieldError error : errors) {
            if (error.field().equals(field)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code value} has at most {@code max} characters, counted as JSON Schema's {@code maxLength} counts them
     * (code points: an emoji is one, not the two UTF-16 units Java counts); a value of more than twice as many units is
     * refused without being read.
     */
    public static boolean atMost(String value, int max) {
        return value.length() <= max || value.length() <= 2L * max && value.codePointCount(0, value.length()) <= max;
    }

    /**
     * Records {@code reason} for {@code field} unless {@code ok}, or unless the field is refused already: an answer
     * names each offending field once, with its first reason (an empty name was "is required" and "must not be blank"
     * both, a user trial).
     */
    public Checks check(boolean ok, String field, String reason) {
        if (!ok && !refused(field)) {
            errors.add(new FieldError(field, reason));
        }
        return this;
    }

    public boolean ok() {
        return errors.isEmpty();
    }

    /** What was found so far, each named by its field. */
    public List<FieldError> errors() {
        return List.copyOf(errors);
    }

    public void orThrow() {
        if (!errors.isEmpty()) {
            String first = errors.getFirst().field() + " " + errors.getFirst().reason();
            String more = errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : "";
            throw ApiException.badRequest("Invalid request: " + first + more, errors);
        }
    }
}
