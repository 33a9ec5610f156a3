package dev.warden.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link Checks#noSecrets}: the forms a secret took past the rule, and what must still pass. */
class NoSecretsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<String> refused(String config) throws Exception {
        JsonNode node = JSON.readTree(config);
        try {
            new Checks().noSecrets("config", node).orThrow();
            return List.of();
        } catch (ApiException e) {
            return e.details().stream().map(ErrorResponse.FieldError::field).toList();
        }
    }

    @Test
    void anAuthorizationInsideATextIsASecret() throws Exception {
        assertEquals(List.of("config.x"), refused("{\"x\": \"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9\"}"));
        assertEquals(List.of("config.x"), refused("{\"x\": \"curl -H 'Authorization: Bearer abc'\"}"));
        assertEquals(List.of("config.x"), refused("{\"x\": \"token=Bearer abc\"}"));
        assertEquals(List.of("config.x"), refused("{\"x\": \"Bearer abc12345\"}"));
        assertEquals(List.of("config.x"), refused("{\"x\": \"token 3f9a2c7e1b\"}"));
        assertEquals(List.of(), refused("{\"x\": \"Token rotation\"}"), "two words, no credential: a name");
        assertEquals(List.of("config.x"), refused("{\"x\": \"Basic YWxhZGRpbjpvcGVuc2VzYW1l\"}"));
    }

    @Test
    void aSecretPairedInsideATextIsASecret() throws Exception {
        assertEquals(List.of("config.connection_string"),
                refused("{\"connection_string\": \"Server=db;User Id=sa;Password=hunter2;\"}"));
        assertEquals(List.of("config.url"), refused("{\"url\": \"https://x.blob.example.net/c?sv=2022&sig=abcdEFGH%3D\"}"));
        assertEquals(List.of("config.webhook"), refused("{\"webhook\": \"https://hooks.example.com/in?api_key=abc123\"}"));
    }

    @Test
    void aSecretsNameBesideItsValueCountsAsItsKey() throws Exception {
        assertEquals(List.of("config.env[0].value"), refused("{\"env\": [{\"name\": \"DB_PASSWORD\", \"value\": \"hunter2\"}]}"));
        assertEquals(List.of("config.headers[0][1]"), refused("{\"headers\": [[\"X-Api-Key\", \"abc123\"]]}"));
        assertEquals(List.of(), refused("{\"env\": [{\"name\": \"LOG_LEVEL\", \"value\": \"debug\"}], \"pair\": [\"region\", \"eu\"]}"));
    }

    @Test
    void wordsHoldingASecretsNameAndIssuedTokensAreSecrets() throws Exception {
        assertEquals(List.of("config.mypassword", "config.jwt", "config.sessionid"),
                refused("{\"mypassword\": \"x\", \"jwt\": \"y\", \"sessionid\": \"z\"}"));
        assertEquals(List.of("config.f", "config.a", "config.b", "config.c", "config.d", "config.e"), refused("{"
                + "\"f\": \"sk-proj-Ab3dEfGh1jKlMnOpQrStUv\","
                + "\"a\": \"ghp_0123456789abcdefABCDEF0123\", \"b\": \"xoxb-1234567890-abcdefghij\","
                + "\"c\": \"AKIAIOSFODNN7EXAMPLE\", \"d\": \"glpat-abcdefghij0123456789\","
                + "\"e\": \"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U\"}"));
    }

    @Test
    void aSecretNamedOnACommandOrShellLineIsASecret() throws Exception {
        // Each accepted by the rules of revision 3 (a user trial deployed them)
        for (String line : List.of("mysql --password=hunter2", "--password=hunter2", "DB_PASSWORD=hunter2 run",
                "export PGPASSWORD=hunter2", "MYSQL_PWD=hunter2", "curl -u admin:hunter2 http://x", "GITHUB_TOKEN=abc123def",
                "curl --user=admin:hunter2 http://x")) {
            assertEquals(List.of("config.cmd"), refused("{\"cmd\": \"" + line + "\"}"), line);
        }
        // A variable names where the secret is; a count is no secret; a user alone is none
        for (String line : List.of("DB_PASSWORD=$DB_PASSWORD run", "psql --max_tokens=100", "run --user=admin",
                "export LOG_LEVEL=debug", "make -j4 TOKEN_URL=https://auth.example.com/t", "partition key=tenant_id")) {
            assertEquals(List.of(), refused("{\"cmd\": \"" + line + "\"}"), line);
        }
    }

    @Test
    void whatNamesWhereASecretIsKeptAndOrdinaryTextStillPass() throws Exception {
        assertEquals(List.of(), refused("{\"api_token_ref\": \"vault:kv/jira#token\", \"token_url\": \"https://auth.example.com/token\","
                + " \"secret_name\": \"jira\", \"max_tokens\": 4096, \"secretary\": \"Ann\", \"plan\": \"Basic plan\","
                + " \"model\": \"sk-learn-gradient-boosting-classifier\", \"job\": \"risk-assessment-task-scheduler\","
                + " \"description\": \"Reads tickets; needs a token from the vault\", \"url\": \"https://jira.example.com/?project=SEC\"}"));
    }

    /**
     * A trial of realistic configurations (MCP tool schemas, OAuth blocks, Kubernetes references, DLP rules, settings
     * about secrets, variables) found each of these refused; none holds a secret.
     */
    @Test
    void whatRealConfigurationsSayAboutSecretsPasses() throws Exception {
        for (String config : List.of(
                "{\"tools\": [{\"inputSchema\": {\"properties\": {\"nextToken\": {\"type\": \"string\", \"description\": \"Token for the next page\"},"
                        + " \"key\": {\"type\": \"string\", \"description\": \"Redis key\"}}, \"required\": [\"key\", \"value\"]}}]}",
                "{\"auth\": {\"type\": \"oauth2\", \"token_url\": \"https://idp.example/token\", \"scopes\": [\"hosts:write\"],"
                        + " \"issuer\": \"https://idp.example\", \"audience\": \"warden\", \"email\": \"bot@acme.example\"}}",
                "{\"env\": {\"valueFrom\": {\"secretKeyRef\": {\"name\": \"jira\", \"key\": \"token\"}}}, \"project\": {\"key\": \"SEC\"},"
                        + " \"tolerations\": [{\"key\": \"dedicated\", \"operator\": \"Equal\"}], \"tags\": [{\"Key\": \"env\", \"Value\": \"prod\"}]}",
                "{\"jira\": {\"token\": \"$JIRA_TOKEN\"}, \"slack\": {\"token\": \"${SLACK_TOKEN}\"}, \"hec_token\": \"{{ secrets.HEC }}\","
                        + " \"headers\": {\"Authorization\": \"Bearer ${JIRA_TOKEN}\"},"
                        + " \"dsn\": \"postgres://warden:${DB_PASSWORD}@db.internal:5432/warden\", \"bot_token_env_var\": \"SLACK_BOT_TOKEN\"}",
                "{\"password_policy\": {\"min_length\": 14, \"complexity\": \"none\"}, \"token_budget\": 200000,"
                        + " \"token_expiry_seconds\": 3600, \"auth_retries\": 3, \"cookie_max_age\": 3600, \"secret_store\": \"vault\"}",
                "{\"redact_fields\": [\"password\", \"api_key\"], \"secret_patterns\": [\"AKIA[0-9A-Z]{16}\"],"
                        + " \"find\": [\"password=[^&\\\\s]+\", \"api_key=\\\\w+\", \"Authorization: Bearer .*\", \"-----BEGIN [A-Z ]*PRIVATE KEY-----\"]}",
                "{\"x\": \"Supports Bearer authentication and API keys for webhooks\", \"y\": \"Clients send `Authorization: Bearer <token>`\","
                        + " \"z\": \"const apiKey = process.env.PAYMENTS_API_KEY;\", \"w\": \"def connect(password=None):\","
                        + " \"v\": \"curl -H \\\"Authorization: Bearer $WARDEN_API_KEY\\\" -u \\\"$JIRA_USER:$JIRA_TOKEN\\\" https://x\","
                        + " \"u\": \"Rolled back: token_refresh_interval=300 broke SSO\", \"host\": \"sk-bratislava-dc1-esx01.corp.example\","
                        + " \"t\": \"Token: see the vault entry. API key: ask the SOC team. Password: rotated monthly\"}",
                "{\"propri\u00e9taire\": \"\u00e9quipe\", \"a\u00f1o_fiscal\": 2025, \"latency_\u00b5s\": 850, \"budget_\u20ac\": 1200}",
                "{\"eval\": {\"pass@1\": 0.81}, \"pin\": \"gpt-4o-2024-08-06\", \"secrets-store.csi.k8s.io/used\": \"true\","
                        + " \"vault.hashicorp.com/agent-inject-secret-jira-creds\": \"kv/data/soc/jira\", \"cookie_same_site\": \"Lax\"}")) {
            assertEquals(List.of(), refused(config), config);
        }
    }

    /** Words split at case changes as before the split became look-arounds (a run of capitals was read quadratically). */
    @Test
    void keysSplitIntoWordsAtCaseChanges() throws Exception {
        assertEquals(List.of("config.APIKey", "config.HTTPSProxyPassword", "config.xmlHTTPToken"),
                refused("{\"APIKey\": \"a\", \"HTTPSProxyPassword\": \"b\", \"xmlHTTPToken\": \"c\", \"HTTPSKeyId\": \"d\","
                        + " \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\": 1}"));
        assertEquals(List.of("api", "key"), SecretLike.words("APIKey"));
        assertEquals(List.of("https", "proxy", "password"), SecretLike.words("HTTPSProxyPassword"));
        assertEquals(List.of("my", "api", "key2", "id"), SecretLike.words("myAPIKey2Id"));
    }

    /** Forms the rules claimed and missed (the same trial): where the secret stood, not what it was. */
    @Test
    void secretsInsideProseQuotesOtherPairsAndKeysAreFound() throws Exception {
        for (String secret : List.of("Reads postgresql://auditor:UwIiju27TQreGO@db.internal:5432/audit hourly",
                "DATABASE_URL=postgres://app:wfBica90UnpUKq@db.internal/app", "jdbc:mysql://app:qBkfoy34QVCrYi@db.internal:3306/app",
                "git clone https://deploy:BqYgnw01GmmRbA@git.acme.internal/soc/rules.git",
                "DB_PASSWORD=\"kvfZWu06#xbocw\"", "export PGPASSWORD='HtBzOj92!NPmiN'; psql", "password = \"cmDkeZ91*eozwA\"",
                "Client(api_key=\"0Jtt8J91q4UxkaiOtqAQ1cIN4DBVDp8r\")", "kubectl create secret generic x --from-literal=token=G6OHwH7sRJ7SNBl6X",
                "docker run --env=DB_PASSWORD=snLXtA12#IPmPW img", "db = connect(password=BvopKz92%PziEA)",
                "https://hooks.slack.com/workflows/T0000/A0000/1234567890/abcdefghijkl", "curl -usoc-bot:yKNUfP74%xvtQL https://x",
                "ATATT3xFfGF0" + "a1B2c3D4e5F6g7H8i9J0".repeat(3), "hvs.CAESIJ3k9aB2c3D4e5F6g7H8i9J0k", "Bearer abc12345",
                "curl -H 'X-API-Key: 9f8e7d6c5b4a3210' https://x", "PRIVATE-TOKEN: Zx81nFo0aB3kLm9Q", "db:\n  password: Winter2024!x")) {
            assertEquals(List.of("config.x"), refused(JSON.writeValueAsString(java.util.Map.of("x", secret))), secret);
        }
        assertEquals(List.of("config.known_bots"), refused("{\"known_bots\": {\"ghp_umUBSmj1BdTjWdAL5CfmF1I08Nl6x187T9SJ\": \"ci-bot\"}}"),
                "a key holding a secret is named by its parent, not echoed back");
        assertEquals(List.of("config.key"), refused("{\"key\": \"a8Fk29dLq0Zx7Vb3Nm5Pq1\"}"), "key alone, holding a credential");
        assertEquals(List.of("config.pin"), refused("{\"pin\": \"4821\"}"), "pin alone, holding a number");
    }

    /**
     * Warden's own credentials first (a security re-trial stored an admin key, the platform key and a fleet
     * credential in a config, which a viewer read back), then more issuers' forms, and an assignment written with
     * spaces; what only looks alike passes.
     */
    @Test
    void wardensOwnCredentialsAndMoreIssuersAreSecrets() throws Exception {
        for (String secret : List.of("wdn_hmySwdVrJSgDwf3e5HADgH9_ddU7Of5atcvVgdhKi6M", "use wdn_hmySwdVrJSgDwf3e5HADgH9_ddU7Of",
                "wfi_Zx81nFo0aB3kLm9QpR2sTuVwXyZ01234", "wfe_Zx81nFo0aB3kLm9QpR2sTuVwXyZ01234",
                "sk_live_51HqLyjABCDEFGHIJKLmnop", "npm_abcdefghijklmnopqrstuvwxyz0123456789",
                "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH", "AIzaSyA1234567890abcdefghijklmnopqrstuv",
                "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX", "DB_PASSWORD = hunter2")) {
            assertEquals(List.of("config.x"), refused(JSON.writeValueAsString(java.util.Map.of("x", secret))), secret);
        }
        for (String fine : List.of("wdn_", "the wdn_ prefix marks an API key", "retries = 3", "partition key = tenant",
                "sk_live_", "npm_install")) {
            assertEquals(List.of(), refused(JSON.writeValueAsString(java.util.Map.of("x", fine))), fine);
        }
    }

    /**
     * Forms the secret corpus (docs/security.md) found passing: an argument list's option naming a secret and its
     * credential, the same option in a command line, ECS's and CloudFormation's capitalised name and value fields, JSON
     * written in a text, and a password's name in other languages; what only looks alike passes.
     */
    @Test
    void argumentListsCapitalisedPairsJsonInTextAndOtherLanguagesNamesHoldSecrets() throws Exception {
        assertEquals(List.of("config.args[3]"), refused("{\"args\": [\"--host\", \"db.internal\", \"--password\", \"Lqwb93#NxFFJ\", \"-v\"]}"));
        assertEquals(List.of("config.args[1]"), refused("{\"args\": [\"--token\", \"XCx1HwFOQ9JOJh36hksK2wB6\"]}"));
        assertEquals(List.of("config.env[0].Value"), refused("{\"env\": [{\"Name\": \"DB_PASSWORD\", \"Value\": \"nugu28*AFuvw\"}]}"));
        assertEquals(List.of("config.p[0].ParameterValue"),
                refused("{\"p\": [{\"ParameterKey\": \"DbPassword\", \"ParameterValue\": \"IKPO81!ANLIh\"}]}"));
        assertEquals(List.of("config.db.passwort", "config.db.mot_de_passe", "config.db.senha", "config.db.пароль"),
                refused("{\"db\": {\"passwort\": \"x\", \"mot_de_passe\": \"x\", \"senha\": \"x\", \"пароль\": \"x\"}}"));
        // Short names and one-word kinds: db_pw, ngrok's authtoken, Azure's AccountKey and subscription and functions
        // keys; pat alone holding a credential (a personal access token), as key alone does
        assertEquals(List.of("config.db_pw", "config.authtoken", "config.AccountKey", "config.h.Ocp-Apim-Subscription-Key",
                        "config.h.x-functions-key", "config.github.pat"),
                refused("{\"db_pw\": \"x\", \"authtoken\": \"x\", \"AccountKey\": \"x\", \"h\": {\"Ocp-Apim-Subscription-Key\": \"x\","
                        + " \"x-functions-key\": \"x\"}, \"github\": {\"pat\": \"258a88e1426e564cd09467abe966c6e03ed8bbd8\"}}"));
        assertEquals(List.of(), refused("{\"pat\": \"src/**/*.ts\", \"subscription\": {\"key\": \"basic-plan\"},"
                + " \"subscription_key_header\": \"Ocp-Apim-Subscription-Key\", \"accesstoken_ttl\": 3600, \"spatial\": \"x\"}"));
        for (String text : List.of("redis-cli -h cache --pass anMvFo59!oCApy ping", "Config: {\"user\": \"svc\", \"password\": \"sepj87%vsxLX\"}",
                "{\"api_key\": \"f0a45e5b674358773d4981f2412b7a56\"}")) {
            assertEquals(List.of("config.x"), refused(JSON.writeValueAsString(java.util.Map.of("x", text))), text);
        }
        // A method, a reference, a file's path, another option, an option's name in prose, a policy's length
        assertEquals(List.of(), refused("{\"a\": [\"--auth\", \"ldap\"], \"b\": [\"--password\", \"$DB_PASSWORD\"],"
                + " \"c\": [\"--token-file\", \"/run/secrets/jira\"], \"d\": [\"--password-stdin\", \"--username\", \"ci-bot-2024-builder\"],"
                + " \"e\": [{\"Name\": \"PASSWORD_MIN_LENGTH\", \"Value\": \"12\"}], \"f\": [\"-p\", \"127.0.0.1:8080:80\"]}"));
        // From a review: an option that reads its secret elsewhere before a host, a secret's spec of pairs, a method's
        // name of words, Playwright's PW_ variables, any ARN, a glob under pat
        assertEquals(List.of(), refused("{\"a\": [\"docker\", \"login\", \"--password-stdin\", \"123456789012.dkr.ecr.us-east-1.amazonaws.com\"],"
                + " \"b\": [\"--secret\", \"id=npmrc,src=$HOME/.npmrc\"], \"c\": [\"--auth-host\", \"scram-sha-256\"],"
                + " \"d\": [\"--default-auth\", \"mysql_native_password\"], \"env\": {\"PW_TEST_HTML_REPORT_OPEN\": \"never\"},"
                + " \"p\": [{\"ParameterKey\": \"SecretsKmsKeyArn\", \"ParameterValue\": \"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab\"}],"
                + " \"e\": [{\"Name\": \"SECRET_ROTATION_LAMBDA_ARN\", \"Value\": \"arn:aws:lambda:us-east-1:123456789012:function:rotate\"}],"
                + " \"pat\": \"**/test_2024*.py\"}"));
        assertEquals(List.of("config.datenbankpasswort", "config.ŞİFRE"), refused("{\"datenbankpasswort\": \"x\", \"ŞİFRE\": \"x\"}"));
        for (String text : List.of("Run with --token-file /run/secrets/x", "Pass --token YOUR_TOKEN", "use --password-stdin instead",
                "Example: {\"token\": \"<TOKEN>\"}", "set --secret-name my-app-secret-2024",
                "aws ecr get-login-password | docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com",
                "docker buildx build --secret id=npmrc,src=$HOME/.npmrc .", "initdb --auth-host scram-sha-256")) {
            assertEquals(List.of(), refused(JSON.writeValueAsString(java.util.Map.of("x", text))), text);
        }
    }

    /**
     * Forms the secret corpus listed as not claimed (session 55): a command's {@code -p} password, {@code .netrc} and
     * {@code .npmrc} lines, keys such as {@code app_key} holding a generated value, PuTTY's private keys, and more
     * issuers' forms; what only looks alike passes (a port, a prompt, prose, an idempotency or public key).
     */
    @Test
    void commandPasswordsNetrcAndNpmrcLinesGeneratedKeysAndMoreIssuersAreSecrets() throws Exception {
        for (String secret : List.of("mysql -h db.internal -u root -pLKlolv89#mgXVC soc",
                "docker login -u ci-bot -p vyZNTM05!JPlWa registry.acme.internal", "sshpass -p 'dVnwVR52%NFjBl' ssh admin@10.0.4.17",
                "helm registry login ghcr.io -u bot -p Xy12abCD34", "machine api.acme.internal login svc-soc password ahwGTZ48#CCoAi",
                "machine h\n  login u\n  password Zq9!kLm2x", "//registry.npmjs.org/:_authToken=4706074a-8e0d-4645-9529-4d9bc88e8bff",
                "FERNET_KEY=5aIh7VxcRjYrShorgH3tan5G_6e16Hc8fMUd7983pN_=", "routing_key: 65e7964bcc217a2a9b06897a16554f9c",
                "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPublic-Lines: 1\nAAAAC3Nz\nPrivate-Lines: 1\nsgnM+S2S+bfbMvtqcz+TYIGq6l8HzCVKPJ6jMn",
                "xoxe-1-D75Z6B38MDCAKCBC8H7P28Q75PI31ZO1BF3J06", "SK25d6b82eb69a961c108cc34ac1d6edd4:bVRfG6VLYtcf50VFNprtzYoQEjJdB947",
                "key-ae6c5a1fe5ebfe3a46f8daaf567c4a09",
                "KSZ8Q~86UOdI9TsN_S6_i_UbBwCaLyILS.xyX", "NzIyMDU1Nzc5NTgwNzUxNTk3.tJ_yyZ.Z_toiO3pVTGHFaQaDRXb6v9s20hBXlgPlG4Gm-",
                "3346746713:AAaSX9UXOZmZgT31N82yA_TDBaNyJfScJYJ",
                "https://discord.com/api/webhooks/9095274946810852689/FbJ0LCb49Km1D6WW5ODAmyVRlKOr3kFg7MBZKFHhrqn8dfF9K4fU5YknCGRAEAPiu-pk",
                "https://acme.webhook.office.com/webhookb2/ad47a9829fd3e081773d@c12ffeb95a7657f925/IncomingWebhook/a21012f9198875414a02/1ac95fc786d6",
                // From a review: close variants
                "export SSHPASS='dVnwVR52%NFjBl'; sshpass -e ssh admin@h", "docker login reg -u ci-bot -pvyZNTM05JPlWa",
                "az acr login -n acmereg -u acmereg -p Xy12abCD34ef", "mysqlsh -uroot -pS3cretPass1", "mongosh mongodb://db -u admin -p S3cretPass1",
                "machine h password Zq9!kLm2x login u", "machine h login u account ops password Zq9!kLm2x",
                "machine h\n\tlogin u\n\tpassword 'ahwGTZ48CCoAi'", "APP_KEY=base64:2flqQwT0nLk8K3vYpZr5uVxB1sDe7hJm9aGcNoPiM10=",
                // From a review: a password that begins with a sign, or of upper case and digits, is no placeholder
                "sshpass -p !Passw0rd123 ssh h", "mysql -p#Str0ngPass1", "docker login -u bob -p ABCD1234EFGH5678 reg.io",
                "machine h login u password *Secr3t!x")) {
            assertEquals(List.of("config.x"), refused(JSON.writeValueAsString(java.util.Map.of("x", secret))), secret);
        }
        for (String fine : List.of("mysql -h db -u root -p soc", "mysql -u root -p -e 'select 1'", "mysql -P 3306 --protocol=tcp",
                "mysql -u app -p$MYSQL_PWD app", "docker run -p 8080:80 nginx", "docker login with -p is deprecated",
                "docker login -u AWS --password-stdin 1234.dkr.ecr.us-east-1.amazonaws.com", "sshpass -e ssh admin@h",
                "psql -h db -p 5432 -U app", "The machine learning login page password reset flow",
                "//registry.npmjs.org/:_authToken=${NPM_TOKEN}", "IDEMPOTENCY_KEY=5f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f",
                "routing_key: orders.created", "SKU SK0001", "key-value store", "see https://discord.com/api/webhooks",
                // From a review of realistic values: ssh's port after sshpass's own options, a port after a name or path
                // that only reads like a command, another tool after a registry's login, Markdown's backticks around a
                // reference, tags of pairs after a colon, dotted type names, a placeholder bot token, anonymous FTP,
                // public keys, a Twilio key's id alone
                "sshpass -e ssh -p 2222 -o StrictHostKeyChecking=accept-new ops@bastion", "sshpass -f /run/secrets/pw ssh -p 2222 admin@h",
                "rsync -az -e \"sshpass -e ssh -p 2222\" ./logs/ ops@collector:/srv/logs/",
                "find /var/lib/mysql -name '*.ibd' | xargs du -ch -pX", "terraform apply -target=module.mysql -parallelism=5",
                "docker run -d --name mysql -p3306:3306 mysql:8.0", "Connect to the mysql replica via ssh -p2222 ops@db-replica-2",
                "docker run -d --name login -p 8080:8080 ghcr.io/acme/login:1.4", "docker login ghcr.io, then docker-compose -p warden-dev up -d",
                "Avoid `mysql -p$MYSQL_PWD`, it shows in ps.", "Avoid `docker login -u bot -p <token>`; use --password-stdin.",
                "Example .netrc: `machine api.github.com login ci-bot password <token>`", "machine git.acme.io login bot password from-vault",
                "machine ftp.gnu.org login anonymous password soc-bot@acme.example", "component:auth=oidc", "dlp:token=mask",
                "MonitoringAndObservability.Alerts.PrometheusAlertmanagerWebhookPayload",
                "123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "s3://acme-soc/key-3c59dc048e8850243be8079a5c74d079.json",
                "NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY=pk_test_TYooMQauvdEDq54NiTphI7jx", "SK8f14e45fceea167a5a36dedd4bea2543",
                // From a second review: documentation's placeholders and references (spaced, upper-case, before
                // punctuation), a -p that prompts before the next option, a port mapping after a container's name, the
                // default password in prose, a later command's -p, dotted type names, webhook templates, PuTTY in prose
                "docker login -u <username> -p <access token> registry.acme.io", "sshpass -p <ssh password> ssh ops@bastion",
                "mysql -u root -p\"<root password>\" -h db", "//npm.pkg.github.com/:_authToken=TOKEN",
                "machine github.com login USERNAME password <personal access token>", "helm registry login ghcr.io -u USERNAME -p TOKEN",
                "docker login -u $DOCKER_USER -p $DOCKER_PASSWORD, then push", "Set //registry.npmjs.org/:_authToken=${NPM_TOKEN}.",
                "docker login -u {username} -p {password}", "mysql -uroot -p#{password} app", "docker login -u ci -p op://CI/ghcr/token",
                "mongo --port 27017 -u \"myUserAdmin\" -p --authenticationDatabase \"admin\"", "cqlsh cassandra.internal 9042 -u soc -p --ssl",
                "docker run -d --name mongo -p 127.0.0.1:27017:27017 mongo:7", "docker run -d --name mongo -p 27017:27017/tcp mongo:7",
                "The default password MUST be changed at first login.", "Change the default password ASAP after provisioning",
                "Run docker login ghcr.io then docker compose -p warden-v2 up -d", "Check the mongo pod with kubectl logs -p mongo-0 -n data",
                "Stop mysql before cp -pR /var/lib/mysql /backup", "kubectl logs -n mongo mongo-0 -p --tail=200",
                "MicrosoftGraphV1Connectors.Events.SecurityAlertCreatedEventHandler",
                "https://discord.com/api/webhooks/000000000000000000/XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
                "PuTTY key files carry Public-Lines: 6 and Private-Lines: 14 lines of base64", "See runbook xoxe-rotation-runbook-v2",
                "apt-get install -y openssh-client sshpass=1.09-1ubuntu1")) {
            assertEquals(List.of(), refused(JSON.writeValueAsString(java.util.Map.of("x", fine))), fine);
        }
        assertEquals(List.of("config.pagerduty.routing_key", "config.datadog.app_key", "config.azure.storage_key", "config.command",
                        "config.args[2]"),
                refused("{\"pagerduty\": {\"routing_key\": \"65e7964bcc217a2a9b06897a16554f9c\"},"
                        + " \"datadog\": {\"app_key\": \"a6da3a5acb2de5a2edc9f96fe0c58374e7a541af\"},"
                        + " \"azure\": {\"storage_key\": \"EAd0Tvf1P1Q2MOIt6ANdZHiMgDPU28LBC81rCboY5rspXpau6kl65iqM/qcQbR66==\"},"
                        + " \"command\": [\"sshpass\", \"-p\", \"dVnwVR52NFjBl\", \"ssh\", \"admin@10.0.4.17\"],"
                        + " \"args\": [\"bash\", \"-c\", \"mysql -uroot -pS3cretPass1 app\"]}"));
        assertEquals(List.of(), refused("{\"idempotency_key\": \"5f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f\","
                + " \"cache_key\": \"a6da3a5acb2de5a2edc9f96fe0c58374e7a541af\","
                + " \"public_key\": \"MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\", \"routing_key\": \"orders.created.v1\","
                + " \"project_key\": \"SEC\", \"tenant_key\": \"123e4567-e89b-12d3-a456-426614174000\","
                + " \"s3_key\": \"reports/2024/a6da3a5acb2de5a2edc9f96fe0c58374.json\", \"storage_key\": \"/Users/Alice/Keys2024/x.key\", \"model_key\": \"gpt-4o-2024-08-06\","
                + " \"command\": [\"docker\", \"run\", \"-p\", \"8080:80\", \"nginx\"], \"db\": [\"mysql\", \"-h\", \"db\", \"-p\", \"app\"],"
                // From a review: ssh's port after sshpass, separate commands in a list, keys whose values look generated
                // and are none (an incident's dedup key, a publishable or site key, a KMS key's name, a readable routing key)
                + " \"ssh\": [\"sshpass\", \"-e\", \"ssh\", \"-p\", \"2222\", \"admin@h\"],"
                + " \"setup\": [\"docker login ghcr.io -u ci --password-stdin\", \"pg_isready -h db -p 5432\", \"echo ready\"],"
                + " \"incident_key\": \"8f14e45fceea167a5a36dedd4bea2543\", \"publishable_key\": \"pk_test_TYooMQauvdEDq54NiTphI7jx\","
                + " \"site_key\": \"6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI\", \"aggregation_key\": \"a6da3a5acb2de5a2edc9f96fe0c58374\","
                + " \"kms_key\": \"projects/acme/locations/us/keyRings/warden/cryptoKeys/agent-config\","
                + " \"routing_key2\": {\"routing_key\": \"Soc.Alerts.HighSeverity.Region1\"},"
                // From a second review: the tool's name, names of words, a path, a KMS key's name, an SSH public key
                + " \"commands\": {\"sshpass\": \"deny\"}, \"apt_packages\": [\"sshpass\", \"openssh-client\"],"
                + " \"q\": {\"routing_key\": \"Soc_Alerts_HighSeverity_Region1\", \"integration_key\": \"JiraCloud_SecurityProject_v2\","
                + " \"storage_key\": \"UploadsByTenant/Acme42/AuditLogs\", \"service_key\": \"AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsab\","
                + " \"aes_key\": \"projects/acme-sec-prod/locations/europe-west1/keyRings/soc/cryptoKeys/agentConfig\"},"
                + " \"mongo\": [\"mongosh\", \"--host\", \"db\", \"-u\", \"admin\", \"-p\", \"--authenticationDatabase\", \"admin\"]}"));
        assertEquals(List.of("config.x", "config.y"), refused("{\"x\": \"NzIyMDU1Nzc5NTgwNzUxNTk3.tJ_yyZ.Z_toiO3pVTGHFaQaDRXb6v9s20hBXlgPlG4Gm-\","
                + " \"y\": \"export SSHPASS='dVnwVR52%NFjBl'\", \"sshpass\": \"deny\"}"));
        assertEquals(List.of("config.b.routingKey"), refused("{\"b\": {\"routingKey\": \"R0293K7ZQXW3PDJ6G4M1B8XH2N5YV9AT\"}}"));
        // From a review: under such a key, every other form a secret takes still counts; a short random key is no name of
        // words; an argument list names its command by its path
        assertEquals(List.of("config.service_key", "config.app_key", "config.storage_key", "config.short_app_key.app_key",
                        "config.a", "config.b"),
                refused("{\"service_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\","
                        + " \"app_key\": \"postgres://admin:S3cretPw1@db/app\", \"storage_key\": \"xoxb-1234567890-abcdefghij\","
                        + " \"short_app_key\": {\"app_key\": \"kQ3vX9bZ2mN7pL4tR8wY1cF6\"},"
                        + " \"a\": [\"/usr/bin/sshpass\", \"-p\", \"S3cretPw1x\", \"ssh\", \"h\"], \"b\": [\"/usr/bin/mysql\", \"-uroot\", \"-pS3cretPw1x\"]}"));
    }
}
