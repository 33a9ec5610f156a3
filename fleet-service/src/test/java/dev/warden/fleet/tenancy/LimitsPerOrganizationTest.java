package dev.warden.fleet.tenancy;

import dev.warden.fleet.support.FleetFixtures;
import dev.warden.testing.LoweredLimit;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static dev.warden.fleet.support.FleetFixtures.as;
import static dev.warden.fleet.support.FleetFixtures.instanceBody;
import static dev.warden.fleet.support.FleetFixtures.register;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * What one organization may keep (warden.limits.*, docs/security.md): past its instances' limit a registration is a
 * 403 quota_exceeded in seed 003's envelope and registers nothing; another organization registers as before.
 */
@QuarkusTest
class LimitsPerOrganizationTest {

    @Test
    void pastItsInstanceLimitAnOrganizationRegistersNoMore() {
        TestOrg a = FleetFixtures.organization();
        TestOrg b = FleetFixtures.organization();
        try (LoweredLimit limit = LoweredLimit.to("warden_fleet_test", "instances", 1)) {
            register(a, instanceBody("host-1"));

            as(a, "operator").body(instanceBody("host-2")).post("/v1/fleet/agents/register").then().statusCode(403)
                    .body("ok", equalTo(false))
                    .body("error.code", equalTo("quota_exceeded"))
                    .body("error.message", containsString("the most instances it may (1)"));

            as(a, "viewer").get("/v1/fleet/agents").then().statusCode(200).body("total", equalTo(1));
            register(b, instanceBody("host-1"));
        }
    }
}
