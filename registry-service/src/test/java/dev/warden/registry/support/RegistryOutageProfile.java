package dev.warden.registry.support;

import dev.warden.testing.OutageProfile;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;

/** The outage tests' profile: this service's database and broker behind proxies the tests cut (see OutageProfile). */
public class RegistryOutageProfile extends OutageProfile {

    public RegistryOutageProfile() {
        super("warden_registry_test", "registry-service", new TestResourceEntry(OidcWiremockTestResource.class));
    }
}
