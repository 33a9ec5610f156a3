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
 * {@code max_tokens} names a count, not a token. Values that are secrets wherever they stand: a PEM or PGP private key,
 * a URL with a password in it, an {@code Authorization} value ({@code Bearer ...}, {@code Basic ...}). A key that
 * spells Latin words with letters from outside ASCII ({@code ｐａｓｓｗｏｒｄ} folds to ASCII and is read as such;
 * {@code pаssword} with a Cyrillic a is refused) could hide one, and is refused too.
 */
final class SecretLike {

    private static final Set<String> SECRET_WORDS = Set.of("password", "passwd", "pwd", "pass", "passphrase", "passcode",
            "secret", "secrets", "token", "credential", "credentials", "creds", "auth", "authorization", "cookie",
            "cookies", "bearer", "apikey", "privatekey", "pin", "otp", "totp", "salt");
    /** Words that make a following {@code key} a secret one; {@code key} alone is one too. */
    private static final Set<String> KEY_QUALIFIERS = Set.of("api", "private", "access", "secret", "session", "signing",
            "hmac", "encryption", "master", "client", "shared", "sas", "account", "license", "webhook");
    /** A last word that names where a secret is, or what kind, rather than holding it. */
    private static final Set<String> REFERENCE_WORDS = Set.of("ref", "reference", "url", "uri", "endpoint", "path",
            "file", "name", "id", "type", "kind", "ttl", "expiry", "expires", "header", "scheme", "method", "mode",
            "count", "limit", "max", "min", "size", "length", "format", "algorithm", "version", "enabled", "required",
            "provider", "source", "location", "vault", "env", "field", "param", "parameter", "prefix", "username", "user");
    private static final Pattern URL_PASSWORD = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\\s:]*:[^/?#@\\s]+@");
    private static final Pattern AUTHORIZATION_VALUE = Pattern.compile("^(?i)(bearer|basic|digest|token)\\s+\\S+");

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
            if (SECRET_WORDS.contains(word)) {
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
                || AUTHORIZATION_VALUE.matcher(text).matches();
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
