package dev.warden.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A service of deploy/routes.json that the event contract this generator reads has no KafkaAccess for (a new
 * service whose warden-events was not installed first: this module takes warden-events from the local Maven
 * repository) stops the generator, naming the service and what to do, instead of writing its Deployment, database
 * and routes without its KafkaUser and topics.
 */
class ContractMismatchTest {

    @Test
    void aServiceWithoutKafkaAccessStopsTheGeneratorNamingItAndTheInstallToRunFirst(@TempDir Path root)
            throws IOException {
        Files.createDirectories(root.resolve("deploy"));
        Files.writeString(root.resolve("deploy/routes.json"), """
                {
                  "services": {
                    "agent-service": {"port": 8081},
                    "notice-service": {"port": 8086}
                  },
                  "routes": [
                    {"match": "prefix", "path": "/v1/agents", "service": "agent-service"},
                    {"match": "prefix", "path": "/v1/notices", "service": "notice-service"}
                  ]
                }
                """);

        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> Generate.render(root));

        String message = refused.getMessage();
        assertTrue(message.contains("notice-service"), message);
        assertTrue(!message.contains("lists agent-service"), message);
        assertTrue(message.contains("KafkaAccess"), message);
        assertTrue(message.contains("install libs/warden-events first"), message);
        assertTrue(message.contains("./mvnw -q install -pl libs/warden-events -am"), message);
    }
}
