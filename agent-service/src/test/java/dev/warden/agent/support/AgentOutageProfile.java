package dev.warden.agent.support;

import dev.warden.testing.OutageProfile;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;

/** The outage tests' profile: this service's database and broker behind proxies the tests cut (see OutageProfile). */
public class AgentOutageProfile extends OutageProfile {

    public AgentOutageProfile() {
        super("warden_agent_test", "agent-service", new TestResourceEntry(OidcWiremockTestResource.class));
    }
}
