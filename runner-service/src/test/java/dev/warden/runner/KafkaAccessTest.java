package dev.warden.runner;

import dev.warden.events.KafkaAccess;
import dev.warden.testing.KafkaAccessChecks;
import org.junit.jupiter.api.Test;

/** runner-service's Kafka principal writes warden.executions.v1 and no other domain topic. */
class KafkaAccessTest {

    @Test
    void runnerServiceWritesItsExecutionsTopicAndIsRefusedEverywhereElse() {
        KafkaAccessChecks.assertWritesOnlyItsOwnTopics(KafkaAccess.RUNNER_SERVICE);
    }
}
