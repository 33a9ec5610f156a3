package dev.warden.fleet.support;

import dev.warden.testing.WardenTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;

@QuarkusTestResource(value = WardenTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "warden_fleet_test"),
        @ResourceArg(name = "kafka-principal", value = "fleet-service")})
@QuarkusTestResource(OidcWiremockTestResource.class)
public final class FleetServiceTestResources {

    private FleetServiceTestResources() {
    }
}
