package dev.warden.fleet.support;

import dev.warden.testing.OutageProfile;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;

/** The outage tests' profile: this service's database and broker behind proxies the tests cut (see OutageProfile). */
public class FleetOutageProfile extends OutageProfile {

    public FleetOutageProfile() {
        super("warden_fleet_test", "fleet-service", new TestResourceEntry(OidcWiremockTestResource.class));
    }
}
