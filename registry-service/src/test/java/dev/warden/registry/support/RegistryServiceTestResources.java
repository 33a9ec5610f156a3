package dev.warden.registry.support;

import dev.warden.testing.WardenTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;

/** Every test of this module runs against a real PostgreSQL, a real Kafka broker and a mock OIDC provider. */
@QuarkusTestResource(value = WardenTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "warden_registry_test"),
        @ResourceArg(name = "kafka-principal", value = "registry-service")})
@QuarkusTestResource(OidcWiremockTestResource.class)
public final class RegistryServiceTestResources {

    private RegistryServiceTestResources() {
    }
}
