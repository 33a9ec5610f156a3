package dev.warden.audit.chain;

import dev.warden.audit.support.AuditFixtures;
import dev.warden.audit.support.ScrubProfile;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.LogCapture;
import dev.warden.testing.PrometheusText;
import dev.warden.testing.TestOrganizations.TestOrg;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.stream.IntStream;

import static dev.warden.audit.support.AuditFixtures.as;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A chain altered behind the service is found without anyone asking: the scrub goes over every chain, logs an error
 * naming the organization and the entry, and counts an invalid verdict, which is what WardenAuditChainBroken fires on.
 */
@QuarkusTest
@TestProfile(ScrubProfile.class)
class ChainScrubTest {

    @Test
    void anEntryAlteredBehindTheServiceIsFoundUnaskedNamedInTheLogAndCountedForTheAlert() throws Exception {
        TestOrg org = AuditFixtures.organization();
        int base = withEntries(org, 4);

        try (LogCapture log = LogCapture.start()) {
            double before = scrubVerdicts("invalid");
            behindTheTriggers("UPDATE audit_entries SET actor = 'mallory' WHERE org_id = '" + org.id() + "' AND sequence = "
                    + (base + 2));

            String named = "The audit chain of organization " + org.id() + " does not verify: entry " + (base + 2);
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> !log.mentioning(named).isEmpty());
            assertTrue(scrubVerdicts("invalid") > before, "the broken chain counts for the alert");
            assertTrue(scrubVerdicts("valid") > 0, "the other chains verified");
        }
    }

    /** A chain cut below its signed checkpoint, its head rewritten to match, is found too. */
    @Test
    void aChainCutBelowItsSignedCheckpointIsFoundUnasked() throws Exception {
        TestOrg org = AuditFixtures.organization();
        int base = withEntries(org, 3);
        as(org, "auditor").post("/v1/audit/checkpoints").then().statusCode(201);

        try (LogCapture log = LogCapture.start()) {
            behindTheTriggers("DELETE FROM audit_entries WHERE org_id = '" + org.id() + "' AND sequence = " + (base + 3),
                    "UPDATE audit_chain_heads SET sequence = " + (base + 2) + ", hash = (SELECT hash FROM audit_entries"
                            + " WHERE org_id = '" + org.id() + "' AND sequence = " + (base + 2) + ") WHERE org_id = '" + org.id() + "'");
            String named = "The audit chain of organization " + org.id() + " does not verify: it ends at entry " + (base + 2)
                    + ", below the signed checkpoint at entry " + (base + 3);
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> !log.mentioning(named).isEmpty());
        }
    }

    /**
     * Where a pass stands is kept in the database, not in the replica: a chain cut below what an earlier leader (or this
     * replica before a restart) had verified is found by the next one. The earlier leader's place is written here as it
     * would have left it; until the scrub reads it, a round begun before the cut may still write its own.
     */
    @Test
    void aChainCutBelowWhatAnEarlierLeaderVerifiedIsFoundUnasked() throws Exception {
        TestOrg org = AuditFixtures.organization();
        int base = withEntries(org, 3);
        behindTheTriggers("DELETE FROM audit_entries WHERE org_id = '" + org.id() + "' AND sequence > " + (base + 1),
                "UPDATE audit_chain_heads SET sequence = " + (base + 1) + ", hash = (SELECT hash FROM audit_entries"
                        + " WHERE org_id = '" + org.id() + "' AND sequence = " + (base + 1) + ") WHERE org_id = '" + org.id() + "'");
        String earlierLeader = "INSERT INTO audit_scrub_cursors (org_id, next_sequence, updated_at) VALUES ('" + org.id()
                + "', " + (base + 4) + ", now()) ON CONFLICT (org_id) DO UPDATE SET next_sequence = EXCLUDED.next_sequence";
        try (LogCapture log = LogCapture.start()) {
            String named = "The audit chain of organization " + org.id() + " does not verify: it ends at entry " + (base + 1)
                    + ", and entry " + (base + 3) + " had been verified";
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!log.mentioning(named).isEmpty()) {
                    return true;
                }
                behindTheTriggers(earlierLeader);
                return false;
            });
        }
    }

    /** {@code count} entries more in the organization's chain, once recorded; answers the head before them. */
    private static int withEntries(TestOrg org, int count) {
        int base = AuditFixtures.head(org);
        AuditFixtures.publish(IntStream.range(0, count)
                .mapToObj(i -> AuditFixtures.deployed(org.id(), "agent-" + i, i + 1, "img:v" + (i + 1))).toList());
        Awaitility.await().atMost(Duration.ofSeconds(60))
                .until(() -> as(org, "auditor").get("/v1/audit").then().extract().<Integer>path("total") == base + count);
        return base;
    }

    /** What a superuser can do with the triggers switched off: exactly what the chain exists to expose. */
    private static void behindTheTriggers(String... statements) throws Exception {
        LocalPostgres pg = WardenInfra.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("warden_audit_test"), pg.superUser(), pg.superPassword());
             Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica");
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    private static double scrubVerdicts(String result) {
        return PrometheusText.parse(given().get("/q/metrics").then().statusCode(200).extract().asString())
                .value("warden_audit_chain_verifications_total", "result", result, "source", "scrub");
    }
}
