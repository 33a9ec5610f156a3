package dev.warden.outbox;

import dev.warden.testing.LocalKafka;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** A broker of this module's tests alone, so a test can take it down without disturbing any other. */
public class OwnBroker implements QuarkusTestResourceLifecycleManager {

    private static LocalKafka kafka;

    static LocalKafka kafka() {
        return kafka;
    }

    @Override
    public Map<String, String> start() {
        kafka = LocalKafka.start(WardenInfra.freshDir("own-kafka"), 0);
        return Map.of("kafka.bootstrap.servers", kafka.bootstrapServers());
    }

    @Override
    public void stop() {
        kafka.close();
    }
}
