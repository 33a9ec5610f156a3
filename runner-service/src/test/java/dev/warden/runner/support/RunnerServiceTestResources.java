package dev.warden.runner.support;

import dev.warden.testing.WardenTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;

@QuarkusTestResource(value = WardenTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "warden_runner_test"),
        @ResourceArg(name = "kafka-principal", value = "runner-service")})
@QuarkusTestResource(PodmanTestResource.class)
@QuarkusTestResource(OidcWiremockTestResource.class)
public final class RunnerServiceTestResources {

    private RunnerServiceTestResources() {
    }
}
