package dev.warden.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;

/**
 * What a secret in a free-form configuration or a text looks like, so that Warden, which stores them, publishes them on
 * its topics and shows them to viewers, takes none ({@link Checks#noSecrets}, {@link Checks#noSecret}). A key names a
 * secret when one of its words does ({@code password}, {@code token}, {@code credentials}, {@code auth}, {@code cookie},
 * or a key qualified as one: {@code api_key}, {@code privateKey}, {@code HMAC-key}), in any case, separator or
 * compatibility form; then every text or number under it, at any depth, is a secret, unless its own key names where a
 * secret is kept, what kind it is or what describes it ({@code *_ref}, {@code *_url}, {@code type}, {@code scopes},
 * {@code description}, ...), or the value refers to one ({@code $JIRA_TOKEN}, {@code ${X}}, {@code {{ secrets.X }}}, a
 * path). A key whose last word is such a word passes whole ({@code token_url}, {@code password_policy},
 * {@code token_budget}). {@code key} alone is a secret only when what it holds looks like a credential (it is a map's,
 * a toleration's, a Jira project's as often), {@code pin} alone only when it holds digits (a version pin is none),
 * {@code pat} alone only when it holds a credential (a glob pattern is none). Values that are secrets wherever they stand: a PEM or PGP private key, a
 * URL with a password anywhere in a text, an {@code Authorization} value or header, a {@code Bearer} credential, a
 * {@code password=...} or {@code NAME=value} pair whose name names a secret (quoted, spaced or inside another pair's
 * value too), {@code -u user:password}, and tokens whose form names their issuer ({@link #ISSUED_TOKEN}), in a value or
 * a key. A credential is a value of 16 characters or more, or of 8 with a digit; a reference or a regular expression
 * (a rule that finds secrets) is none. A key such as {@code app_key} is a secret's name when what it holds looks
 * generated ({@link #namesGeneratedKey}); a password a command takes as {@code -p} and a {@code .netrc} entry's are
 * secrets too ({@link #SHORT_PASSWORD_OPTION}, {@link #NETRC}). A secret's name beside its value counts as its key: {@code {"name":
 * "DB_PASSWORD", "value": ...}} and {@code ["X-Api-Key", ...]}. A key that spells Latin with look-alike letters
 * ({@code pаssword} with a Cyrillic a) could hide a secret's name, and is refused too. A heuristic, measured against a
 * corpus of realistic configurations and leaked-secret forms (docs/security.md): it stops the usual carriers.
 */
final class SecretLike {

    private static final Set<String> SECRET_WORDS = Set.of("password", "passwd", "pwd", "pass", "passphrase", "passcode",
            "secret", "secrets", "token", "credential", "credentials", "creds", "auth", "authorization", "cookie",
            "cookies", "bearer", "apikey", "privatekey", "pin", "otp", "totp", "salt", "jwt", "sessionid",
            // one word for a secret's kind, as ngrok's authtoken and Azure's AccountKey are written
            "authtoken", "apitoken", "accesstoken", "refreshtoken", "accountkey",

            // a password in other languages' keys: German, Dutch, Portuguese, Spanish, Swedish, Finnish, Polish,
            // Turkish, Russian, Chinese, Japanese, Korean; German's and Dutch's, and French's mot de passe, are
            // PASSWORD_STEMS
            "senha", "contrasena", "contraseña", "losenord", "lösenord",
            "salasana", "haslo", "hasło", "sifre", "şifre", "пароль", "密码", "密碼", "パスワード", "비밀번호");
    /** Words that make a following {@code key} a secret one ({@code key} alone: {@link #weakName}). */
    private static final Set<String> KEY_QUALIFIERS = Set.of("api", "private", "access", "secret", "session", "signing",
            "hmac", "encryption", "master", "client", "shared", "sas", "account", "license", "webhook", "subscription",
            "functions");
    /**
     * A last word that names where a secret is, what kind, or what describes or bounds it, rather than holding it:
     * {@code token_url}, {@code password_policy}, {@code token_budget}, an MCP tool's {@code nextToken.description},
     * an OAuth block's {@code auth.scopes} and {@code auth.issuer} (a trial of realistic configs found each refused).
     */
    private static final Set<String> REFERENCE_WORDS = Set.of("ref", "reference", "url", "uri", "endpoint", "path",
            "file", "name", "id", "type", "kind", "ttl", "expiry", "expires", "header", "scheme", "method", "mode",
            "count", "limit", "max", "min", "size", "length", "format", "algorithm", "version", "enabled", "required",
            "provider", "source", "location", "vault", "env", "field", "param", "parameter", "prefix", "username", "user",
            "description", "title", "summary", "label", "hint", "help", "example", "examples", "scope", "scopes",
            "issuer", "audience", "tenant", "email", "realm", "region", "domain", "pattern", "patterns", "regex",
            "policy", "policies", "budget", "rotation", "interval", "days", "hours", "minutes", "seconds", "lifetime",
            "age", "retries", "attempts", "digits", "rounds", "rate", "store", "backend", "manager", "complexity",
            "history", "strength", "var", "variable", "variables", "types", "rule", "rules", "fields", "timeout",
            "threshold", "expiration", "issued", "ms", "engine", "flow", "plugins", "detectors", "site", "samesite",
            // an option that reads its secret elsewhere (--password-stdin), and what names a server, a method or a
            // resource (--auth-host scram-sha-256, SecretsKmsKeyArn)
            "stdin", "prompt", "host", "port", "server", "mechanism", "arn",
            "secure", "httponly", "headers", "signin", "signout", "login", "logout", "redirect", "callback", "action",
            "actions");
    /** A URL with a password, wherever it stands ({@code jdbc:mysql://u:p@h}, {@code git clone https://u:p@h}). */
    private static final Pattern URL_PASSWORD =
            Pattern.compile("(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\\s:'\"]*:([^/?@\\s'\"`]+)@");
    /**
     * A PEM or PGP private key: its armour and what follows it ({@code -----BEGIN [A-Z ]*PRIVATE KEY-----}, a pattern,
     * is none, nor is the armour named in a sentence: "PEM blocks (-----BEGIN RSA PRIVATE KEY-----) pasted").
     */
    private static final Pattern PRIVATE_KEY =
            Pattern.compile("-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:\\s|\\\\n)*+[A-Za-z0-9+/]|"
                    + "Private-Lines:[ \\t]*+[0-9]++(?:\\r?\\n|\\\\n)[A-Za-z0-9+/]{20}"); // and a PuTTY key file's private part
    /**
     * A whole value that is an Authorization header's: {@code Bearer x} or GitHub's {@code token x} where x looks like
     * a credential ({@code Token rotation} and {@code Bearer tokens} are names), or {@code Digest username=...}.
     */
    private static final Pattern AUTHORIZATION_VALUE = Pattern.compile("(?i)(?:bearer|token)\\s+(\\S+)");
    private static final Pattern DIGEST_VALUE = Pattern.compile("^(?i)digest\\s+username=");
    /** Basic credentials: base64 of {@code user:password} ({@code Basic plan} is no secret). */
    private static final Pattern BASIC = Pattern.compile("(?i)\\bbasic\\s+([A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])");
    /** An Authorization header inside a text: what follows its scheme, unless a placeholder ({@code <token>}). */
    private static final Pattern AUTHORIZATION_HEADER = Pattern.compile(
            "(?i)\\bauthorization\\s*[:=]\\s*[\"']?(?:([A-Za-z][A-Za-z0-9_-]*)\\s+)?([^\\s\"'`]+)");
    /**
     * A header or YAML line naming a secret, when what follows looks like a credential: {@code X-API-Key: ...},
     * {@code X-Vault-Token: ...}, {@code PRIVATE-TOKEN: ...}, {@code password: ...} ("Token: see the vault" is none);
     * and JSON in a text, the name quoted: {@code Config: {"password": "..."}}. A name begins where a run of name
     * characters does, so that each run is read once.
     */
    private static final Pattern NAMED_LINE = Pattern.compile(
            "(?<![A-Za-z0-9_-])([A-Za-z][A-Za-z0-9_-]{0,63})[\"']?[ \\t]*:[ \\t]*[\"']?([^\\s\"'`,;]+)");
    /**
     * A command line's long option naming a secret, and the credential after it: {@code redis-cli --pass x},
     * {@code --api-key x} ({@code --password-file /run/x} names where one is; {@code --token <token>} holds none).
     */
    private static final Pattern OPTION_IN_TEXT = Pattern.compile(
            "(?<![A-Za-z0-9_-])--([A-Za-z][A-Za-z0-9_-]{0,63})[ \\t]+[\"']?([^\\s\"'`]+)");
    /** An argument that is an option's name: {@code --password}, {@code -token}. */
    private static final Pattern OPTION = Pattern.compile("--?([A-Za-z][A-Za-z0-9_.-]{0,63})");
    /** A Bearer token inside a text, when it looks like a credential. */
    private static final Pattern BEARER_IN_TEXT = Pattern.compile("(?i)\\bbearer\\s+([A-Za-z0-9._~+/=${}<>-]{8,})");
    /**
     * A secret given as {@code name=value} inside a text: a connection string, a query string, a command line, a
     * quoted assignment ({@code password = "x"}), or inside another pair's value ({@code --from-literal=token=x}).
     */
    private static final Pattern PAIR_IN_TEXT = Pattern.compile("(?i)(?:^|[\\s;&?,'\"=(])(?:password|passwd|pwd|secret|"
            + "client[_-]?secret|token|access[_-]?token|refresh[_-]?token|api[_-]?key|apikey|sig)(?:=|[ \\t]+=[ \\t]+)"
            + "(?:[\"']([^\"'\\s]+)|([^\\s;&'\"`)]+))");
    /**
     * Any {@code NAME=value} inside a text (a command line, a shell line, an environment assignment, code) whose name
     * names a secret as a key would: {@code --password=x}, {@code DB_PASSWORD="x" run}, {@code export PGPASSWORD=x},
     * {@code MYSQL_PWD=x}, {@code GITHUB_TOKEN=x}, {@code connect(password=x)}. A value that refers to one (a
     * variable, {@code process.env.X}, a path, {@code None}) is none.
     */
    private static final Pattern NAMED_IN_TEXT = Pattern.compile(
            "(?:^|[\\s;&?,'\"(=`])-{0,2}([A-Za-z_][A-Za-z0-9_.-]*)(?:=|[ \\t]+=[ \\t]+)(?:[\"']([^\"'\\s]+)|([^\\s;&'\")`=]+))");
    /**
     * A password a command takes as {@code -p}: {@code sshpass -p x} (its own option, not ssh's port after it), a
     * registry's login ({@code docker login -u u -p x}, Podman's, Helm's, Azure's {@code az acr login}, ...), MongoDB's
     * and Cassandra's shells ({@code mongosh -p x}, {@code cqlsh -p x}), MySQL's and MariaDB's clients' attached
     * {@code mysql -px} ({@code mysql -p db} asks for one). The option is found first,
     * then its command on its line within the 200 characters before it ({@link #PASSWORD_COMMAND}), so that a text of
     * many commands stays linear. A value of digits and colons is a port ({@code -p3306:3306}) but after sshpass.
     */
    private static final Pattern SHORT_PASSWORD_OPTION = Pattern.compile("(?<=[ \\t])-p(=|[ \\t]*+)[\"']?([^\\s\"'`]+)");
    /** A command that takes its password as {@code -p}, as a command line names it (not a path's or an image's). */
    private static final Pattern PASSWORD_COMMAND = Pattern.compile("(?<![^\\s(`'\"])(sshpass|mysql[a-z]*|mariadb(?:-[a-z]+)?|mongosh|mongo|cqlsh|"
            + "(?:docker|podman|buildah|skopeo|nerdctl|oras|cosign)[ \\t]+login|(?:helm|regctl)[ \\t]+registry[ \\t]+login|"
            + "crane[ \\t]+auth[ \\t]+login|az[ \\t]+acr[ \\t]+login)(?=[ \\t])");
    /**
     * A word every {@link #PASSWORD_COMMAND} holds: a text without one has no command's {@code -p} to look at, and its
     * options are not each looked behind (a text of many {@code -p} ports, for instance).
     */
    private static final Pattern ANY_PASSWORD_COMMAND = Pattern.compile("sshpass|mysql|mariadb|mongo|cqlsh|login");
    /** What may stand between {@code sshpass} and its {@code -p}: its other options only. */
    private static final Pattern SSHPASS_OPTIONS = Pattern.compile("(?:[ \\t]+(?:-[fdP][ \\t]*+[^\\s-]\\S*|-[evhV]))*[ \\t]+");
    /** An argument list's command that takes its password as {@code -p} ({@link #isCommandWithPassword}). */
    private static final Pattern ARGV_COMMAND = Pattern.compile("(?:.*/)?(?:sshpass|mysql[a-z]*|mariadb(?:-[a-z]+)?|mongosh|mongo|cqlsh|docker|"
            + "podman|buildah|skopeo|nerdctl|oras|cosign|helm|regctl|crane|az)");
    /**
     * A {@code .netrc} entry's password, on one line or several, after its {@code login} (and {@code account}):
     * {@code machine h login u password x} ("the default password MUST change" has no login).
     */
    private static final Pattern NETRC = Pattern.compile("(?<![A-Za-z0-9_-])(?:machine\\s++\\S++|default)"
            + "((?:\\s++account\\s++\\S++)?\\s++login\\s++\\S++(?:\\s++account\\s++\\S++)?)\\s++password\\s++[\"']?([^\\s\"'`]+)");
    /** The same, its password before its login: {@code machine h password x login u}. */
    private static final Pattern NETRC_PASSWORD_FIRST = Pattern.compile(
            "(?<![A-Za-z0-9_-])machine\\s++\\S++\\s++password\\s++[\"']?([^\\s\"'`]+)[\"']?\\s++login\\s");
    /** An {@code .npmrc} line's credential: {@code //registry.npmjs.org/:_authToken=x}, {@code :_auth=}, {@code :_password=}. */
    private static final Pattern NPMRC = Pattern.compile(":_(?:authToken|auth|password)[ \\t]*=[ \\t]*([^\\s\"'`]+)");
    /**
     * A Discord bot token: the bot's id (digits) in base64, a time and a signature ({@code MTIz...}); checked by decoding
     * its first part, so that a dotted type name of the same lengths is none.
     */
    private static final Pattern DISCORD_BOT_TOKEN = Pattern.compile(
            "(?<![A-Za-z0-9_.-])([MNO][A-Za-z0-9_-]{22,27})\\.[A-Za-z0-9_-]{6}\\.([A-Za-z0-9_-]{27,38})(?![A-Za-z0-9_.-])");
    /** Credentials given to a command line's {@code -u}/{@code --user} as {@code user:password} (curl, wget). */
    private static final Pattern USER_OPTION =
            Pattern.compile("(?:^|\\s)(?:-u\\s*|--user(?:\\s+|=))[\"']?[^\\s:\"']+:([^\\s\"']+)");
    /**
     * A value that says where a secret is rather than holding it, or stands for one: a variable ({@code $X},
     * {@code ${X}}, {@code ${{ secrets.X }}}, {@code {{ X }}}, {@code %X%}), an environment lookup in code, a path, a
     * secret manager's address, a placeholder ({@code <token>}, {@code ***}, {@code ...}) or nothing ({@code None}).
     */
    private static final Pattern REFERENCE_VALUE = Pattern.compile("\\$[A-Za-z_][A-Za-z0-9_]*|\\$\\{[^}\\s]+}|\\$\\(.*|"
            + "\\$?\\{\\{.*}}|%[A-Za-z_][A-Za-z0-9_]*%|<[^<>]+>|\\[[^\\[\\]]+]|"
            + "(?:process\\.env|os\\.environ|os\\.getenv|System\\.getenv|ENV)[.\\[(].*|(?:/|\\./|~/)\\S*|"
            + "(?:vault|env|file|arn:aws[a-z-]*):\\S+|\\*+|\\.{3}|\u2026|x{3,}|X{3,}|"
            + "(?i:none|null|nil|undefined|empty|redacted|your[_-]?\\w*|true|false|yes|no|on|off|enabled|disabled)|"
            // A path in Vault (its agent injector's annotations name one: agent-inject-secret-x: kv/data/team/x)
            + "(?:kv|secret|database|aws|gcp|azure|pki|transit|ssh)/[\\w.-]+(?:/[\\w.-]+)+");
    private static final Pattern SCHEME = Pattern.compile("^(?i)(?:bearer|basic|token|apikey)\\s+");
    /**
     * A regular expression rather than a value: a rule that finds secrets ({@code password=[^&\\s]+}, {@code .*}): one
     * that begins as a pattern does, or holds a class escape or a quantified group or class. Looked for with
     * {@code lookingAt} and {@code find}, so that its cost is linear in the value (a value of 64 KiB of "a(" took seconds
     * with a pattern matched whole).
     */
    private static final Pattern PATTERN_START = Pattern.compile("[\\[(\\\\^]|\\.[*+?]");
    private static final Pattern PATTERN_PART = Pattern.compile("\\\\[wdsS]|[\\])][*+?{]");
    /**
     * Tokens whose form names their issuer: Warden's own first (an API key or the platform key, {@code wdn_}; a fleet
     * enrolment token, {@code wfe_}, or instance credential, {@code wfi_}: a security trial stored an admin key in a
     * config, which a viewer read back and used), then GitHub's, Slack's (and its webhook URLs), AWS's, GitLab's,
     * OpenAI's, Stripe's, npm's, Hugging Face's, Google's API keys and JWTs, and more issuers'. A token begins where a run
     * of token characters does (the look-behind), so that each run is read once: with a word boundary alone, text of
     * 64 KiB of "eyJ-" was read from each of its 16,000 "eyJ"s and took twelve seconds.
     */
    private static final Pattern ISSUED_TOKEN = Pattern.compile("(?<![A-Za-z0-9_-])(?:w(?:dn|fe|fi)_[A-Za-z0-9_-]{20,}|"
            + "gh[pousr]_[A-Za-z0-9]{16,}|github_pat_\\w{16,}|"
            + "xox[abposr]-[A-Za-z0-9-]{10,}|xoxe-[0-9]-[A-Za-z0-9-]{10,}|xapp-[0-9]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])|"
            + "gl(?:pat|dt|rt|ptt|ft|imt|soat|cbt|oas|agent)-[A-Za-z0-9_-]{16,}|"
            // OpenAI's and Anthropic's keys mix cases and digits; a host name (sk-bratislava-dc1) is lower case
            + "sk-(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{20,}|"
            + "[rs]k_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9+/=]{20,}|npm_[A-Za-z0-9]{30,}|hf_[A-Za-z0-9]{30,}|"
            + "AIza[0-9A-Za-z_-]{35}|GOCSPX-[A-Za-z0-9_-]{20,}|ya29\\.[A-Za-z0-9_-]{20,}|"
            + "ATATT3[A-Za-z0-9_=-]{40,}|hv[sbr]\\.[A-Za-z0-9_-]{20,}|SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}|"
            + "dckr_pat_[A-Za-z0-9_-]{20,}|pypi-AgE[A-Za-z0-9_-]{40,}|do[pro]_v1_[a-f0-9]{64}|dapi[a-f0-9]{32}|"
            + "shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}|lin_api_[A-Za-z0-9]{40}|ntn_[A-Za-z0-9]{40,}|NRAK-[A-Z0-9]{27}|"
            + "PMAK-[a-f0-9]{24}-[a-f0-9]{34}|AGE-SECRET-KEY-1[0-9A-Z]{58}|"
            + "hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9]+/[A-Za-z0-9/]{8,}|"
            // Discord's and Microsoft Teams' (Office 365 connectors') webhook URLs, Discord's bot tokens, Telegram's,
            // Twilio's and Mailgun's keys, and Microsoft Entra (Azure AD) client secrets
            // (a template's x's or zeros are none)
            + "discord(?:app)?\\.com/api/webhooks/[0-9]{17,20}/(?=[A-Za-z0-9_-]{0,80}[a-z])(?=[A-Za-z0-9_-]{0,80}[A-Z])"
            + "(?=[A-Za-z0-9_-]{0,80}[0-9])[A-Za-z0-9_-]{60,}|"
            + "webhook\\.office\\.com/webhookb2/[A-Za-z0-9@-]{20,}/IncomingWebhook/(?=[A-Za-z0-9]{0,40}[0-9])"
            + "(?=[A-Za-z0-9]{0,40}[a-fA-F])[A-Za-z0-9]{16,}/|"
            + "[0-9]{8,10}:AA(?=[A-Za-z0-9_-]{0,32}[a-z])(?=[A-Za-z0-9_-]{0,32}[0-9])[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])|"
            + "SK[0-9a-fA-F]{32}:[A-Za-z0-9]{32}(?![A-Za-z0-9])|(?<!/)key-[0-9a-f]{32}(?![A-Za-z0-9./-])|[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])|"
            + "eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,})");

    private SecretLike() {
    }

    /**
     * The refusal of {@code key}'s name as a key of a configuration, or null: a key that spells Latin with a letter that
     * only looks like one could hide a secret's name ({@code pаssword} with a Cyrillic a, {@code ᴀpi_key} with a small
     * capital), while accents ({@code propriétaire}, {@code año}), the micro sign ({@code latency_µs}) and symbols
     * ({@code budget_€}) are a language's, not a disguise.
     */
    static String keyRefusal(String key) {
        String folded = Normalizer.normalize(Normalizer.normalize(key.replace('\u00B5', 'u'), Normalizer.Form.NFKC),
                Normalizer.Form.NFD).replaceAll("\\p{M}", "");
        boolean latin = false;
        boolean lookalike = false;
        for (int i = 0; i < folded.length(); ) {
            int cp = folded.codePointAt(i);
            i += Character.charCount(cp);
            if (!Character.isLetter(cp)) {
                continue;
            }
            Character.UnicodeScript script = Character.UnicodeScript.of(cp);
            latin |= script == Character.UnicodeScript.LATIN;
            lookalike |= script == Character.UnicodeScript.LATIN ? cp > 0x24F : LOOKALIKE_SCRIPTS.contains(script);
        }
        return latin && lookalike ? "must spell Latin with Latin letters (a look-alike could hide a secret's name)" : null;
    }

    /** Scripts with letters that read as Latin ones. */
    private static final Set<Character.UnicodeScript> LOOKALIKE_SCRIPTS = Set.of(Character.UnicodeScript.CYRILLIC,
            Character.UnicodeScript.GREEK, Character.UnicodeScript.ARMENIAN, Character.UnicodeScript.CHEROKEE,
            Character.UnicodeScript.LISU, Character.UnicodeScript.COPTIC);

    /** Whether {@code key} names a secret (and not where one is kept). */
    static boolean namesSecret(String key) {
        if (key.equals("SSHPASS")) {
            return true; // sshpass -e reads its password from it; sshpass alone names the tool
        }
        if (ASCII.matcher(key).matches() && !SECRET_STEM.matcher(key).find()) {
            return false; // most keys and names: no word of a secret's in them, and no folding to do
        }
        List<String> words = words(key);
        if (words.isEmpty() || REFERENCE_WORDS.contains(words.getLast())) {
            return false;
        }
        if (words.equals(List.of("pin"))) {
            return false;
        }
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            if (word.equals("pass") && i + 1 < words.size() && words.get(i + 1).chars().allMatch(Character::isDigit)) {
                continue; // pass@1, pass@5: a model evaluation's metric
            }
            if (isSecretWord(words, i)) {
                return true;
            }
            // "key" alone is a map's, a toleration's, a Jira project's as often as a credential's, and "pin" alone a
            // version's as often as a number's: weakNameHolds
            if (word.equals("key") && i > 0 && KEY_QUALIFIERS.contains(words.get(i - 1))) {
                return true;
            }
        }
        return false;
    }

    /** Whether the {@code i}th of a key's words names a secret, as it stands among the others. */
    private static boolean isSecretWord(List<String> words, int i) {
        String word = words.get(i);
        return SECRET_WORDS.contains(word)
                || !word.equals("passwordless") && PASSWORD_STEMS.stream().anyMatch(word::contains)
                || word.contains("secret") && !word.startsWith("secretar")
                || word.equals("pw") && i == words.size() - 1 // db_pw, not Playwright's PW_TEST_...
                || word.equals("passe") && i >= 2 && words.get(i - 2).equals("mot") && words.get(i - 1).equals("de");
    }

    /** A password's name inside a word too: mypassword, datenbankpasswort, motdepasse. */
    private static final List<String> PASSWORD_STEMS = List.of("password", "passwd", "passwort", "kennwort", "wachtwoord",
            "motdepasse");

    private static final Pattern ASCII = Pattern.compile("\\p{ASCII}*");
    /** A stem of every secret word and qualified key ({@link #SECRET_WORDS}, {@link #KEY_QUALIFIERS}): a quick no. */
    private static final Pattern SECRET_STEM =
            Pattern.compile("(?i)pass|pwd|pw|secret|token|cred|auth|cookie|bearer|key|pin|otp|salt|jwt|session|kennwort|"
                    + "wachtwoord|senha|contrase|losenord|salasana|haslo|sifre");

    /** Whether {@code key}'s own name keeps a leaf under a secret-naming key from being a secret. */
    static boolean namesReference(String key) {
        return lastWordIn(key, REFERENCE_WORDS);
    }

    private static boolean lastWordIn(String key, Set<String> set) {
        List<String> words = words(key);
        return !words.isEmpty() && set.contains(words.getLast());
    }

    /**
     * Whether {@code key}'s last word says that what it holds, list or object, describes or bounds a secret rather than
     * holding one ({@code auth.scopes}, {@code token.patterns}), so nothing below it is one by its ancestor's name.
     */
    static boolean describes(String key) {
        return lastWordIn(key, DESCRIBING_WORDS);
    }

    private static final Set<String> DESCRIBING_WORDS = Set.of("scope", "scopes", "pattern", "patterns", "regex",
            "rule", "rules", "fields", "types", "policy", "policies", "audience", "description", "title", "summary",
            "label", "hint", "help", "plugins", "detectors");

    /**
     * The name {@code key} is when it is {@code key}, {@code pin} or {@code pat} (a personal access token, or a pattern)
     * alone, or null: a secret's name only when what it holds looks like one ({@link #weakNameHolds}).
     */
    static String weakName(String key) {
        List<String> words = words(key);
        if (words.size() == 1) {
            return WEAK_NAMES.contains(words.getFirst()) ? words.getFirst() : null;
        }
        return namesGeneratedKey(words) && !namesSecret(key) ? GENERATED : null;
    }

    private static final Set<String> WEAK_NAMES = Set.of("key", "pin", "pat");
    /** {@link #weakName} of a key such as {@code app_key}: {@link #namesGeneratedKey}. */
    private static final String GENERATED = "generated key";

    /**
     * Whether a key whose last word is {@code key} after a word naming a kind of key that is a credential when generated
     * ({@code app_key}, {@code routing_key}, {@code storage_key}, {@code FERNET_KEY}) is a secret's name when what it
     * holds looks generated ({@link #looksGenerated}): Datadog's application keys, PagerDuty's routing and service keys,
     * Azure's storage keys, Fernet and Laravel keys are written so. Other {@code *_key} names are not: an idempotency,
     * deduplication, cache, public, publishable or site key, a KMS key's name, a sheet's or a cursor's take generated
     * values as often and are none (a review of realistic configs found each refused by a list of exceptions).
     */
    private static boolean namesGeneratedKey(List<String> words) {
        return words.size() >= 2 && words.getLast().equals("key") && GENERATED_KEYS.contains(words.get(words.size() - 2));
    }

    private static final Set<String> GENERATED_KEYS = Set.of("app", "application", "routing", "integration", "service",
            "storage", "fernet", "aes");

    /**
     * A value as a generator writes a credential: 32 hexadecimal digits or more, or 24 characters or more of base64's
     * alphabets mixing upper and lower case and digits, and not mostly words ({@link #ofWords}; {@code base64:} before
     * it, as Laravel writes its key), or 32 of upper case and digits; not a name of words
     * ({@code Soc_Alerts_HighSeverity_Region1}), a path, an SSH public key's body ({@code AAAA...}), a UUID or a version.
     */
    private static boolean looksGenerated(String value) {
        String text = value.strip();
        if (text.startsWith("base64:")) {
            text = text.substring("base64:".length());
        }
        return HEX.matcher(text).matches() || UPPER_GENERATED.matcher(text).matches()
                || GENERATED_TEXT.matcher(text).matches() && !isReference(text) && !text.startsWith("AAAA")
                // a path of names ("UploadsByTenant/Acme42/AuditLogs"), unless base64's own marks or length say otherwise
                && (text.indexOf('/') < 0 || text.indexOf('+') >= 0 || text.indexOf('=') >= 0 || text.length() >= 60)
                && text.chars().anyMatch(Character::isUpperCase) && text.chars().anyMatch(Character::isLowerCase)
                && text.chars().anyMatch(Character::isDigit) && !ofWords(text);
    }

    /**
     * Whether {@code text} is mostly words (a letter and three lower-case ones or more): 40% of its characters or more.
     * Names are ({@code Soc_Alerts_HighSeverity_Region1} 77%, {@code incident-2024-11-05-Sev2-DBFailover} 45%); random
     * base64 of 24 to 88 characters is so 0.4-5% of the time (measured over 2,000 values of each length).
     */
    private static boolean ofWords(String text) {
        int inWords = 0;
        var words = WORD.matcher(text);
        while (words.find()) {
            inWords += words.end() - words.start();
        }
        return inWords * 10 >= text.length() * 4;
    }

    private static final Pattern WORD = Pattern.compile("[A-Za-z][a-z]{3,}");

    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{32,}");
    /** Upper case and digits, four of each at least: {@code R0293K7ZQXW3PDJ6G4M1B8XH2N5YV9AT}. */
    private static final Pattern UPPER_GENERATED = Pattern.compile("(?=(?:[A-Z]*[0-9]){4})(?=(?:[0-9]*[A-Z]){4})[A-Z0-9]{32,}");
    private static final Pattern GENERATED_TEXT = Pattern.compile("[A-Za-z0-9+/_-]{24,}={0,2}");

    /** Whether a text's {@code NAME=value} or {@code name: value} is a generated key's ({@link #namesGeneratedKey}). */
    private static boolean generatedKeyIn(String name, String value) {
        return value != null && name.regionMatches(true, Math.max(0, name.length() - 3), "key", 0, 3)
                && namesGeneratedKey(words(name)) && looksGenerated(value);
    }

    /**
     * Whether a value under {@code key} or {@code pat} alone ({@link #weakName}) looks like a credential rather than a
     * name ({@code SEC}, {@code env}) or a glob, or under {@code pin} alone like a number of 4 to 12 digits rather than
     * a version ({@code 1.4.2}, {@code gpt-4o-2024-08-06}).
     */
    static boolean weakNameHolds(String name, JsonNode value) {
        String text = value.isTextual() ? value.asText().strip() : value.isNumber() ? value.asText() : "";
        if (name.equals(GENERATED)) {
            return looksGenerated(text) || isSecretValue(text); // and every form a secret takes anywhere
        }
        if (name.equals("pin")) {
            return text.matches("[0-9]{4,12}");
        }
        // looksLikeCredential takes 16 characters or more as one; a key's value also needs a digit and a letter
        return text.length() >= 16 && text.chars().noneMatch(Character::isWhitespace) && looksLikeCredential(text)
                && text.chars().anyMatch(Character::isDigit) && text.chars().anyMatch(Character::isLetter)
                && text.chars().noneMatch(c -> c == '*' || c == '?' || c == '['); // a glob: **/test_2024*.py
    }

    /** Whether {@code value} says where a secret is or stands for one, rather than holding it ({@link #REFERENCE_VALUE}). */
    static boolean isReference(String value) {
        String text = SCHEME.matcher(value.strip()).replaceFirst(""); // "Bearer ${JIRA_TOKEN}" refers to one too
        return !text.isEmpty() && REFERENCE_VALUE.matcher(text).matches();
    }

    /** A credential rather than a word, a reference or a pattern: 16 characters or more, or 8 with a digit. */
    private static boolean looksLikeCredential(String value) {
        return !isReference(value) && !isPattern(value)
                && (value.length() >= 16 || value.length() >= 8 && value.chars().anyMatch(Character::isDigit));
    }

    /** A value given beside a name: anything but a reference or a pattern (a rule that finds secrets). */
    private static boolean isGivenValue(String value) {
        return value != null && value.chars().anyMatch(Character::isLetterOrDigit) && !isReference(value)
                && !isPattern(value)
                // code passing a variable on: password=password, token=api_token
                && !(IDENTIFIER.matcher(value).matches() && !SCHEMES.contains(value.toLowerCase(Locale.ROOT))
                        && (namesSecret(value) || words(value).contains("key")));
    }

    private static boolean isPattern(String value) {
        return PATTERN_START.matcher(value).lookingAt() || PATTERN_PART.matcher(value).find();
    }

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<String> SCHEMES = Set.of("bearer", "basic", "token", "digest", "apikey");

    /** Whether {@code value} is a secret wherever it stands. */
    static boolean isSecretValue(String value) {
        String text = value.strip();
        return PRIVATE_KEY.matcher(text).find() || found(URL_PASSWORD, text, 1) || authorizationValue(text)
                || authorizationHeader(text) || bearerInText(text) || pairInText(text)
                || ISSUED_TOKEN.matcher(text).find() || basicCredentials(text) || namedInText(text) || namedLine(text)
                || optionInText(text) || found(USER_OPTION, text, 1) || commandPassword(text) || discordBotToken(text);
    }

    /** Whether {@code form} finds a match in {@code text} whose {@code group} is a given value. */
    private static boolean found(Pattern form, String text, int group) {
        return anyMatch(form, text, match -> isGivenValue(match.group(group)));
    }

    /** Whether any match of {@code form} in {@code text}, found left to right, {@code holds}. */
    private static boolean anyMatch(Pattern form, String text, Predicate<MatchResult> holds) {
        return form.matcher(text).results().anyMatch(holds);
    }

    /**
     * After a scheme Warden knows, any value given; after another word ({@code SSWS}, {@code Splunk}) or none, a
     * credential ("Reads the Authorization: header name only" names no secret).
     */
    private static boolean authorizationHeader(String text) {
        return anyMatch(AUTHORIZATION_HEADER, text, header -> header.group(1) != null
                && SCHEMES.contains(header.group(1).toLowerCase(Locale.ROOT))
                ? isGivenValue(header.group(2)) : looksLikeCredential(header.group(2)));
    }

    private static boolean authorizationValue(String text) {
        var whole = AUTHORIZATION_VALUE.matcher(text);
        return whole.matches() && looksLikeCredential(whole.group(1)) || DIGEST_VALUE.matcher(text).find();
    }

    private static boolean namedLine(String text) {
        return anyMatch(NAMED_LINE, text, line -> namesSecret(line.group(1)) && looksLikeCredential(line.group(2))
                || generatedKeyIn(line.group(1), line.group(2)));
    }

    private static boolean optionInText(String text) {
        return anyMatch(OPTION_IN_TEXT, text, option -> namesSecret(option.group(1)) && isOptionsArgument(option.group(2)));
    }

    /**
     * Whether what an option naming a secret is given looks like the secret: a credential, but not a list of pairs
     * ({@code --secret id=npmrc,src=$HOME/.npmrc}, whose pairs are judged as pairs) nor a method's name of words
     * ({@code --auth-method scram-sha-256}, {@code --default-auth mysql_native_password}).
     */
    private static boolean isOptionsArgument(String value) {
        String text = value.strip();
        return looksLikeCredential(text) && !PAIR_INSIDE.matcher(text).find() && !WORD_LIST.matcher(text).matches();
    }

    /** A pair inside a value ({@code id=npmrc}), not base64's padding at its end. */
    private static final Pattern PAIR_INSIDE = Pattern.compile("=[^=]");
    /** Lower-case words joined by separators, numbers between them: {@code scram-sha-256}, {@code my-app-secret-2024}. */
    private static final Pattern WORD_LIST = Pattern.compile("[a-z]+(?:[-_.](?:[a-z]+|[0-9]+))+");

    /**
     * In an argument list, whether {@code argument} is the credential an option naming a secret gives, the one before
     * it: {@code ["--password", "x"]}, {@code ["--token", "x"]} (a value that looks like one: {@code ["--auth",
     * "ldap"]} names a method, and {@code ["--token", "$TOKEN"]} refers to one).
     */
    static boolean isOptionsCredential(JsonNode option, JsonNode argument) {
        if (!option.isTextual() || !argument.isTextual() || argument.asText().startsWith("-")) {
            return false;
        }
        var name = OPTION.matcher(option.asText());
        return name.matches() && namesSecret(name.group(1)) && isOptionsArgument(argument.asText());
    }

    /**
     * A password given to a command ({@link #SHORT_PASSWORD_OPTION}) or in a {@code .netrc} entry ({@link #NETRC}): a given
     * value, not one lower-case word, which is prose's ("docker login with -p is deprecated").
     */
    private static boolean commandPassword(String text) {
        return ANY_PASSWORD_COMMAND.matcher(text).find()
                && anyMatch(SHORT_PASSWORD_OPTION, text, option -> isCommandsValue(option.group(2))
                        && takesPassword(text.substring(Math.max(0, option.start() - 200), option.start()),
                                option.group(1), option.group(2)))
                || anyMatch(NETRC, text, entry -> isCommandsValue(entry.group(2)) && !ANONYMOUS.matcher(entry.group(1)).find())
                || anyMatch(NETRC_PASSWORD_FIRST, text, entry -> isCommandsValue(entry.group(1)))
                || anyMatch(NPMRC, text, npmrc -> isCommandsValue(npmrc.group(1)));
    }

    /** Anonymous FTP's entry, whose password is an address by custom. */
    private static final Pattern ANONYMOUS = Pattern.compile("login\\s++(?:anonymous|ftp)(?!\\S)");

    /**
     * Whether what a command or a file's line gives as a password is one rather than what documentation writes in its
     * place: not a reference ({@code $PASS}, {@code ${PASS}}, a path) with or without the punctuation after it, nor a
     * placeholder ({@code <access token>}, {@code {password}}, {@code %(pw)s}, {@code #{pw}}, {@code !PASS!},
     * {@code @Microsoft.KeyVault(...)}, {@code op://...}, {@code TOKEN}, {@code CHANGEME}, {@code changeme}), nor one
     * lower-case word (prose's), nor the next option ({@code mongosh -u admin -p --authenticationDatabase admin} asks
     * for one).
     */
    private static boolean isCommandsValue(String value) {
        int end = value.length();
        while (end > 0 && ".,;:)]".indexOf(value.charAt(end - 1)) >= 0) {
            end--; // a loop, not a pattern anchored at the end: that one read a run of dots from each of them
        }
        String text = value.substring(0, end);
        return !text.isEmpty() && !PLACEHOLDER.matcher(text).matches() && !text.startsWith("op://")
                && !UPPER_WORD.matcher(text).matches() && !LOWER_WORD.matcher(text).matches()
                && !PLACEHOLDERS.contains(text.toLowerCase(Locale.ROOT)) && isGivenValue(text);
    }

    /**
     * What documentation writes in a password's place, by its shape: {@code <access token>}, {@code {password}},
     * {@code ${X}} or {@code $X}, {@code #{pw}}, {@code %(pw)s}, {@code !PASS!}, {@code @Microsoft.KeyVault(...)},
     * {@code ***}, {@code (your password)}, or the next option ({@code -p --authenticationDatabase} asks for one). A
     * password that only begins with a sign ({@code !Passw0rd123}, {@code #Str0ng}) is none of these.
     */
    private static final Pattern PLACEHOLDER = Pattern.compile("<.*|\\{.*|\\$.*|-.*|#\\{.*|%\\(.*|"
            + "![A-Za-z_][A-Za-z0-9_]*!|@Microsoft\\.KeyVault\\(.*|\\*{3,}|\\(.*\\)");
    /** An upper-case word without digits: a placeholder's ({@code TOKEN}, {@code CHANGEME}, {@code GITHUB_PAT}). */
    private static final Pattern UPPER_WORD = Pattern.compile("[A-Z][A-Z_]*");
    private static final Pattern LOWER_WORD = Pattern.compile("[a-z]+(?:-[a-z]+)*");
    private static final Set<String> PLACEHOLDERS = Set.of("changeme", "change_me", "replaceme", "replace_me",
            "placeholder", "mypass", "mypassword", "yourpassword", "example");

    /**
     * Whether the last command on the line {@code before} a {@code -p} takes it as its password: sshpass with nothing
     * but its own options between; a registry's login, MongoDB's and Cassandra's shells with at most the server (and
     * Cassandra's port) beside their options between; MySQL's and MariaDB's clients attached, with at most one word
     * beside their options. A command word that is an option's value ({@code --name mongo}) is none, and a value that
     * is a port or a port mapping ({@code -p 127.0.0.1:27017:27017}) is no password but after sshpass. {@code separator}
     * is what came between {@code -p} and its value (nothing, {@code =} or spaces).
     */
    private static boolean takesPassword(String before, String separator, String value) {
        int lineStart = 0;
        for (int i = before.length() - 1; i >= 0; i--) {
            char c = before.charAt(i);
            if (c == '\n' || c == ';' || c == '&' || c == '|' || c == ',') {
                lineStart = i + 1;
                break;
            }
        }
        String line = before.substring(lineStart);
        MatchResult last = PASSWORD_COMMAND.matcher(line).results().reduce((a, b) -> b).orElse(null);
        if (last == null || OPTION_BEFORE.matcher(line.substring(0, last.start())).find()) {
            return false;
        }
        String command = last.group(1);
        String between = line.substring(last.end());
        if (command.equals("sshpass")) {
            return SSHPASS_OPTIONS.matcher(between).matches();
        }
        if (PORT.matcher(value).matches() || bareWords(between) > (command.equals("cqlsh") ? 2 : 1)) {
            return false;
        }
        // MySQL's and MariaDB's clients take it attached only; the others, spaced too
        return separator.isEmpty() || !command.startsWith("mysql") && !command.startsWith("mariadb");
    }

    /** A text ending in an option, whose value the word after it is ({@code --name mongo}). */
    private static final Pattern OPTION_BEFORE = Pattern.compile("(?:^|\\s)--?[A-Za-z][A-Za-z0-9-]*[ \\t]+$");
    /** A port, a range or a mapping, with an address or a protocol: {@code 3306}, {@code 127.0.0.1:27017:27017/tcp}. */
    private static final Pattern PORT = Pattern.compile("(?:\\[[0-9A-Fa-f:]+]:)?[0-9][0-9.:-]*(?:/[a-z]+)?");

    /**
     * How many words of {@code options} are neither an option nor the value after one (the word after an option with no
     * {@code =} is taken as its value, so a flag's next word is not counted: leniently).
     */
    private static int bareWords(String options) {
        int bare = 0;
        boolean valueNext = false;
        for (String word : options.trim().split("[ \\t]+")) {
            if (word.isEmpty()) {
                continue;
            }
            if (word.startsWith("-")) {
                valueNext = word.indexOf('=') < 0 && !(word.length() > 2 && word.charAt(1) != '-');
            } else if (valueNext) {
                valueNext = false;
            } else {
                bare++;
            }
        }
        return bare;
    }

    /** Whether {@code text} holds a Discord bot token ({@link #DISCORD_BOT_TOKEN}): its first part decodes to digits. */
    private static boolean discordBotToken(String text) {
        return anyMatch(DISCORD_BOT_TOKEN, text, token -> {
            try {
                byte[] id = Base64.getUrlDecoder().decode(token.group(1));
                for (byte b : id) {
                    if (b < '0' || b > '9') {
                        return false;
                    }
                }
                return id.length >= 15 && !UPPER_WORD.matcher(token.group(2)).matches();
            } catch (IllegalArgumentException notBase64) {
                return false;
            }
        });
    }

    /**
     * Whether an argument list of texts is a command given a password as {@code -p} ({@link #SHORT_PASSWORD_OPTION}):
     * {@code ["sshpass", "-p", "x", "ssh", "h"]}.
     */
    static boolean isCommandWithPassword(JsonNode arguments) {
        if (arguments.size() < 3 || !arguments.get(0).isTextual() || !ARGV_COMMAND.matcher(arguments.get(0).asText()).matches()) {
            return false;
        }
        StringBuilder line = new StringBuilder();
        for (JsonNode argument : arguments) {
            if (!argument.isTextual()) {
                return false;
            }
            // the command by its name, as a command line writes it: /usr/bin/sshpass is sshpass
            String text = argument.asText();
            line.append(line.isEmpty() ? text.substring(text.lastIndexOf('/') + 1) : text).append(' ');
        }
        return commandPassword(line.toString());
    }

    private static boolean bearerInText(String text) {
        return anyMatch(BEARER_IN_TEXT, text, bearer -> looksLikeCredential(bearer.group(1)));
    }

    private static boolean pairInText(String text) {
        return anyMatch(PAIR_IN_TEXT, text, pair -> isGivenValue(pair.group(1) != null ? pair.group(1) : pair.group(2)));
    }

    private static boolean namedInText(String text) {
        var pair = NAMED_IN_TEXT.matcher(text);
        int from = 0;
        while (from < text.length() && pair.find(from)) {
            int valueGroup = pair.group(2) != null ? 2 : 3;
            String name = pair.group(1);
            String value = pair.group(valueGroup);
            if (namesSecret(name) && isGivenValue(value) // not "partition key=tenant_id"
                    || generatedKeyIn(name, value)) { // FERNET_KEY=...
                return true;
            }
            // From the "=" or quote before the value: a pair inside this one's value (--from-literal=token=x). An
            // unquoted value stops at the next "=", so that each step moves past one name: linear in the text.
            from = pair.start(valueGroup) - 1;
        }
        return false;
    }

    /** {@code Basic} and base64 that decodes to {@code user:password}. */
    private static boolean basicCredentials(String text) {
        return anyMatch(BASIC, text, basic -> {
            try {
                return new String(Base64.getDecoder().decode(basic.group(1)), StandardCharsets.UTF_8).indexOf(':') > 0;
            } catch (IllegalArgumentException notBase64) {
                return false; // a word after "basic", not credentials
            }
        });
    }

    /**
     * The value a secret's name stands beside, when {@code node} is such a pair: an object whose {@code name} or
     * {@code key} (or {@code header}) names a secret, its {@code value}, in any case ({@code {"Name": "DB_PASSWORD",
     * "Value": ...}} in an ECS task, {@code {"ParameterKey": ..., "ParameterValue": ...}} in CloudFormation); a list
     * of two, a secret's name and its value.
     */
    static String pairedValueField(JsonNode node) {
        if (node.isObject()) {
            String value = null;
            boolean named = false;
            for (var field : node.properties()) {
                String lower = field.getKey().toLowerCase(Locale.ROOT);
                if (PAIR_VALUE_FIELDS.contains(lower)) {
                    value = field.getKey();
                } else if (PAIR_NAME_FIELDS.contains(lower) && field.getValue().isTextual()
                        && namesSecret(field.getValue().asText())) {
                    named = true;
                }
            }
            return named ? value : null;
        } else if (node.isArray() && node.size() == 2 && node.get(0).isTextual() && !node.get(0).asText().startsWith("-")
                && namesSecret(node.get(0).asText()) // an option and its argument: isOptionsCredential
                // ["password", "api_key"] lists two names, not a name and its value
                && !(node.get(1).isTextual() && (namesSecret(node.get(1).asText()) || namesReference(node.get(1).asText())))) {
            return "1";
        }
        return null;
    }

    private static final Set<String> PAIR_NAME_FIELDS = Set.of("name", "key", "header", "parameterkey", "parametername");
    private static final Set<String> PAIR_VALUE_FIELDS = Set.of("value", "parametervalue");

    /**
     * Whether a leaf under a secret-naming key holds something (a number or text, not a flag or nothing, nor a text
     * that refers to the secret: {@code "token": "$JIRA_TOKEN"}).
     */
    static boolean holdsValue(JsonNode leaf) {
        return leaf.isTextual() ? !isReference(leaf.asText()) : leaf.isNumber() || leaf.isBinary();
    }

    /** {@code apiKey}, {@code API_KEY}, {@code api-key} and {@code ａｐｉ＿ｋｅｙ} are the words {@code api key}. */
    static List<String> words(String key) {
        String folded = Normalizer.normalize(key, Normalizer.Form.NFKC).replaceAll("\\p{Cf}", "");
        // Look-arounds, not groups: "([A-Z]+)([A-Z][a-z])" read a run of capitals from each of its letters (16 KiB of
        // "AAA..." as a key took four seconds of an event loop)
        String spaced = folded.replaceAll("(?<=[a-z0-9])(?=[A-Z])", " ").replaceAll("(?<=[A-Z])(?=[A-Z][a-z])", " ");
        List<String> words = new ArrayList<>();
        // Turkish's İ lowercases to i and a combining dot, which would split ŞİFRE's word in two
        for (String word : spaced.toLowerCase(Locale.ROOT).replace("\u0307", "").split("[^\\p{L}\\p{N}]+")) {
            if (!word.isEmpty()) {
                words.add(word);
            }
        }
        return words;
    }
}
