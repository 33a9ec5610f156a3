package dev.warden.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a secret in a free-form configuration looks like, so that Warden, which stores such configurations, publishes
 * them on its topics and shows them to viewers, takes none ({@link Checks#noSecrets}). A key names a secret when one
 * of its words does ({@code password}, {@code token}, {@code credentials}, {@code auth}, {@code cookie}, or a key
 * qualified as one: {@code api_key}, {@code privateKey}, {@code HMAC-key}; {@code key} alone), in any case, separator
 * or compatibility form; then every text or number under it, at any depth, is a secret, unless its own key names where
 * a secret is kept or what kind it is ({@code *_ref}, {@code *_url}, {@code *_name}, {@code type}, ...). A key whose
 * last word is such a reference passes whole ({@code token_url}, {@code api_token_ref}, {@code secret_name});
 * {@code max_tokens} names a count, not a token; a word that holds {@code password} or {@code secret}
 * ({@code mypassword}) names one. Values that are secrets wherever they stand: a PEM or PGP private key, a URL with a
 * password in it, an {@code Authorization} value ({@code Bearer ...}, {@code Basic} and base64 of a user and password) at the start of the text or
 * anywhere after {@code Authorization:} or as a long {@code Bearer} token (a header line, a curl command), a
 * {@code password=...} or {@code token=...} pair inside a text (a connection string, a query string), and tokens whose
 * form names their issuer (GitHub's {@code ghp_}, Slack's {@code xoxb-}, AWS' {@code AKIA}, GitLab's {@code glpat-},
 * {@code sk-} keys, a JWT). A secret's name beside its value counts as its key: {@code {"name": "DB_PASSWORD",
 * "value": ...}} and {@code ["X-Api-Key", ...]}. A key that
 * spells Latin words with letters from outside ASCII ({@code ｐａｓｓｗｏｒｄ} folds to ASCII and is read as such;
 * {@code pаssword} with a Cyrillic a is refused) could hide one, and is refused too.
 */
final class SecretLike {

    private static final Set<String> SECRET_WORDS = Set.of("password", "passwd", "pwd", "pass", "passphrase", "passcode",
            "secret", "secrets", "token", "credential", "credentials", "creds", "auth", "authorization", "cookie",
            "cookies", "bearer", "apikey", "privatekey", "pin", "otp", "totp", "salt", "jwt", "sessionid");
    /** Words that make a following {@code key} a secret one; {@code key} alone is one too. */
    private static final Set<String> KEY_QUALIFIERS = Set.of("api", "private", "access", "secret", "session", "signing",
            "hmac", "encryption", "master", "client", "shared", "sas", "account", "license", "webhook");
    /** A last word that names where a secret is, or what kind, rather than holding it. */
    private static final Set<String> REFERENCE_WORDS = Set.of("ref", "reference", "url", "uri", "endpoint", "path",
            "file", "name", "id", "type", "kind", "ttl", "expiry", "expires", "header", "scheme", "method", "mode",
            "count", "limit", "max", "min", "size", "length", "format", "algorithm", "version", "enabled", "required",
            "provider", "source", "location", "vault", "env", "field", "param", "parameter", "prefix", "username", "user");
    private static final Pattern URL_PASSWORD = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\\s:]*:[^/?#@\\s]+@");
    /**
     * A whole value that is an Authorization header's: {@code Bearer x}, {@code Digest username=...}, or GitHub's
     * {@code token x} where x holds a digit, as every issued token does ({@code Token rotation} is a name).
     */
    private static final Pattern AUTHORIZATION_VALUE =
            Pattern.compile("^(?i)bearer\\s+\\S+|^(?i)token\\s+\\S*[0-9]\\S*|^(?i)digest\\s+username=");
    /** Basic credentials: base64 of {@code user:password} ({@code Basic plan} is no secret). */
    private static final Pattern BASIC = Pattern.compile("(?i)\\bbasic\\s+([A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])");
    /** An Authorization header inside a text, or a Bearer token long enough to be one. */
    private static final Pattern EMBEDDED_AUTHORIZATION = Pattern.compile(
            "(?i)\\bauthorization\\s*[:=]\\s*\\S+|\\bbearer\\s+[A-Za-z0-9._~+/-]{8,}");
    /** A secret given as {@code name=value} inside a text: a connection string, a query string, a command line. */
    private static final Pattern PAIR_IN_TEXT = Pattern.compile("(?i)(?:^|[\\s;&?,'\"])(?:password|passwd|pwd|secret|"
            + "client[_-]?secret|token|access[_-]?token|refresh[_-]?token|api[_-]?key|apikey|sig)\\s*=\\s*[^\\s;&'\"]+");
    /**
     * Any {@code NAME=value} inside a text (a command line, a shell line, an environment assignment) whose name names a
     * secret as a key would: {@code --password=x}, {@code DB_PASSWORD=x run}, {@code export PGPASSWORD=x},
     * {@code MYSQL_PWD=x}, {@code GITHUB_TOKEN=x}. A value that is a variable ({@code $DB_PASSWORD}) refers to one.
     */
    private static final Pattern NAMED_IN_TEXT = Pattern.compile("(?:^|[\\s;&?,'\"(])-{0,2}([A-Za-z_][A-Za-z0-9_.-]*) ?= ?([^\\s;&'\")]+)");
    /** Credentials given to a command line's {@code -u}/{@code --user} as {@code user:password} (curl, wget). */
    private static final Pattern USER_OPTION = Pattern.compile("(?:^|\\s)(?:-u|--user)(?:\\s+|=)[^\\s:]+:\\S+");
    /**
     * Tokens whose form names their issuer: Warden's own first (an API key or the platform key, {@code wdn_}; a fleet
     * enrolment token, {@code wfe_}, or instance credential, {@code wfi_}: a security trial stored an admin key in a
     * config, which a viewer read back and used), then GitHub's, Slack's (and its webhook URLs), AWS's, GitLab's,
     * OpenAI's, Stripe's, npm's, Hugging Face's, Google's API keys and JWTs.
     */
    private static final Pattern ISSUED_TOKEN = Pattern.compile("\\b(?:w(?:dn|fe|fi)_[A-Za-z0-9_-]{20,}|"
            + "gh[pousr]_[A-Za-z0-9]{16,}|github_pat_\\w{16,}|"
            + "xox[abposr]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}|glpat-[A-Za-z0-9_-]{16,}|sk-(?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{20,}|"
            + "[rs]k_(?:live|test)_[A-Za-z0-9]{16,}|npm_[A-Za-z0-9]{30,}|hf_[A-Za-z0-9]{30,}|AIza[0-9A-Za-z_-]{35}|"
            + "hooks\\.slack\\.com/services/[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]+|"
            + "eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,})");

    private SecretLike() {
    }

    /** The refusal of {@code key}'s name as a key of a configuration, or null. */
    static String keyRefusal(String key) {
        return Checks.latinOutsideAscii(Normalizer.normalize(key, Normalizer.Form.NFKC))
                ? "must be ASCII when it uses Latin letters (a look-alike could hide a secret's name)" : null;
    }

    /** Whether {@code key} names a secret (and not where one is kept). */
    static boolean namesSecret(String key) {
        List<String> words = words(key);
        if (words.isEmpty() || REFERENCE_WORDS.contains(words.getLast())) {
            return false;
        }
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            if (SECRET_WORDS.contains(word) || word.contains("password") || word.contains("passwd")
                    || word.contains("secret") && !word.startsWith("secretar")) {
                return true;
            }
            if (word.equals("key") && (words.size() == 1 || i > 0 && KEY_QUALIFIERS.contains(words.get(i - 1)))) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code key}'s own name keeps a leaf under a secret-naming key from being a secret. */
    static boolean namesReference(String key) {
        List<String> words = words(key);
        return !words.isEmpty() && REFERENCE_WORDS.contains(words.getLast());
    }

    /** Whether {@code value} is a secret wherever it stands. */
    static boolean isSecretValue(String value) {
        String text = value.strip();
        return text.contains("PRIVATE KEY") || URL_PASSWORD.matcher(text).find()
                || AUTHORIZATION_VALUE.matcher(text).matches() || EMBEDDED_AUTHORIZATION.matcher(text).find()
                || PAIR_IN_TEXT.matcher(text).find() || ISSUED_TOKEN.matcher(text).find() || basicCredentials(text)
                || namedInText(text) || USER_OPTION.matcher(text).find();
    }

    private static boolean namedInText(String text) {
        var pair = NAMED_IN_TEXT.matcher(text);
        while (pair.find()) {
            // "key" alone names a secret as a configuration's key, not in a sentence ("partition key=tenant_id")
            if (namesSecret(pair.group(1)) && !words(pair.group(1)).equals(List.of("key")) && !pair.group(2).startsWith("$")) {
                return true;
            }
        }
        return false;
    }

    private static boolean basicCredentials(String text) {
        var basic = BASIC.matcher(text);
        while (basic.find()) {
            try {
                if (new String(java.util.Base64.getDecoder().decode(basic.group(1)), java.nio.charset.StandardCharsets.UTF_8)
                        .indexOf(':') > 0) {
                    return true;
                }
            } catch (IllegalArgumentException notBase64) {
                // a word after "basic", not credentials
            }
        }
        return false;
    }

    /**
     * The value a secret's name stands beside, when {@code node} is such a pair: an object whose {@code name} or
     * {@code key} (or {@code header}) names a secret, its {@code value}; a list of two, a secret's name and its value.
     */
    static String pairedValueField(JsonNode node) {
        if (node.isObject()) {
            for (String nameField : List.of("name", "key", "header")) {
                JsonNode name = node.get(nameField);
                if (name != null && name.isTextual() && namesSecret(name.asText()) && node.has("value")) {
                    return "value";
                }
            }
        } else if (node.isArray() && node.size() == 2 && node.get(0).isTextual() && namesSecret(node.get(0).asText())) {
            return "1";
        }
        return null;
    }

    /** Whether a leaf under a secret-naming key holds something (a number or text, not a flag or nothing). */
    static boolean holdsValue(JsonNode leaf) {
        return leaf.isTextual() || leaf.isNumber() || leaf.isBinary();
    }

    /** {@code apiKey}, {@code API_KEY}, {@code api-key} and {@code ａｐｉ＿ｋｅｙ} are the words {@code api key}. */
    static List<String> words(String key) {
        String folded = Normalizer.normalize(key, Normalizer.Form.NFKC).replaceAll("\\p{Cf}", "");
        String spaced = folded.replaceAll("([a-z0-9])([A-Z])", "$1 $2").replaceAll("([A-Z]+)([A-Z][a-z])", "$1 $2");
        List<String> words = new ArrayList<>();
        for (String word : spaced.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (!word.isEmpty()) {
                words.add(word);
            }
        }
        return words;
    }
}
