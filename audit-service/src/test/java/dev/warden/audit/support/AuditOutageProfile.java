package dev.warden.audit.support;

import dev.warden.testing.OutageProfile;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;

/** The outage tests' profile: this service's database and broker behind proxies the tests cut (see OutageProfile). */
public class AuditOutageProfile extends OutageProfile {

    public AuditOutageProfile() {
        super("warden_audit_test", "audit-service", new TestResourceEntry(OidcWiremockTestResource.class));
    }
}
