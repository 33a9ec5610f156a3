package dev.warden.runner.support;

import dev.warden.testing.OutageProfile;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;

/** The outage tests' profile: this service's database and broker behind proxies the tests cut, and a real engine. */
public class RunnerOutageProfile extends OutageProfile {

    public RunnerOutageProfile() {
        super("warden_runner_test", "runner-service", new TestResourceEntry(PodmanTestResource.class),
                new TestResourceEntry(OidcWiremockTestResource.class));
    }
}
