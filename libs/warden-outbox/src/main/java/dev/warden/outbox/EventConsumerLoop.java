package dev.warden.outbox;

import dev.warden.tenancy.kafka.KafkaClients;
import io.smallrye.mutiny.Uni;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Consumes topics in a consumer group on its own thread, a polled batch at a time, and commits the batch's offsets
 * only after it is handled: at least once. Handlers are idempotent by event id, so what is handled twice is absorbed.
 * <p>
 * A failed batch is retried with exponential backoff. A transient failure ({@link FailureKind}) is retried until it
 * passes. Any other failure, after {@code max-attempts}, isolates the poison: the batch's records are handled one at a
 * time, each with the same bounded retries, and a record that still fails goes to {@code <topic>.dlq} with the reason,
 * so one bad event never stalls the group. {@link UnprocessableEventException} skips the retries.
 * <p>
 * Each polled batch is handled in a span that continues the trace of the events' {@code traceparent}, and the loop
 * reports its group's handled, dead-lettered and failed counts and its lag ({@code warden_consumer_*}).
 * Services start loops through {@link EventConsumers}.
 * <p>
 * A loop consuming for a projection that can be rebuilt has a <em>generation</em> (0 otherwise): its commits carry it
 * as their metadata, and a partition it is assigned whose committed offset belongs to an older generation, or to none,
 * is consumed from its beginning. Starting loops of the next generation therefore replays every partition once, in
 * the same group, whatever member each partition lands on; a loop of an older generation still running elsewhere only
 * holds partitions back until it is closed, and its handler must refuse its batches meanwhile (a fence in the
 * projection's database: registry-service's {@code registry_fence}).
 */
public final class EventConsumerLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EventConsumerLoop.class);

    /** Longest wait for one attempt; a handler that takes longer has timed out, which counts as transient. */
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(120);
    /** How a commit's metadata names its generation. */
    private static final String GENERATION = "generation=";

    /** Handles a polled batch, in order within each partition. */
    @FunctionalInterface
    public interface BatchHandler {
        Uni<Void> handle(List<ConsumerRecord<String, String>> records);
    }

    /**
     * Handles a polled batch of a recording consumer ({@link EventConsumers#startRecording}), in order within each
     * partition, told which of its records the loop applies again after a restore of the service's database.
     */
    @FunctionalInterface
    public interface RecordingHandler {
        Uni<Void> handle(List<ConsumerRecord<String, String>> records, Replay replay);
    }

    /** A partition's position as its service's database kept it, and the broker's committed offset ahead of it. */
    public record Rewind(long kept, long committed) {
    }

    /**
     * What a recording consumer applies again, as of one batch: the partitions it applies again from the positions its
     * database kept, which were behind the broker's committed offsets (the database was restored to an earlier point),
     * each until it passes the broker's offset; and every partition found behind since the loop last applied nothing
     * again, which names the restore. {@link #NONE} on the normal path.
     */
    public record Replay(Map<TopicPartition, Rewind> replaying, Map<TopicPartition, Rewind> restore) {

        public static final Replay NONE = new Replay(Map.of(), Map.of());

        /** Whether {@code record} comes again from before the broker's offset of a partition applied again. */
        public boolean replayed(ConsumerRecord<?, ?> record) {
            Rewind rewind = replaying.get(new TopicPartition(record.topic(), record.partition()));
            return rewind != null && record.offset() < rewind.committed();
        }
    }

    private final KafkaConsumer<String, String> consumer;
    private final String group;
    private final long generation;
    /** Null: the broker's committed offsets alone say where the group stands. */
    private final KeptPositions positions;
    /**
     * Partitions applied again from kept positions, each with the broker's offset it was behind: nothing lower is
     * committed for them, so that a restart or a rebalance during the replay finds them behind again rather than going
     * on as if nothing was missing. The loop's thread only, as {@link #restore}.
     */
    private final Map<TopicPartition, Rewind> replaying = new HashMap<>();
    /** Every partition found behind since {@link #replaying} was last empty: the restore the handler is told of. */
    private final Map<TopicPartition, Rewind> restore = new HashMap<>();
    private final RecordingHandler handler;
    private final EventConsumerConfig config;
    private final DeadLetters deadLetters;
    private final ConsumerTelemetry telemetry;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Thread thread;
    // What readiness reads (problem()): written by the loop's thread only.
    private volatile long lastProgress = System.nanoTime();
    private volatile long waiting;
    private volatile String lastFailure;
    private volatile String stoppedBy;

    /**
     * Starts consuming at once, untraced, with meters in Micrometer's global registry. Services use
     * {@link EventConsumers#start}; benchmarks call this directly.
     */
    public static EventConsumerLoop start(KafkaClients kafka, EventConsumerConfig config, DeadLetters deadLetters,
                                          String group, Collection<String> topics, BatchHandler handler) {
        return new EventConsumerLoop(kafka, config, deadLetters, group, topics, ignoringReplays(handler),
                ConsumerTelemetry.untraced(group), 0, null);
    }

    static EventConsumerLoop start(KafkaClients kafka, EventConsumerConfig config, DeadLetters deadLetters,
                                   String group, Collection<String> topics, RecordingHandler handler,
                                   ConsumerTelemetry telemetry, long generation, KeptPositions positions) {
        return new EventConsumerLoop(kafka, config, deadLetters, group, topics, handler, telemetry, generation, positions);
    }

    /** A plain handler as a recording one: a loop without kept positions applies nothing again. */
    static RecordingHandler ignoringReplays(BatchHandler handler) {
        return (records, replay) -> handler.handle(records);
    }

    private EventConsumerLoop(KafkaClients kafka, EventConsumerConfig config, DeadLetters deadLetters,
                              String group, Collection<String> topics, RecordingHandler handler,
                              ConsumerTelemetry telemetry, long generation, KeptPositions positions) {
        if (generation != 0 && positions != null) {
            throw new IllegalArgumentException("a rebuildable projection replays by generation, not from kept positions");
        }
        this.group = group;
        this.generation = generation;
        this.positions = positions;
        this.telemetry = telemetry;
        this.handler = handler;
        this.config = config;
        this.deadLetters = deadLetters;
        this.consumer = new KafkaConsumer<>(kafka.config(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxBatch(),
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) config.sessionTimeout().toMillis(),
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) config.sessionTimeout().toMillis() / 3,
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, 5_000)));
        if (positions != null) {
            this.consumer.subscribe(topics, new FromTheKeptPositions());
        } else if (generation == 0) {
            this.consumer.subscribe(topics);
        } else {
            this.consumer.subscribe(topics, new FromTheBeginningOfTheGeneration());
        }
        this.thread = Thread.ofPlatform().name("warden-consumer-" + group).start(this::run);
    }

    /**
     * Why this consumer cannot be counted on, or empty: it stopped, or events have waited longer than
     * {@code stuck-after} without a commit (the last failure says why). Read by readiness.
     */
    public Optional<String> problem() {
        if (closing()) {
            return Optional.empty();
        }
        if (stoppedBy != null) {
            return Optional.of("consumer " + group + " stopped: " + stoppedBy);
        }
        long quiet = System.nanoTime() - lastProgress;
        if (waiting > 0 && quiet > config.stuckAfter().toNanos()) {
            return Optional.of("consumer " + group + " has committed nothing for " + Duration.ofNanos(quiet).toSeconds()
                    + " s with " + waiting + " events waiting" + (lastFailure == null ? "" : "; last failure: " + lastFailure));
        }
        return Optional.empty();
    }

    public String group() {
        return group;
    }

    /** Why this loop stopped for good while it was to go on, or empty (running, or closed on purpose). */
    public Optional<String> stopped() {
        return closing() || stoppedBy == null ? Optional.empty() : Optional.of(stoppedBy);
    }

    /** The generation an offset was committed in: its metadata, {@code generation=N}; 0 for none (a plain loop's). */
    public static long generationOf(OffsetAndMetadata committed) {
        String metadata = committed == null ? null : committed.metadata();
        if (metadata == null || !metadata.startsWith(GENERATION)) {
            return 0;
        }
        try {
            return Long.parseLong(metadata.substring(GENERATION.length()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The generation this loop consumes for (0: a loop without one). */
    public long generation() {
        return generation;
    }

    private void run() {
        telemetry.bindToThread();
        try {
            while (!closing()) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                measureLag(records.count());
                if (records.isEmpty()) {
                    lastProgress = System.nanoTime();
                } else {
                    handle(records);
                    Map<TopicPartition, Long> next = nextOffsets(records);
                    keepPositions(next);
                    commit(next);
                    lastProgress = System.nanoTime();
                    lastFailure = null;
                    measureLag(0);
                }
            }
        } catch (WakeupException | Closing e) {
            // Closing: a batch not committed is delivered again to whoever consumes these partitions next.
        } catch (RuntimeException | Error e) {
            // An Error (out of memory) too: without this it ended the thread unsaid, and readiness looked fine
            stoppedBy = e.getClass().getSimpleName() + ": " + e.getMessage();
            LOG.errorf(e, "Consumer %s stopped; its service's liveness check is DOWN until it restarts", group);
        } finally {
            consumer.close(Duration.ofSeconds(5));
            telemetry.close();
        }
    }

    /**
     * Lag as committed offsets see it: what the last fetches say is left in each assigned partition, plus the batch in
     * hand (polled, not yet committed). Local figures only, no call to the broker.
     */
    private void measureLag(int inHand) {
        long lag = inHand;
        for (TopicPartition partition : consumer.assignment()) {
            OptionalLong left = consumer.currentLag(partition);
            if (left.isPresent()) {
                lag += left.getAsLong();
            }
        }
        reportLag(lag);
    }

    /** What readiness and {@code warden_consumer_lag} read. */
    private void reportLag(long lag) {
        telemetry.lag(lag);
        waiting = lag;
    }

    /**
     * Lag while a batch is retried, when the loop does not poll and {@link #measureLag}'s figures stand still: the
     * broker's end offsets against this consumer's positions, plus the records in hand, so that the lag goes on rising
     * with what arrives meanwhile (it stood at its last reading, and an alert on it never fired, in a user trial's
     * stalled consumer). A broker that does not answer within a second leaves the last reading.
     */
    private void measureLagFromTheBroker(int inHand) {
        try {
            java.util.Set<TopicPartition> assigned = consumer.assignment();
            Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, Duration.ofSeconds(1));
            long lag = inHand;
            for (TopicPartition partition : assigned) {
                Long end = ends.get(partition);
                if (end != null) {
                    lag += Math.max(0, end - consumer.position(partition, Duration.ofSeconds(1)));
                }
            }
            reportLag(lag);
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            // The broker is away too: the last reading stands
        }
    }

    /** The whole batch with retries; if it keeps failing, each record alone, and what still fails is dead-lettered. */
    private void handle(ConsumerRecords<String, String> polled) {
        List<ConsumerRecord<String, String>> batch = new ArrayList<>(polled.count());
        polled.forEach(batch::add);
        Replay replay = replaying.isEmpty() ? Replay.NONE : new Replay(Map.copyOf(replaying), Map.copyOf(restore));
        try (ConsumerTelemetry.BatchSpan span = telemetry.startBatch(batch)) {
            handle(batch, replay, span);
        }
    }

    private void handle(List<ConsumerRecord<String, String>> batch, Replay replay, ConsumerTelemetry.BatchSpan span) {
        GaveUp failed = withRetries(batch, replay);
        if (failed == null) {
            telemetry.handled(batch);
            return;
        }
        if (batch.size() > 1) {
            LOG.warnf("Consumer %s gave up on a batch of %d after %d attempts (%s); handling its records one at a time",
                    group, batch.size(), failed.attempts(), describe(failed.failure()));
        }
        for (ConsumerRecord<String, String> record : batch) {
            GaveUp alone = batch.size() == 1 ? failed : withRetries(List.of(record), replay);
            if (alone != null) {
                span.deadLettered(describe(alone.failure()));
                deadLetter(record, alone);
            } else {
                telemetry.handled(List.of(record));
            }
        }
    }

    /**
     * Null once the records are handled. Gives up after {@code max-attempts} failures, or at once on an unprocessable
     * event; transient failures do not count and are retried until they pass.
     */
    private GaveUp withRetries(List<ConsumerRecord<String, String>> records, Replay replay) {
        int failures = 0;
        for (int attempt = 1; ; attempt++) {
            Throwable failure = attempt(records, replay);
            if (failure == null) {
                return null;
            }
            FailureKind kind = FailureKind.of(failure);
            telemetry.failedAttempt(kind);
            lastFailure = kind + ", " + describe(failure);
            if (kind == FailureKind.UNPROCESSABLE) {
                return new GaveUp(failure, attempt);
            }
            if (kind == FailureKind.OTHER && ++failures >= config.maxAttempts()) {
                return new GaveUp(failure, attempt);
            }
            Duration pause = backoff(attempt);
            LOG.warnf("Consumer %s failed on %d records (attempt %d, %s), retrying in %d ms: %s", group, records.size(),
                    attempt, kind, pause.toMillis(), describe(failure));
            measureLagFromTheBroker(records.size());
            pause(pause);
        }
    }

    /** The handler's failure, or null once it has handled the records. */
    private Throwable attempt(List<ConsumerRecord<String, String>> records, Replay replay) {
        try {
            telemetry.underCurrentSpan(handler.handle(records, replay)).await().atMost(ATTEMPT_TIMEOUT);
            return null;
        } catch (RuntimeException e) {
            if (closing()) {
                throw new Closing();
            }
            return e;
        }
    }

    /** Sends the record to {@code <topic>.dlq}; its offset is committed only once the broker has taken it. */
    private void deadLetter(ConsumerRecord<String, String> record, GaveUp gaveUp) {
        String reason = describe(gaveUp.failure()) + " (after " + gaveUp.attempts()
                + (gaveUp.attempts() == 1 ? " attempt)" : " attempts)");
        LOG.errorf("Consumer %s dead-letters %s/%d/%d: %s", group, record.topic(), record.partition(), record.offset(), reason);
        for (int attempt = 1; ; attempt++) {
            try {
                deadLetters.send(record, reason).await().atMost(ATTEMPT_TIMEOUT);
                return;
            } catch (RuntimeException e) {
                if (closing()) {
                    throw new Closing();
                }
                LOG.warnf("Consumer %s could not dead-letter a record, retrying: %s", group, describe(e));
                pause(backoff(attempt));
            }
        }
    }

    /** The next offset to apply of each partition of a handled batch. */
    private static Map<TopicPartition, Long> nextOffsets(ConsumerRecords<String, String> records) {
        Map<TopicPartition, Long> next = new HashMap<>();
        for (TopicPartition p : records.partitions()) {
            next.put(p, records.records(p).getLast().offset() + 1);
        }
        return next;
    }

    /** The handled batch's positions in the service's database first, when it keeps them; then on the broker. */
    private void keepPositions(Map<TopicPartition, Long> next) {
        if (positions == null) {
            return;
        }
        try {
            positions.keep(group, next);
        } catch (RuntimeException e) {
            // Behind the broker's offset, a kept position only makes a later assignment apply these records again,
            // which the handler absorbs
            LOG.warnf("Consumer %s could not keep its positions in its database: %s", group, describe(e));
        }
    }

    private void commit(Map<TopicPartition, Long> next) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        next.forEach((p, offset) -> {
            Rewind rewind = replaying.get(p);
            if (rewind != null && offset < rewind.committed()) {
                return; // applied again after a restore: the broker's offset stays ahead until the replay passes it
            }
            replaying.remove(p);
            offsets.put(p, new OffsetAndMetadata(offset, metadata(generation)));
        });
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets);
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            // The batch is handled; a lost commit only means these records come again (after a rebalance, perhaps to
            // another member), and handlers absorb them. A later commit covers these offsets too.
            LOG.warnf("Consumer %s could not commit its offsets: %s", group, e.getMessage());
        }
    }

    private static String metadata(long generation) {
        return generation == 0 ? "" : GENERATION + generation;
    }

    /**
     * On the loop's thread, within poll: a partition newly assigned whose committed offset is of an older generation
     * (or absent: {@code auto.offset.reset} is earliest anyway) starts at its beginning.
     */
    private final class FromTheBeginningOfTheGeneration implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            List<TopicPartition> older;
            try {
                Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
                older = partitions.stream()
                        .filter(p -> committed.get(p) != null && generationOf(committed.get(p)) < generation).toList();
            } catch (WakeupException e) {
                throw e;
            } catch (KafkaException e) {
                // Replaying a partition this generation has applied already costs time, never correctness.
                LOG.warnf("Consumer %s could not read its committed offsets (%s); replaying its partitions", group,
                        e.getMessage());
                older = List.copyOf(partitions);
            }
            if (!older.isEmpty()) {
                LOG.infof("Consumer %s (generation %d) replays %d partitions from their beginning", group, generation,
                        older.size());
                consumer.seekToBeginning(older);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        }
    }

    /**
     * On the loop's thread, within poll: a partition newly assigned whose position the service's database keeps behind
     * the broker's committed offset (the database was restored to an earlier point) is applied again from the kept
     * position. Without kept positions (none yet, or the database not answering) the broker's offsets stand.
     */
    private final class FromTheKeptPositions implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            Map<TopicPartition, Long> kept;
            Map<TopicPartition, OffsetAndMetadata> committed;
            try {
                kept = positions.kept(group, partitions);
                committed = consumer.committed(new HashSet<>(partitions));
            } catch (WakeupException e) {
                throw e;
            } catch (RuntimeException e) {
                LOG.warnf("Consumer %s could not compare its kept positions with the broker's (%s); going by the broker's",
                        group, describe(e));
                return;
            }
            Map<TopicPartition, Rewind> behind = new java.util.TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
            kept.forEach((p, position) -> {
                OffsetAndMetadata offset = committed.get(p);
                if (offset != null && position < offset.offset()) {
                    consumer.seek(p, position);
                    behind.put(p, new Rewind(position, offset.offset()));
                }
            });
            if (behind.isEmpty()) {
                return;
            }
            LOG.warnf("Consumer %s: its database has applied %d partitions less far than the broker's offsets say "
                    + "(a database restored to an earlier point?); applying them again from there: %s", group,
                    behind.size(), behind);
            if (replaying.isEmpty()) {
                restore.clear(); // a restore of its own, not more of the last one
            }
            restore.putAll(behind);
            replaying.putAll(behind);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            partitions.forEach(replaying::remove); // another member applies them again, if still behind
        }
    }

    /** {@code initial-backoff}, doubled for each further attempt, at most {@code max-backoff}. */
    private Duration backoff(int attempt) {
        long doubled = config.initialBackoff().toMillis() * (1L << Math.min(attempt - 1, 20));
        return Duration.ofMillis(Math.min(doubled, config.maxBackoff().toMillis()));
    }

    private void pause(Duration pause) {
        try {
            if (closing.await(pause.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new Closing();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Closing();
        }
    }

    private static String describe(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return t.getMessage() == null ? t.getClass().getName() : t.getMessage();
    }

    private boolean closing() {
        return closing.getCount() == 0;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closing();
    }

    @Override
    public void close() {
        if (closing()) {
            return;
        }
        closing.countDown();
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last failure, and after how many attempts it was given up. */
    private record GaveUp(Throwable failure, int attempts) {
    }

    /** Unwinds the loop's thread when the loop is closed during a retry. */
    private static final class Closing extends RuntimeException {
        Closing() {
            super(null, null, false, false);
        }
    }
}
