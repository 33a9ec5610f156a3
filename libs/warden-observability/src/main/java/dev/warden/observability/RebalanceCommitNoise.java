package dev.warden.observability;

import io.quarkus.logging.LoggingFilter;
import org.jboss.logmanager.ExtLogRecord;

import java.util.List;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Leaves out of the console the Kafka consumer's ERROR for an offset commit that a rebalance overtook ("Offset commit
 * failed on partition ...: The coordinator is not aware of this member.", or of an older generation): expected when a
 * replica joins or leaves its group, and said once more, as a WARN, by {@code EventConsumerLoop} ("could not commit
 * its offsets"), whose records come again to whichever member then holds the partition and are absorbed there. Other
 * commit failures, and everything else the client logs, still show. A filter of the console handler
 * ({@code quarkus.log.console.filter}), since Quarkus' message filters match a message's start only, which is here
 * the client's id.
 */
@LoggingFilter(name = RebalanceCommitNoise.NAME)
public final class RebalanceCommitNoise implements Filter {

    public static final String NAME = "warden-rebalance-commits";
    static final String COORDINATOR = "org.apache.kafka.clients.consumer.internals.ConsumerCoordinator";
    /** Kafka's words for the two errors a rebalance gives a late commit (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION). */
    static final List<String> OVERTAKEN = List.of("The coordinator is not aware of this member.",
            "Specified group generation id is not valid.");

    @Override
    public boolean isLoggable(LogRecord record) {
        if (!COORDINATOR.equals(record.getLoggerName())) {
            return true;
        }
        String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
        return message == null || !message.contains("Offset commit failed on partition")
                || OVERTAKEN.stream().noneMatch(message::endsWith);
    }
}
