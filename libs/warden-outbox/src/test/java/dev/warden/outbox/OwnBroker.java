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
        // This library's tests use topics and groups of their own: they connect as the platform's principal.
        Map<String, String> config = new java.util.HashMap<>();
        LocalKafka.platformSecurity(kafka.bootstrapServers()).forEach((k, v) -> config.put("kafka." + k, v));
        config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        return config;
    }

    @Override
    public void stop() {
        kafka.close();
    }
}
