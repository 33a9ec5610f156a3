package dev.warden.outbox;

import dev.warden.events.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

@ConfigMapping(prefix = "warden.outbox")
public interface OutboxConfig {

    /** Whether this instance relays; several replicas may, one at a time holds the relay lock. */
    @WithDefault("true")
    boolean relayEnabled();

    /** Events read and sent per round. */
    @WithDefault("1000")
    int batchSize();

    /**
     * Bytes of events read per round at most, beyond its first event: a round of large events holds fewer of them.
     * Counted by rows alone, 1,000 events of 290 KB (one policy bound to 1,000 agents) were 290 MB in the relay's heap
     * at once, and it ran out of memory on them at every start.
     */
    @WithDefault("8388608")
    long batchBytes();

    /** Batches sent and not yet acknowledged at once: the relay reads the next batch while earlier ones travel. */
    @WithDefault("4")
    int maxInFlightBatches();

    /** Longest wait for new events when no notification arrives. */
    @WithDefault("1s")
    Duration pollInterval();

    /** Longest pause between attempts while the broker is unreachable. */
    @WithDefault("5s")
    Duration maxBackoff();

    /**
     * How long handing an event to the producer may wait for the broker's metadata before the relay counts it refused
     * and tries again later. Once handed over, an event is retried by the producer until delivered, in order.
     */
    @WithDefault("10s")
    Duration maxBlock();

    /**
     * How long a leader (the relay, and every {@link LeaderJob}) waits for PostgreSQL to answer on its connection before
     * it takes the connection, and with it the lock, for lost and reconnects. Longer than any of the jobs' statements.
     */
    @WithDefault("30s")
    Duration leaderReadTimeout();

    /** How long {@link Deliveries} waits for the relay to hand an answer's events to the broker before a 503. */
    @WithDefault("10s")
    Duration deliveryTimeout();

    /** Partitions of topics the relay creates. */
    @WithDefault("" + Topics.PARTITIONS)
    int partitions();

    @WithDefault("1")
    short replicationFactor();
}
