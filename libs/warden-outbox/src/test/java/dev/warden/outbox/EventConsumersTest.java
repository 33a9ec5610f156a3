package dev.warden.outbox;

import dev.warden.testing.LocalKafka;
import dev.warden.events.Topics;
import dev.warden.testing.EventTap;
import dev.warden.testing.HealthProbe;
import dev.warden.testing.LogCapture;
import dev.warden.testing.TestEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The consumer recipe on a real broker; the test config allows 2 attempts with short backoff. */
@QuarkusTest
class EventConsumersTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    EventConsumers consumers;

    @Inject
    RelayProducer relay;

    @Inject
    Vertx vertx;

    @Inject
    MeterRegistry meters;

    @Inject
    ReplayOffsets replay;

    @Inject
    dev.warden.tenancy.db.TenantDb db;

    @Inject
    @Readiness
    ConsumersReadiness readiness;

    @Inject
    @org.eclipse.microprofile.health.Liveness
    BackgroundWorkLiveness liveness;

    @TestHTTPResource("/")
    URL service;

    private final String topic = "warden.consumer-test-" + UUID.randomUUID().toString().substring(0, 8) + ".v1";
    private final Set<String> handled = new CopyOnWriteArraySet<>();

    @BeforeEach
    void topics() {
        relay.ensureTopic(topic);
        relay.ensureTopic(Topics.deadLetter(topic));
    }

    @Test
    void anUnreachableDatabaseIsWaitedForPastTheAttemptLimitAndNothingIsDeadLettered() throws IOException {
        publish("event-1");
        int closedPort = closedPort();
        AtomicInteger attempts = new AtomicInteger();

        String group = "transient-" + topic;
        try (EventConsumerLoop loop = consumers.start(group, List.of(topic), records ->
                attempts.incrementAndGet() <= 4
                        // A real refused connection, as the handler sees the database while it is down.
                        ? PgConnection.connect(vertx, new PgConnectOptions().setHost("127.0.0.1").setPort(closedPort))
                                .replaceWithVoid()
                        : handle(records))) {
            Awaitility.await().atMost(WAIT).until(() -> handled.contains("event-1"));
        }
        assertEquals(5, attempts.get());
        assertEquals(List.of(), deadLettered());
        assertEquals(4, count("warden.consumer.failed.attempts", "group", group, "kind", "transient"));
        assertEquals(1, count("warden.consumer.handled", "group", group, "topic", topic));
    }

    @Test
    void aConsumerThatCannotCommitIsNotReadyAndSaysWhyUntilItCommitsAgain() throws IOException {
        publish("event-1");
        int closedPort = closedPort();
        AtomicBoolean databaseDown = new AtomicBoolean(true);

        String group = "stuck-" + topic;
        try (EventConsumerLoop loop = consumers.start(group, List.of(topic), records -> databaseDown.get()
                ? PgConnection.connect(vertx, new PgConnectOptions().setHost("127.0.0.1").setPort(closedPort)).replaceWithVoid()
                : handle(records))) {
            // The test config's stuck-after is 1 s: retried past it, the consumer makes its service not ready.
            Awaitility.await().atMost(WAIT).until(() -> readiness.call().getStatus() == HealthCheckResponse.Status.DOWN);
            String problem = readiness.call().getData().orElseThrow().values().stream().map(Object::toString)
                    .filter(v -> v.contains(group)).findFirst().orElseThrow();
            assertTrue(problem.contains("events waiting") && problem.contains("TRANSIENT"), problem);
            // What arrives while it is stuck counts in its lag, though it polls nothing meanwhile
            publish("event-2", "event-3", "event-4");
            Awaitility.await().atMost(WAIT).until(() ->
                    meters.get("warden.consumer.lag").tag("group", group).gauge().value() == 4);
            Awaitility.await().atMost(WAIT).until(() -> loop.problem().orElse("").contains("with 4 events waiting"));

            databaseDown.set(false);
            Awaitility.await().atMost(WAIT).until(() -> handled.containsAll(List.of("event-1", "event-4")));
            Awaitility.await().atMost(WAIT).until(() -> loop.problem().isEmpty());
        }
    }

    /**
     * A consumer an Error stops (a batch that ran the service out of memory) makes the service not alive, so that it is
     * restarted: the Error ended the loop's thread unsaid, and readiness looked fine once nothing was waiting.
     */
    @Test
    void aConsumerStoppedByAnErrorMakesItsServiceNotAliveUntilItIsClosed() throws IOException {
        publish("event-1");
        String group = "dying-" + topic;
        try (EventConsumerLoop loop = consumers.start(group, List.of(topic), records -> {
            throw new OutOfMemoryError("Java heap space (the test's)");
        })) {
            Awaitility.await().atMost(WAIT).until(() -> HealthProbe.live(service.getPort(), WAIT).status() == 503);
            HealthProbe live = HealthProbe.live(service.getPort(), WAIT);
            assertEquals("DOWN", live.check("Warden background work"), live.body().toString());
            assertTrue(live.body().toString().contains("OutOfMemoryError"), live.body().toString());
            assertTrue(liveness.call().await().indefinitely().getData().orElseThrow().get("consumer " + group).toString()
                    .contains("OutOfMemoryError"), liveness.call().await().indefinitely().getData().toString());
            assertTrue(loop.problem().orElseThrow().contains("stopped"), loop.problem().toString());
        }
        assertEquals(HealthCheckResponse.Status.UP, liveness.call().await().indefinitely().getStatus(), "closed on purpose: alive");
        assertEquals(200, HealthProbe.live(service.getPort(), WAIT).status());
    }

    @Test
    void aRecordThatKeepsFailingIsDeadLetteredAndTheRestOfItsBatchIsHandledAndCommitted() {
        publish("good-1", "poison", "good-2");

        String group = "poison-" + topic;
        relay.get(); // its threads begin here, outside any batch, as in a service where the relay made it long before
        try (LogCapture lines = LogCapture.start();
             EventConsumerLoop loop = consumers.start(group, List.of(topic), records ->
                records.stream().anyMatch(r -> r.value().equals("poison"))
                        ? Uni.createFrom().failure(new IllegalStateException("null value in column \"action_type\""))
                        : handle(records));
             EventTap dlq = new EventTap(OwnBroker.kafka().bootstrapServers(), Topics.deadLetter(topic))) {
            ConsumerRecord<String, String> dead = dlq.await(r -> true, 1, WAIT).getFirst();
            assertEquals("poison", dead.value());
            assertEquals("null value in column \"action_type\" (after 2 attempts)", reason(dead));

            Awaitility.await().atMost(WAIT).until(() -> handled.contains("good-2"));
            assertTrue(handled.contains("good-1"));
            Awaitility.await().atMost(WAIT).until(() -> committed(group) == 3);
            Awaitility.await().atMost(WAIT).until(() ->
                    count("warden.consumer.dead.lettered", "group", group, "topic", topic) == 1);
            assertEquals(2, count("warden.consumer.handled", "group", group, "topic", topic));
            assertTrue(count("warden.consumer.failed.attempts", "group", group, "kind", "other") >= 2);
            Awaitility.await().atMost(WAIT).until(() ->
                    meters.get("warden.consumer.lag").tag("group", group).gauge().value() == 0);
            // Both lines of the dead letter, the loop's and the producer callback's, name the batch's trace
            Awaitility.await().atMost(WAIT).until(() -> !lines.context(DeadLetters.class.getName(), "traceId").isEmpty());
            List<String> trace = lines.context(EventConsumerLoop.class.getName(), "traceId");
            assertTrue(trace.getLast().matches("[0-9a-f]{32}"), trace.toString());
            assertEquals(List.of(trace.getLast()), lines.context(DeadLetters.class.getName(), "traceId"));
        }
        assertTrue(meters.find("warden.consumer.lag").tag("group", group).gauges().isEmpty(), "closed: no lag gauge");
    }

    /**
     * A recording consumer keeps its positions in its database: restored to an earlier point, the database holds an
     * earlier position than the broker's committed offset, and the consumer applies again from there; a plain consumer
     * goes on after the broker's offset.
     */
    @Test
    void aRecordingConsumerAppliesAgainWhatItsRestoredDatabaseHadNotAppliedAndAPlainOneDoesNot() {
        publish("a", "b", "c");
        String recording = "recording-" + topic;
        String plain = "plain-" + topic;
        List<String> seenByPlain = new CopyOnWriteArrayList<>();
        try (EventConsumerLoop loop = consumers.startRecording(recording, List.of(topic), (records, replay) -> handle(records));
             EventConsumerLoop other = consumers.start(plain, List.of(topic), records -> {
                 records.forEach(r -> seenByPlain.add(r.value()));
                 return Uni.createFrom().voidItem();
             })) {
            Awaitility.await().atMost(WAIT).until(() -> handled.containsAll(List.of("a", "b", "c"))
                    && seenByPlain.size() == 3 && committed(recording) == 3 && committed(plain) == 3);
        }
        assertEquals(List.of("3"), positions(recording), "kept beside the broker's offsets");

        // The restore: the database as it was before "b" and "c" were applied
        db.asPlatform(conn -> conn.query("UPDATE warden_consumer_positions SET next_offset = 1 WHERE group_id = '"
                + recording + "'").execute()).await().atMost(WAIT);
        handled.clear();
        publish("d");
        // Each batch says which of its records come again from before the broker's offset, and names the restore: each
        // partition's kept position and the broker's offset
        List<String> told = new CopyOnWriteArrayList<>();
        EventConsumerLoop.RecordingHandler telling = (records, replay) -> {
            records.forEach(r -> told.add(r.value() + (replay.replayed(r) ? " again, restore " + replay.restore().values() : "")));
            return handle(records);
        };
        try (EventConsumerLoop loop = consumers.startRecording(recording, List.of(topic), telling);
             EventConsumerLoop other = consumers.start(plain, List.of(topic), records -> {
                 records.forEach(r -> seenByPlain.add(r.value()));
                 return Uni.createFrom().voidItem();
             })) {
            Awaitility.await().atMost(WAIT).until(() -> handled.contains("d") && seenByPlain.contains("d")
                    && committed(recording) == 4);
            publish("e");
            Awaitility.await().atMost(WAIT).until(() -> handled.contains("e"));
        }
        assertEquals(Set.of("b", "c", "d", "e"), Set.copyOf(handled), "applied again from the kept position");
        assertEquals(List.of("b again, restore [Rewind[kept=1, committed=3]]", "c again, restore [Rewind[kept=1, committed=3]]",
                "d", "e"), told, "past the broker's offset, nothing comes again");
        assertEquals(List.of("a", "b", "c", "d", "e"), seenByPlain, "the plain consumer went on after the broker's offset");
        assertEquals(List.of("5"), positions(recording));
    }

    private List<String> positions(String group) {
        return db.asPlatform(conn -> conn.query("SELECT next_offset::text FROM warden_consumer_positions WHERE group_id = '"
                        + group + "' AND next_offset > 0").execute())
                .await().atMost(WAIT).stream().map(row -> row.getString(0)).toList();
    }

    /**
     * A record the broker took that no longer fits once the dead letter's headers are added (a user trial's 1,048,400
     * bytes retried its dead letter for ever, and every consumer of its topic stopped): its first part is dead-lettered
     * with its size, and the consumer goes on.
     */
    @Test
    void aRecordTooLargeToDeadLetterWholeIsDeadLetteredCutAndTheConsumerGoesOn() {
        String huge = "x".repeat(1_048_450);
        publish(huge, "after");
        try (EventConsumerLoop loop = consumers.start("too-large-" + topic, List.of(topic), records ->
                records.stream().anyMatch(r -> r.value().length() > 1_000)
                        ? Uni.createFrom().failure(new UnprocessableEventException("not an event")) : handle(records));
             EventTap dlq = new EventTap(OwnBroker.kafka().bootstrapServers(), Topics.deadLetter(topic))) {
            ConsumerRecord<String, String> dead = dlq.await(r -> true, 1, WAIT).getFirst();
            assertEquals("x".repeat(65_536), dead.value(), "its first part");
            assertEquals("1048450", new String(dead.headers().lastHeader(DeadLetters.TRUNCATED).value(),
                    StandardCharsets.UTF_8), "the size of the whole");
            assertEquals("not an event (after 1 attempt)", reason(dead));
            Awaitility.await().atMost(WAIT).until(() -> handled.contains("after"));
        }
    }

    @Test
    void anUnprocessableEventIsDeadLetteredWithoutRetries() {
        publish("unusable");
        AtomicInteger attempts = new AtomicInteger();

        try (EventConsumerLoop loop = consumers.start("unprocessable-" + topic, List.of(topic), records -> {
            attempts.incrementAndGet();
            return Uni.createFrom().failure(new UnprocessableEventException("agent payload missing"));
        }); EventTap dlq = new EventTap(OwnBroker.kafka().bootstrapServers(), Topics.deadLetter(topic))) {
            assertEquals("agent payload missing (after 1 attempt)", reason(dlq.await(r -> true, 1, WAIT).getFirst()));
        }
        assertEquals(1, attempts.get());
    }

    @Test
    void aLoopOfTheNextGenerationReplaysThePartitionsFromTheirBeginningOnceAndReplayOffsetsMeasureIt() {
        publish("a", "b", "c");
        String group = "generations-" + topic;
        List<String> plain = new CopyOnWriteArrayList<>();
        try (EventConsumerLoop loop = consumers.start(group, List.of(topic), records -> collect(records, plain))) {
            Awaitility.await().atMost(WAIT).until(() -> sum(replay.committed(group, 0).await().atMost(WAIT)) == 3);
        }
        assertEquals(List.of("a", "b", "c"), plain);
        List<ReplayOffsets.Range> ranges = replay.capture(List.of(topic, "warden.never-created.v1")).await().atMost(WAIT);
        assertEquals(6, ranges.size(), "every partition of the topic, none of a topic not created");
        assertEquals(3, ranges.stream().mapToLong(r -> r.to() - r.from()).sum());
        assertTrue(ranges.stream().allMatch(r -> r.topic().equals(topic) && r.from() == 0));

        List<String> replayed = new CopyOnWriteArrayList<>();
        try (EventConsumerLoop loop = consumers.start(group, List.of(topic), records -> collect(records, replayed), 1)) {
            assertEquals(1, loop.generation());
            Awaitility.await().atMost(WAIT).until(() -> sum(replay.committed(group, 1).await().atMost(WAIT)) == 3);
        }
        assertEquals(List.of("a", "b", "c"), replayed, "generation 1 applied everything again, from offset zero");
        assertEquals(Map.of(), replay.committed(group, 0).await().atMost(WAIT), "its offsets replaced generation 0's");

        publish("d");
        List<String> resumed = new CopyOnWriteArrayList<>();
        EventConsumerLoop last = consumers.start(group, List.of(topic), records -> collect(records, resumed), 1);
        try (last) {
            Awaitility.await().atMost(WAIT).until(() -> sum(replay.committed(group, 1).await().atMost(WAIT)) == 4);
            assertTrue(consumers.started().contains(last));
        }
        assertEquals(List.of("d"), resumed, "a loop of the same generation goes on where it stood");
        assertTrue(!consumers.started().contains(last), "a closed loop is no longer one readiness looks at");
    }

    @Test
    void theTopicsTheRelayCreatesKeepTheirWholeHistoryForReplaysAndDeadLettersDoNot() {
        try (Admin admin = Admin.create(OwnBroker.kafka().adminConfig())) {
            assertEquals("-1", retention(admin, topic), "a projection rebuilt from offset zero needs every event");
            assertEquals(String.valueOf(Duration.ofDays(14).toMillis()), retention(admin, Topics.deadLetter(topic)),
                    "two weeks, as the cluster's KafkaTopics");
        }
    }

    /** The topic's retention, once the broker describes the topic just created. */
    private static String retention(Admin admin, String topic) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return Awaitility.await().atMost(WAIT).ignoreExceptions().until(() ->
                admin.describeConfigs(List.of(resource)).all().get().get(resource).get("retention.ms").value(), v -> v != null);
    }

    private static Uni<Void> collect(List<ConsumerRecord<String, String>> records, List<String> into) {
        records.forEach(r -> into.add(r.value()));
        return Uni.createFrom().voidItem();
    }

    private static long sum(Map<TopicPartition, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    private double count(String name, String... tags) {
        Counter counter = meters.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    private Uni<Void> handle(List<ConsumerRecord<String, String>> records) {
        records.forEach(r -> handled.add(r.value()));
        return Uni.createFrom().voidItem();
    }

    /** On one partition (one key), so they arrive in this order, usually in one batch. */
    private void publish(String... values) {
        TestEvents.publishRaw(OwnBroker.kafka().bootstrapServers(), topic, "agent-1", values);
    }

    /** Everything on the dead-letter topic, read up to its end offsets. */
    private List<ConsumerRecord<String, String>> deadLettered() {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(LocalKafka.clientConfig(
                OwnBroker.kafka().bootstrapServers(), Map.of(
                "key.deserializer", StringDeserializer.class.getName(),
                "value.deserializer", StringDeserializer.class.getName())))) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.deadLetter(topic)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    private static long committed(String group) throws Exception {
        try (Admin admin = Admin.create(OwnBroker.kafka().adminConfig())) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values().stream()
                    .mapToLong(OffsetAndMetadata::offset).sum();
        }
    }

    private static String reason(ConsumerRecord<String, String> dead) {
        return new String(dead.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
