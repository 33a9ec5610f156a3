package dev.warden.agent.secrets;

import dev.warden.agent.support.AgentMother;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.api.Checks;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Configs an older Warden stored with secrets in them (before they were refused, or under older rules), as an upgrade
 * finds them: each secret is named for rotation, by field and never by value, once per revision of the rules.
 */
@QuarkusTest
class StoredSecretsTest {

    @Inject
    StoredSecrets storedSecrets;

    @Test
    void configsStoredBeforeSecretsWereRefusedAreCheckedOnceAndEachSecretNamed() throws SQLException {
        Tenant tenant = Tenants.create();
        String agent = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        tenant.admin().body(Map.of("image_uri", "registry.example.com/a:v1", "config", Map.of("region", "eu")))
                .post("/v1/agents/" + agent + "/deploy").then().statusCode(200);
        tenant.admin().body(Map.of("image_uri", "registry.example.com/a:v2", "config", Map.of("region", "us")))
                .post("/v1/agents/" + agent + "/deploy").then().statusCode(200);
        tenant.admin().body(Map.of("connector", "jira", "config", Map.of("project", "SEC")))
                .post("/v1/agents/" + agent + "/connectors").then().statusCode(201);

        // As an older Warden left them: version 1 and the binding with secrets, version 2 clean, none of them checked
        owner("UPDATE agent_versions SET config = '{\"env\": {\"DB_PASSWORD\": \"hunter2-stored\"}}', secrets_checked = 0 "
                + "WHERE agent_id = ? AND version = 1", agent);
        owner("UPDATE agent_versions SET secrets_checked = 0 WHERE agent_id = ? AND version = 2", agent);
        owner("UPDATE connector_bindings SET config = '{\"api_token\": \"SECRET-stored\"}', secrets_checked = 0 "
                + "WHERE agent_id = ?", agent);

        List<String> named = storedSecrets.check().stream().filter(line -> line.contains(agent)).toList();

        assertEquals(2, named.size(), named.toString());
        assertTrue(named.stream().anyMatch(l -> l.contains("version 1: config.env.DB_PASSWORD looks like a secret")), named.toString());
        assertTrue(named.stream().anyMatch(l -> l.contains("(jira): config.api_token looks like a secret")), named.toString());
        assertTrue(named.stream().allMatch(l -> l.contains("Organization " + tenant.orgId())), named.toString());
        assertFalse(named.stream().anyMatch(l -> l.contains("hunter2") || l.contains("SECRET-stored")), "no value is logged");
        assertEquals(List.of(Checks.SECRET_RULES_REVISION), checkedWith(agent), "every config recorded as checked");
        String counted = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString().lines()
                .filter(l -> l.startsWith("warden_stored_config_secrets_total")).findFirst().orElseThrow();
        assertTrue(Double.parseDouble(counted.substring(counted.lastIndexOf(' ') + 1)) >= 2, counted);

        // Checked once per revision: the next start finds nothing more of this agent's
        assertTrue(storedSecrets.check().stream().noneMatch(line -> line.contains(agent)));
    }

    private static void owner(String sql, String agent) throws SQLException {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, UUID.fromString(agent));
            assertEquals(1, s.executeUpdate(), sql);
        }
    }

    private static List<Integer> checkedWith(String agent) throws SQLException {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement("""
                SELECT DISTINCT secrets_checked FROM (SELECT secrets_checked FROM agent_versions WHERE agent_id = ?
                    UNION ALL SELECT secrets_checked FROM connector_bindings WHERE agent_id = ?) c""")) {
            s.setObject(1, UUID.fromString(agent));
            s.setObject(2, UUID.fromString(agent));
            try (ResultSet rs = s.executeQuery()) {
                List<Integer> revisions = new java.util.ArrayList<>();
                while (rs.next()) {
                    revisions.add(rs.getInt(1));
                }
                return revisions;
            }
        }
    }

    private static Connection connect() throws SQLException {
        LocalPostgres pg = WardenInfra.postgres();
        return DriverManager.getConnection(pg.jdbcUrl("warden_agent_test"), pg.superUser(), pg.superPassword());
    }
}
