package dev.warden.outbox;

import dev.warden.api.CallerContext;
import dev.warden.api.UnavailableException;
import dev.warden.tenancy.kafka.KafkaClients;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where a replay from offset zero stands, from the broker alone: what it has to apply ({@link #capture}: each
 * partition's first offset still held and its end offset, taken when the replay starts) and how far a generation of a
 * consumer group has come ({@link #committed}); and, for a request that must see every event published before it
 * ({@link #applied}), whether a group has applied them. Needs only what a consumer's principal has: describe on its
 * topics and its group. One admin client per service, opened at first use.
 */
@ApplicationScoped
public class ReplayOffsets {

    /** A partition's records from {@code from} (the first still held: above 0 when retention deleted some) to {@code to}. */
    public record Range(String topic, int partition, long from, long to) {

        public TopicPartition topicPartition() {
            return new TopicPartition(topic, partition);
        }
    }

    private final KafkaClients kafka;
    private final Vertx vertx;
    private Admin admin;

    public ReplayOffsets(KafkaClients kafka, Vertx vertx) {
        this.kafka = kafka;
        this.vertx = vertx;
    }

    /**
     * The confirmation {@link dev.warden.tenancy.db.Projections#withCatchUp} takes for a projection of agents: once
     * {@code group} has applied every event about {@code agent} the broker held ({@link #applied}, within
     * {@link dev.warden.tenancy.db.Projections#CONFIRM}).
     */
    public java.util.function.Supplier<Uni<Void>> agentApplied(String group, Object agent) {
        return () -> applied(group, dev.warden.events.Topics.AGENTS, String.valueOf(agent),
                dev.warden.tenancy.db.Projections.CONFIRM);
    }

    /**
     * Completes once {@code group} (a plain loop's, generation 0) has applied every record that the partition of
     * {@code topic} holding {@code key}'s records held when this was called: a projection read after it is at least
     * as new as every event about {@code key} published before the call ({@link Deliveries} is the publishing half).
     * The partition is the producer's for the key (murmur2 of its UTF-8 bytes, as the relay's producer partitions).
     * Past {@code within}, or when the broker cannot say, it fails with a 503: a caller that needs this must not
     * go on with what may be stale.
     */
    public Uni<Void> applied(String group, String topic, String key, Duration within) {
        Admin client = admin();
        Uni<Void> caughtUp = uni(client.describeTopics(List.of(topic)).allTopicNames()).chain(topics -> {
            int partitions = topics.get(topic).partitions().size();
            TopicPartition partition = new TopicPartition(topic,
                    Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions);
            return uni(client.listOffsets(Map.of(partition, OffsetSpec.latest()),
                    new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).partitionResult(partition))
                    .chain(end -> Await.until(vertx, () -> committed(group, 0)
                            .map(offsets -> offsets.getOrDefault(partition, 0L) >= end.offset())));
        }).onFailure(ReplayOffsets::unknownTopic).recoverWithNull(); // a topic not created yet: nothing to apply
        return caughtUp.ifNoItem().after(within).failWith(() -> behind(topic))
                .onFailure(e -> !(e instanceof UnavailableException)).transform(e -> new UnavailableException("event stream", e));
    }

    private static boolean unknownTopic(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UnknownTopicOrPartitionException) {
                return true;
            }
        }
        return false;
    }

    private static UnavailableException behind(String topic) {
        return new UnavailableException("event stream", new IllegalStateException("not caught up on " + topic));
    }

    /** Every partition of {@code topics} as it is now, in topic and partition order; a topic not created yet has none. */
    public Uni<List<Range>> capture(Collection<String> topics) {
        Admin client = admin();
        return uni(client.listTopics().names())
                .chain(names -> {
                    List<String> existing = topics.stream().filter(names::contains).toList();
                    return existing.isEmpty() ? Uni.createFrom().item(Map.<String, TopicDescription>of())
                            : uni(client.describeTopics(existing).allTopicNames());
                })
                .chain(descriptions -> {
                    List<TopicPartition> partitions = descriptions.values().stream()
                            .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                            .toList();
                    if (partitions.isEmpty()) {
                        return Uni.createFrom().item(List.<Range>of());
                    }
                    return uni(client.listOffsets(spec(partitions, OffsetSpec.earliest())).all())
                            .chain(first -> uni(client.listOffsets(spec(partitions, OffsetSpec.latest())).all())
                                    .map(end -> partitions.stream()
                                            .map(p -> new Range(p.topic(), p.partition(), first.get(p).offset(),
                                                    end.get(p).offset()))
                                            .sorted(Comparator.comparing(Range::topic).thenComparingInt(Range::partition))
                                            .toList()));
                });
    }

    /**
     * The offsets {@code group} has committed under {@code generation} (see {@link EventConsumers#start(String,
     * Collection, EventConsumerLoop.BatchHandler, long)}): the next record each partition will apply. A partition the
     * generation has not committed yet is absent.
     */
    public Uni<Map<TopicPartition, Long>> committed(String group, long generation) {
        return uni(admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata())
                .map(offsets -> offsets.entrySet().stream()
                        .filter(e -> e.getValue() != null && EventConsumerLoop.generationOf(e.getValue()) == generation)
                        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset())));
    }

    /**
     * The highest generation {@code group} has committed offsets under, 0 if none: what the next generation must come
     * after, whatever the projection's own database says (restored to an earlier point, it says less).
     */
    public Uni<Long> highestGeneration(String group) {
        return uni(admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata())
                .map(offsets -> offsets.values().stream().filter(java.util.Objects::nonNull)
                        .mapToLong(EventConsumerLoop::generationOf).max().orElse(0L));
    }

    void onStop(@Observes ShutdownEvent event) {
        close();
    }

    synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
            admin = null;
        }
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(kafka.config(Map.of(
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000)));
        }
        return admin;
    }

    private static Map<TopicPartition, OffsetSpec> spec(List<TopicPartition> partitions, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        partitions.forEach(p -> specs.put(p, spec));
        return specs;
    }

    private static <T> Uni<T> uni(KafkaFuture<T> future) {
        return CallerContext.resumed(Uni.createFrom().completionStage(future.toCompletionStage()));
    }
}
