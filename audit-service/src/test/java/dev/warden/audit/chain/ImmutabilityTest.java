package dev.warden.audit.chain;

import dev.warden.audit.support.AuditFixtures;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.PrometheusText;
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
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The log cannot be changed through the service, is refused by the database, and a change behind both is found. */
@QuarkusTest
class ImmutabilityTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    TenantDb db;

    @Inject
    ChainVerifier verifier;

    private TestOrg org;
    /** The chain's head before the five entries: the entries of the organization's own creation. */
    private int base;

    @BeforeEach
    void fiveEntries() {
        org = AuditFixtures.organization();
        base = AuditFixtures.head(org);
        AuditFixtures.publish(IntStream.range(0, 5)
                .mapToObj(i -> AuditFixtures.deployed(org.id(), "agent-" + i, i + 1, "img:v" + (i + 1))).toList());
        Awaitility.await().atMost(WAIT)
                .until(() -> as(org, "auditor").get("/v1/audit").then().extract().<Integer>path("total") == base + 5);
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
            s.execute("UPDATE audit_entries SET actor = 'mallory' WHERE org_id = '" + org.id() + "' AND sequence = "
                    + (base + 3));
        }

        as(org, "auditor").get("/v1/audit/verify").then().statusCode(200)
                .body("valid", equalTo(false))
                .body("first_invalid_sequence", equalTo(base + 3));
        as(org, "auditor").get("/v1/audit/verify?from=1&to=" + (base + 2)).then().body("valid", equalTo(true));
    }

    @Test
    void aDeletedRowIsNamedByVerification() throws SQLException {
        try (Connection c = superuser(); Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica");
            s.execute("DELETE FROM audit_entries WHERE org_id = '" + org.id() + "' AND sequence = " + (base + 4));
        }

        as(org, "auditor").get("/v1/audit/verify").then().statusCode(200)
                .body("valid", equalTo(false))
                .body("first_invalid_sequence", equalTo(base + 4));
    }

    @Test
    void withoutFromVerificationStartsAfterTheNewestCheckpointAndTheBackgroundOneChecksTheWholeChain() throws SQLException {
        as(org, "auditor").post("/v1/audit/checkpoints").then().statusCode(201).body("sequence", equalTo(base + 5));
        AuditFixtures.publish(List.of(AuditFixtures.deployed(org.id(), "agent-9", 9, "img:v9")));
        Awaitility.await().atMost(WAIT)
                .until(() -> as(org, "auditor").get("/v1/audit").then().extract().<Integer>path("total") == base + 6);
        tamper(base + 3);

        as(org, "auditor").get("/v1/audit/verify").then().statusCode(200)
                .body("valid", equalTo(true)).body("from", equalTo(base + 6)).body("to", equalTo(base + 6))
                .body("head", equalTo(base + 6))
                .body("entries_checked", equalTo(1))
                .body("checkpoint.sequence", equalTo(base + 5)).body("checkpoint.signature_valid", equalTo(true));

        double invalidBefore = invalidVerdicts();
        String location = as(org, "auditor").post("/v1/audit/verifications").then().statusCode(202)
                .body("head", equalTo(base + 6)).extract().header("Location");
        Awaitility.await().atMost(WAIT).until(() -> !"running".equals(as(org, "auditor").get(location).then()
                .statusCode(200).extract().path("status")));
        as(org, "auditor").get(location).then()
                .body("status", equalTo("invalid")).body("first_invalid_sequence", equalTo(base + 3))
                .body("progress", equalTo(100)).body("completed_at", notNullValue());
        assertEquals(invalidBefore + 1, invalidVerdicts(), "the broken chain counts for the alert");
        as(org, "viewer").post("/v1/audit/verifications").then().statusCode(403);
        as(AuditFixtures.organization(), "auditor").get(location).then().statusCode(404);
    }

    @Test
    void anEntryThatNoLongerHasItsCheckpointsHashFailsVerificationFromThatCheckpoint() throws SQLException {
        as(org, "auditor").post("/v1/audit/checkpoints").then().statusCode(201).body("sequence", equalTo(base + 5));
        tamper(base + 5);

        double invalidBefore = invalidVerdicts();
        as(org, "auditor").get("/v1/audit/verify").then().statusCode(200)
                .body("valid", equalTo(false)).body("first_invalid_sequence", equalTo(base + 5))
                .body("checkpoint.matches_chain", equalTo(false));
        // A verification asked for synchronously counts for the alert too (it did not)
        assertEquals(invalidBefore + 1, invalidVerdicts(), "the broken chain counts for the alert");
    }

    @Test
    void aRangeLongerThanARequestMayCheckIsRefusedAndPointsToTheBackgroundVerification() throws SQLException {
        // Past the head, a range ends at the head, for verify as for export (verify refused 1 to a billion in a chain
        // of a few entries as too long, while export answered it)
        as(org, "auditor").get("/v1/audit/verify?from=1&to=999999999").then().statusCode(200)
                .body("valid", equalTo(true)).body("to", equalTo(base + 5));
        as(org, "auditor").get("/v1/audit/export?from=1&to=999999999").then().statusCode(200)
                .body("to", equalTo(base + 5));
        // A sequence is the document's int64, as the column is, not refused past 2^31 - 1
        as(org, "auditor").get("/v1/audit/export?from=1&to=9223372036854775807").then().statusCode(200)
                .body("to", equalTo(base + 5));
        as(org, "auditor").get("/v1/audit/verify?from=1&to=2147483648").then().statusCode(200).body("valid", equalTo(true));
        as(org, "auditor").get("/v1/audit/verify?to=9223372036854775808").then().statusCode(400)
                .body("error.details[0].field", equalTo("to"));
        // A chain longer than one request may check: its head moved on by a superuser for the moment of the test
        moveHead(200_000);
        try {
            as(org, "auditor").get("/v1/audit/verify?from=1&to=100001").then().statusCode(400)
                    .body("error.details[0].field", equalTo("to"))
                    .body("error.message", containsString("/v1/audit/verifications"));
            as(org, "auditor").get("/v1/audit/export?from=1&to=100001").then().statusCode(400)
                    .body("error.details[0].field", equalTo("to"));
        } finally {
            moveHead(-200_000);
        }
    }

    /**
     * One whole-chain verification at a time per organization, counted in the database (every replica together): while
     * one runs (here one another replica started, its row as that replica wrote it), another is a 429 naming it; one that
     * stopped moving (its replica gone) no longer counts; another organization is not affected.
     */
    @Test
    void oneWholeChainVerificationRunsAtATimePerOrganization() throws SQLException {
        java.util.UUID running = java.util.UUID.randomUUID();
        try (Connection c = superuser(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO chain_verifications (id, org_id, status, head, requested_by, requested_at, updated_at) "
                    + "VALUES ('" + running + "', '" + org.id() + "', 'running', " + (base + 5) + ", 'api-key:other', now(), now())");
        }
        as(org, "auditor").post("/v1/audit/verifications").then().statusCode(429)
                .header("Retry-After", notNullValue()).body("error.code", equalTo("too_many_requests"))
                .body("error.message", containsString("/v1/audit/verifications/" + running));
        as(AuditFixtures.organization(), "auditor").post("/v1/audit/verifications").then().statusCode(202);

        try (Connection c = superuser(); Statement s = c.createStatement()) {
            s.execute("UPDATE chain_verifications SET updated_at = now() - interval '3 minutes' WHERE id = '" + running + "'");
        }
        String location = as(org, "auditor").post("/v1/audit/verifications").then().statusCode(202).extract().header("Location");
        Awaitility.await().atMost(WAIT).until(() -> "valid".equals(as(org, "auditor").get(location).then()
                .statusCode(200).extract().path("status")));
        as(org, "auditor").get("/v1/audit/verifications/" + running).then().body("status", equalTo("failed"));
    }

    private void moveHead(int by) throws SQLException {
        try (Connection c = superuser(); Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica");
            s.execute("UPDATE audit_chain_heads SET sequence = sequence + " + by + " WHERE org_id = '" + org.id() + "'");
        }
    }

    /**
     * An export is answered to one request of an organization at a time on an instance (a user trial's ten exports at
     * once of 55 MB each slowed every other organization's requests to seconds): beyond, a 429 with Retry-After, while
     * another organization's export is answered; the slot is given back once an answer is sent, a refusal's too.
     */
    @Test
    void anExportIsAnsweredToOneRequestOfAnOrganizationAtATime() {
        dev.warden.api.Slots.Held held = verifier.exportSlot(org.id());
        try {
            as(org, "auditor").get("/v1/audit/export").then().statusCode(429)
                    .header("Retry-After", notNullValue()).body("error.code", equalTo("too_many_requests"));
            TestOrg other = AuditFixtures.organization();
            as(other, "auditor").get("/v1/audit/export").then().statusCode(200).body("org_id", equalTo(other.id().toString()));
        } finally {
            held.read();
            held.answered();
        }
        as(org, "auditor").get("/v1/audit/export?from=" + (base + 4) + "&to=" + (base + 2)).then().statusCode(400);
        for (int i = 0; i < 3; i++) {
            as(org, "auditor").get("/v1/audit/export").then().statusCode(200).body("to", equalTo(base + 5))
                    .body("entries.size()", equalTo(base + 5));
        }
    }

    @Test
    void aRangeThatVouchesForNothingIsA400NotValid() {
        // Five entries after base. Inverted; past the head (a chain shorter than the caller expects); below the checkpoint
        as(org, "auditor").get("/v1/audit/verify?from=" + (base + 4) + "&to=" + (base + 2)).then().statusCode(400)
                .body("error.details[0].field", equalTo("to"));
        as(org, "auditor").get("/v1/audit/export?from=" + (base + 4) + "&to=" + (base + 2)).then().statusCode(400)
                .body("error.details[0].field", equalTo("to"));
        as(org, "auditor").get("/v1/audit/verify?from=" + (base + 7)).then().statusCode(400)
                .body("error.details[0].field", equalTo("from"));
        as(org, "auditor").get("/v1/audit/export?from=" + (base + 7)).then().statusCode(400)
                .body("error.details[0].field", equalTo("from"));
        // Just past the head: nothing new since the last check, which is no mistake
        as(org, "auditor").get("/v1/audit/verify?from=" + (base + 6)).then().statusCode(200)
                .body("valid", equalTo(true)).body("entries_checked", equalTo(0));
        as(org, "auditor").post("/v1/audit/checkpoints").then().statusCode(201).body("sequence", equalTo(base + 5));
        as(org, "auditor").get("/v1/audit/verify?to=" + (base + 3)).then().statusCode(400)
                .body("error.details[0].field", equalTo("to"));
        // A status filter is one of the statuses entries have: a typo is a 400, not an empty page
        as(org, "auditor").get("/v1/audit?status=sucess").then().statusCode(400)
                .body("error.details[0].field", equalTo("status"));
        as(org, "auditor").get("/v1/audit?status=success").then().statusCode(200);
        // A time range ending before it starts finds nothing because it is a mistake: a 400, as for verify and export
        as(org, "auditor").get("/v1/audit?from=2026-12-01T00:00:00Z&to=2025-01-01T00:00:00Z").then().statusCode(400)
                .body("error.details[0].field", equalTo("to"));
        as(org, "auditor").get("/v1/audit?from=2025-01-01T00:00:00Z&to=2025-01-01T00:00:00Z").then().statusCode(200);
    }

    private void tamper(int sequence) throws SQLException {
        try (Connection c = superuser(); Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica");
            s.execute("UPDATE audit_entries SET actor = 'mallory' WHERE org_id = '" + org.id() + "' AND sequence = " + sequence);
        }
    }

    private static Connection superuser() throws SQLException {
        LocalPostgres pg = WardenInfra.postgres();
        return DriverManager.getConnection(pg.jdbcUrl("warden_audit_test"), pg.superUser(), pg.superPassword());
    }

    private static double invalidVerdicts() {
        return PrometheusText.parse(given().get("/q/metrics").then().statusCode(200).extract().asString())
                .value("warden_audit_chain_verifications_total", "result", "invalid", "source", "request");
    }
}
