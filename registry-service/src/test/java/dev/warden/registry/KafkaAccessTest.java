package dev.warden.registry;

import dev.warden.events.KafkaAccess;
import dev.warden.testing.KafkaAccessChecks;
import org.junit.jupiter.api.Test;

/** registry-service only reads: its Kafka principal is refused a write to every domain topic. */
class KafkaAccessTest {

    @Test
    void registryServiceWritesNoDomainTopic() {
        KafkaAccessChecks.assertWritesOnlyItsOwnTopics(KafkaAccess.REGISTRY_SERVICE);
    }
}
