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
        assertEquals(List.of("config.x"), refused("{\"x\": \"Bearer abc\"}"));
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
}
