package dev.warden.audit.support;

import dev.warden.testing.WardenTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;

@QuarkusTestResource(value = WardenTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "warden_audit_test"),
        @ResourceArg(name = "kafka-principal", value = "audit-service")})
@QuarkusTestResource(OidcWiremockTestResource.class)
public final class AuditServiceTestResources {

    private AuditServiceTestResources() {
    }
}
