package dev.warden.outbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How the service's event consumers ({@link EventConsumers}) poll, retry and give up on an event. */
@ConfigMapping(prefix = "warden.consumer")
public interface EventConsumerConfig {

    /** Records handed to a handler at once (one poll). */
    @WithDefault("500")
    int maxBatch();

    /**
     * Failed attempts of a batch before its records are handled one at a time, and of a record before it goes to
     * {@code <topic>.dlq}. Transient failures (database or broker unreachable) do not count: they are retried until
     * they pass.
     */
    @WithDefault("5")
    int maxAttempts();

    /** Pause after the first failed attempt; it doubles with each further one, up to {@link #maxBackoff()}. */
    @WithDefault("200ms")
    Duration initialBackoff();

    @WithDefault("10s")
    Duration maxBackoff();

    /**
     * How long a consumer may go without committing while events wait before readiness reports it DOWN (a database
     * outage it keeps retrying through, a handler that hangs). An idle consumer with nothing to read is never stuck.
     */
    @WithDefault("2m")
    Duration stuckAfter();

    /**
     * How long the broker waits for a silent member of the group before it gives that member's partitions to the
     * others (heartbeats go every third of it). A replica killed without leaving holds its partitions, and so freezes
     * what they feed, until then: Kafka's 45 s default kept registry-service's views 25–34 s stale after a SIGKILL
     * and restart. 10 s was Kafka's default before 3.0; the broker accepts 6 s at the least.
     */
    @WithDefault("10s")
    Duration sessionTimeout();
}
