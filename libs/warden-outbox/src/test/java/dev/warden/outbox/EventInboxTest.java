package dev.warden.outbox;

import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.testing.EventTap;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
class EventInboxTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    EventInbox inbox;

    @Inject
    RelayProducer relay;

    private final String topic = "warden.inbox-test-" + UUID.randomUUID().toString().substring(0, 8) + ".v1";
    private final UUID org = UUID.randomUUID();
    private final List<UUID> handled = new CopyOnWriteArrayList<>();
    private KafkaProducer<String, String> producer;

    @BeforeEach
    void topicAndProducer() {
        relay.ensureTopic(topic);
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", OwnBroker.kafka().bootstrapServers(),
                "key.serializer", StringSerializer.class.getName(), "value.serializer", StringSerializer.class.getName()));
    }

    @AfterEach
    void closeProducer() {
        producer.close();
    }

    @Test
    void aRedeliveredEventIsHandledOnce() throws Exception {
        CloudEvent event = event(1);
        send(event);
        send(event);
        send(event(2));

        try (EventConsumerLoop loop = loop("dedupe-" + topic, (conn, e) -> record(e))) {
            Awaitility.await().atMost(WAIT).until(() -> handled.size() >= 2);
            Thread.sleep(1000);
        }
        assertEquals(2, handled.size());
        assertEquals(2, Set.copyOf(handled).size());
    }

    @Test
    void replayFromTheBeginningHandlesNothingTwice() throws Exception {
        send(event(1));
        send(event(2));
        try (EventConsumerLoop loop = loop("replay-" + topic, (conn, e) -> record(e))) {
            Awaitility.await().atMost(WAIT).until(() -> handled.size() == 2);
        }
        // Forget the group's committed offsets: the same consumer reads the topic again from offset zero.
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", OwnBroker.kafka().bootstrapServers()))) {
            admin.deleteConsumerGroups(List.of("replay-" + topic)).all().get();
        }
        try (EventConsumerLoop loop = loop("replay-" + topic, (conn, e) -> record(e))) {
            send(event(3));
            Awaitility.await().atMost(WAIT).until(() -> handled.size() >= 3);
            Thread.sleep(1000);
        }
        assertEquals(3, handled.size());
    }

    @Test
    void anUnparseableMessageIsDeadLetteredWithItsReasonAndConsumptionGoesOn() {
        producer.send(new ProducerRecord<>(topic, "agent-x", "{not json"));
        send(event(1));

        try (EventConsumerLoop loop = loop("dlq-" + topic, (conn, e) -> record(e));
             EventTap dlq = new EventTap(OwnBroker.kafka().bootstrapServers(), topic + ".dlq")) {
            var dead = dlq.await(r -> true, 1, WAIT).getFirst();
            assertEquals("{not json", dead.value());
            String reason = new String(dead.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8);
            assertEquals(true, reason.startsWith("not JSON"), reason);
            Awaitility.await().atMost(WAIT).until(() -> handled.size() == 1);
        }
    }

    @Test
    void aHandlerThatFailsIsRetriedAndTheEventIsNotMarkedDone() {
        AtomicBoolean failedOnce = new AtomicBoolean();
        send(event(1));

        try (EventConsumerLoop loop = loop("retry-" + topic, (conn, e) -> failedOnce.compareAndSet(false, true)
                ? Uni.createFrom().failure(new IllegalStateException("database hiccup"))
                : record(e))) {
            Awaitility.await().atMost(WAIT).until(() -> handled.size() == 1);
        }
        assertEquals(true, failedOnce.get());
    }

    @Test
    void anEventTheHandlerCannotUseIsDeadLettered() {
        send(event(1));
        try (EventConsumerLoop loop = loop("poison-" + topic,
                (conn, e) -> Uni.createFrom().failure(new UnprocessableEventException("agent payload missing")));
             EventTap dlq = new EventTap(OwnBroker.kafka().bootstrapServers(), topic + ".dlq")) {
            var dead = dlq.await(r -> true, 1, WAIT).getFirst();
            assertEquals("agent payload missing",
                    new String(dead.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8));
        }
    }

    private EventConsumerLoop loop(String group, EventInbox.Handler handler) {
        return EventConsumerLoop.perEvent(OwnBroker.kafka().bootstrapServers(), group, List.of(topic), inbox, handler);
    }

    private Uni<Void> record(CloudEvent e) {
        handled.add(e.id());
        return Uni.createFrom().voidItem();
    }

    private CloudEvent event(int n) {
        return CloudEvent.of("/warden/test", EventTypes.AGENT_UPDATED, "agent-" + n, org, Map.of("n", n));
    }

    private void send(CloudEvent event) {
        try {
            producer.send(new ProducerRecord<>(topic, event.subject(), EventJson.write(event))).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
