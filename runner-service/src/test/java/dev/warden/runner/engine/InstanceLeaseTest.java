package dev.warden.runner.engine;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InstanceLeaseTest {

    private static final Instant NOW = Instant.parse("2026-12-06T23:00:00Z");

    /**
     * A replica that never held its name leaves a free one to the live replica whose session the database's restart
     * ended, for a while after its own trouble reaching the database; without trouble, it takes it at once.
     */
    @Test
    void aReplicaThatNeverHeldItsNameLeavesItBeForAWhileAfterItsOwnTroubleReachingTheDatabase() {
        assertTrue(InstanceLease.mayTakeFirst(null, NOW));
        assertFalse(InstanceLease.mayTakeFirst(NOW.minusSeconds(3), NOW));
        assertFalse(InstanceLease.mayTakeFirst(NOW.minus(InstanceLease.AFTER_TROUBLE).plusMillis(1), NOW));
        assertTrue(InstanceLease.mayTakeFirst(NOW.minus(InstanceLease.AFTER_TROUBLE), NOW));
    }

    @Test
    void eachNameHasALockOfItsOwnTheSameOnEveryReplica() {
        assertTrue(InstanceLease.lockId("runner-service-0") == InstanceLease.lockId("runner-service-0"));
        assertNotEquals(InstanceLease.lockId("runner-service-0"), InstanceLease.lockId("runner-service-1"));
    }
}
