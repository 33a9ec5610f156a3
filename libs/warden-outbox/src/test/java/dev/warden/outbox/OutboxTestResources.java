package dev.warden.outbox;

import dev.warden.testing.WardenTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;

@QuarkusTestResource(value = WardenTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "warden_outbox_test"),
        @ResourceArg(name = "kafka", value = "false")})
@QuarkusTestResource(OwnBroker.class)
final class OutboxTestResources {

    private OutboxTestResources() {
    }
}
