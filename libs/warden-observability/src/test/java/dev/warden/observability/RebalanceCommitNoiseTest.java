package dev.warden.observability;

import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.Level;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RebalanceCommitNoiseTest {

    private static final String PREFIX = "[Consumer clientId=consumer-audit-recorder-1, groupId=audit-recorder] ";
    private final RebalanceCommitNoise filter = new RebalanceCommitNoise();

    @Test
    void aCommitARebalanceOvertookIsLeftOutOfTheConsole() {
        assertFalse(filter.isLoggable(record(RebalanceCommitNoise.COORDINATOR, PREFIX
                + "Offset commit failed on partition warden.agents.v1-0 at offset 42: The coordinator is not aware of this member.")));
        assertFalse(filter.isLoggable(record(RebalanceCommitNoise.COORDINATOR, PREFIX
                + "Offset commit failed on partition warden.agents.v1-3 at offset 7: Specified group generation id is not valid.")));
    }

    @Test
    void everyOtherLineStillShows() {
        // Another reason for the same failure: not a rebalance's doing
        assertTrue(filter.isLoggable(record(RebalanceCommitNoise.COORDINATOR, PREFIX
                + "Offset commit failed on partition warden.agents.v1-0 at offset 42: The request timed out.")));
        assertTrue(filter.isLoggable(record(RebalanceCommitNoise.COORDINATOR, PREFIX + "Not authorized to commit to topics [t]")));
        // The same words from another logger
        assertTrue(filter.isLoggable(record("dev.warden.outbox.EventConsumerLoop",
                "Offset commit failed on partition t-0 at offset 1: The coordinator is not aware of this member.")));
        assertTrue(filter.isLoggable(record(RebalanceCommitNoise.COORDINATOR, null)));
    }

    private static ExtLogRecord record(String logger, String message) {
        ExtLogRecord record = new ExtLogRecord(Level.ERROR, message, ExtLogRecord.FormatStyle.NO_FORMAT, RebalanceCommitNoiseTest.class.getName());
        record.setLoggerName(logger);
        return record;
    }
}
