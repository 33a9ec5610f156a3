package dev.warden.registry.rebuild;

import dev.warden.outbox.ReplayOffsets.Range;
import org.apache.kafka.common.TopicPartition;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A rebuild of the projection: the generation it started, and for each partition of the consumed topics what it has to
 * replay ({@code from} the first offset the partition still held to {@code to}, its end when the rebuild started) and
 * how far the generation has applied it. Done once every partition has applied up to its {@code to}; failed when a
 * partition can no longer get there (its topic deleted or recreated).
 */
public record Rebuild(UUID id, long generation, String state, String requestedBy, Instant startedAt, Instant finishedAt,
                      String reason, List<Partition> partitions) {

    static final String RUNNING = "running";
    static final String DONE = "done";
    static final String FAILED = "failed";

    /** One partition: offsets {@code from} (inclusive) to {@code to} (exclusive) to replay, applied up to {@code applied}. */
    public record Partition(String topic, int partition, long from, long to, long applied) {

        static Partition planned(Range range) {
            return new Partition(range.topic(), range.partition(), range.from(), range.to(), range.from());
        }

        TopicPartition topicPartition() {
            return new TopicPartition(topic, partition);
        }
    }

    public boolean running() {
        return RUNNING.equals(state);
    }

    /** Records (offsets) the rebuild replays up to its targets. */
    public long toReplay() {
        return partitions.stream().mapToLong(p -> p.to() - p.from()).sum();
    }

    public long replayed() {
        return partitions.stream().mapToLong(p -> Math.min(p.applied(), p.to()) - p.from()).sum();
    }

    /** Replayed of to-replay, rounded down to a tenth, so that 100 means every target reached. */
    public double percent() {
        long total = toReplay();
        return total == 0 ? 100.0 : Math.floor(1000.0 * replayed() / total) / 10;
    }

    /** Whether every partition still held its offset 0 when the rebuild started: nothing was lost to retention. */
    public boolean historyComplete() {
        return partitions.stream().allMatch(p -> p.from() == 0);
    }

    /**
     * As measured now: {@code committed} holds the offsets the rebuild's generation committed (the next record each
     * partition applies). A partition never goes back: a partition replayed twice (a consumer that could not read its
     * offsets starts it again) already holds what it applied the first time.
     */
    Rebuild measured(Map<TopicPartition, Long> committed) {
        List<Partition> now = partitions.stream().map(p -> new Partition(p.topic(), p.partition(), p.from(), p.to(),
                Math.max(p.applied(), Math.min(p.to(), committed.getOrDefault(p.topicPartition(), p.from()))))).toList();
        return new Rebuild(id, generation, state, requestedBy, startedAt, finishedAt, reason, now);
    }

    /** Why the targets cannot be reached any more given the partitions as they are now; empty while they can. */
    Optional<String> unreachable(List<Range> current) {
        Map<TopicPartition, Long> ends = current.stream()
                .collect(Collectors.toMap(Range::topicPartition, Range::to));
        return partitions.stream()
                .filter(p -> p.applied() < p.to() && ends.getOrDefault(p.topicPartition(), -1L) < p.to())
                .findFirst()
                .map(p -> p.topic() + " partition " + p.partition() + " ends before offset " + p.to()
                        + " now: the topic was deleted or recreated during the rebuild; start another");
    }

    /** Whether every partition applied up to its target. */
    boolean reached() {
        return partitions.stream().allMatch(p -> p.applied() >= p.to());
    }

    Rebuild ended(String state, String reason) {
        return new Rebuild(id, generation, state, requestedBy, startedAt, finishedAt, reason, partitions);
    }
}
