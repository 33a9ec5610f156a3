package dev.warden.tenancy.kafka;

import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.HashMap;
import java.util.Map;

/**
 * The one place every Kafka client of a service takes its connection settings from: all {@code kafka.*} properties
 * of the configuration (Quarkus' {@code default-kafka-broker} map), so {@code kafka.bootstrap.servers},
 * {@code kafka.security.protocol}, {@code kafka.sasl.mechanism}, {@code kafka.sasl.jaas.config} and the
 * {@code kafka.ssl.*} settings reach the relay's producer, the consumers, the access directory, readiness and the
 * admin clients alike, with no code change. Each client adds only what is its own (group, serializers, timeouts).
 */
@ApplicationScoped
public class KafkaClients {

    private final Map<String, Object> common;

    @Inject
    public KafkaClients(@Identifier("default-kafka-broker") Map<String, Object> config) {
        this.common = Map.copyOf(config);
    }

    /** For code that runs without CDI (benchmarks, tools): these settings, as they would come from configuration. */
    public static KafkaClients of(Map<String, Object> config) {
        return new KafkaClients(config);
    }

    /** The configured connection settings plus {@code specific}, which wins where both set a key. */
    public Map<String, Object> config(Map<String, Object> specific) {
        Map<String, Object> merged = new HashMap<>(common);
        merged.putAll(specific);
        return merged;
    }

    public String bootstrapServers() {
        return String.valueOf(common.get("bootstrap.servers"));
    }
}
