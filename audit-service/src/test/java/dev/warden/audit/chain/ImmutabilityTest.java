package dev.warden.audit.chain;

import dev.warden.audit.support.AuditFixtures;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.TestOrganizations.TestOrg;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import java.util.stream.IntStream;

import static dev.warden.audit.support.AuditFixtures.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The log cannot be changed through the service, is refused by the database, and a change behind both is found. */
@QuarkusTest
class ImmutabilityTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    TenantDb db;

    private TestOrg org;

    @BeforeEach
    void fiveEntries() {
        org = AuditFixtures.organization();
        AuditFixtures.publish(IntStream.range(0, 5)
                .mapToObj(i -> AuditFixtures.deployed(org.id(), "agent-" + i, i + 1, "img:v" + (i + 1))).toList());
        Awaitility.await().atMost(WAIT)
                .until(() -> as(org, "auditor").get("/v1/audit").then().extract().<Integer>path("total") == 5);
    }

    @Test
    void theRuntimeRoleCanNeitherUpdateNorDelete() {
        for (String statement : List.of("UPDATE audit_entries SET actor = 'mallory'", "DELETE FROM audit_entries",
                "TRUNCATE audit_entries")) {
            Exception refused = assertThrows(Exception.class, () -> db.inOrg(org.id(), conn -> conn.query(statement).execute())
                    .await().atMost(WAIT));
            assertTrue(refused.getMessage().contains("permission denied"), statement + ": " + refused.getMessage());
        }
    }

    @Test
    void theTriggerRefusesChangesEvenToTheOwner() throws SQLException {
        try (Connection c = superuser(); Statement s = c.createStatement()) {
            for (String statement : List.of("UPDATE audit_entries SET actor = 'mallory' WHERE org_id = '" + org.id() + "'",
                    "DELETE FROM audit_entries WHERE org_id = '" + org.id() + "'", "TRUNCATE audit_entries")) {
                SQLException refused = assertThrows(SQLException.class, () -> s.execute(statement));
                assertTrue(refused.getMessage().contains("append-only"), refused.getMessage());
            }
        }
        as(org, "auditor").get("/v1/audit/verify").then().body("valid", equalTo(true));
    }

    @Test
    void aRowTamperedWithBehindTheTriggerIsNamedByVerification() throws SQLException {
        try (Connection c = superuser(); Statement s = c.createStatement()) {
            // A superuser can switch triggers off: exactly the attack the hash chain exists to expose.
            s.execute("SET session_replication_role = replica");
            s.execute("UPDATE audit_entries SET actor = 'mallory' WHERE org_id = '" + org.id() + "' AND sequence = 3");
        }

        as(org, "auditor").get("/v1/audit/verify").then().statusCode(200)
                .body("valid", equalTo(false))
                .body("first_invalid_sequence", equalTo(3));
        as(org, "auditor").get("/v1/audit/verify?from=1&to=2").then().body("valid", equalTo(true));
    }

    @Test
    void aDeletedRowIsNamedByVerification() throws SQLException {
        try (Connection c = superuser(); Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica");
            s.execute("DELETE FROM audit_entries WHERE org_id = '" + org.id() + "' AND sequence = 4");
        }

        as(org, "auditor").get("/v1/audit/verify").then().statusCode(200)
                .body("valid", equalTo(false))
                .body("first_invalid_sequence", equalTo(4));
    }

    private static Connection superuser() throws SQLException {
        LocalPostgres pg = WardenInfra.postgres();
        return DriverManager.getConnection(pg.jdbcUrl("warden_audit_test"), pg.superUser(), pg.superPassword());
    }

}
