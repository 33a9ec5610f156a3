package dev.warden.fleet;

import dev.warden.events.KafkaAccess;
import dev.warden.testing.KafkaAccessChecks;
import org.junit.jupiter.api.Test;

/** fleet-service's Kafka principal writes warden.fleet.v1 and no other domain topic. */
class KafkaAccessTest {

    @Test
    void fleetServiceWritesItsFleetTopicAndIsRefusedEverywhereElse() {
        KafkaAccessChecks.assertWritesOnlyItsOwnTopics(KafkaAccess.FLEET_SERVICE);
    }
}
