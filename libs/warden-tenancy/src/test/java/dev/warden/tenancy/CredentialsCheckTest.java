package dev.warden.tenancy;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CredentialsCheckTest {

    private static final Optional<String> USER = Optional.of("warden_app");
    private static final Optional<String> PASSWORD = Optional.of("secret");

    @Test
    void nothingIsMissingWithTheRuntimeRoleAndAnAuthenticatedKafkaPrincipal() {
        assertEquals(List.of(), CredentialsCheck.missing(USER, PASSWORD, Map.of("security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config", "login"), false));
        assertEquals(List.of(), CredentialsCheck.missing(USER, PASSWORD, Map.of("security.protocol", "SSL"), false));
    }

    @Test
    void eachMissingCredentialIsNamed() {
        List<String> missing = CredentialsCheck.missing(Optional.empty(), Optional.of(" "), Map.of(), false);
        assertEquals(3, missing.size(), missing.toString());
        assertTrue(missing.get(0).startsWith("WARDEN_DB_APP_USER"));
        assertTrue(missing.get(1).startsWith("WARDEN_DB_APP_PASSWORD"));
        assertTrue(missing.get(2).startsWith("KAFKA_SECURITY_PROTOCOL"));
        assertTrue(CredentialsCheck.missing(USER, PASSWORD, Map.of("security.protocol", "sasl_plaintext"), false)
                .getFirst().startsWith("KAFKA_SASL_JAAS_CONFIG"));
    }

    @Test
    void anUnauthenticatedBrokerConnectionIsAcceptedOnlyWhenConfiguredSo() {
        assertEquals(List.of(), CredentialsCheck.missing(USER, PASSWORD, Map.of("security.protocol", "PLAINTEXT"), true));
    }
}
