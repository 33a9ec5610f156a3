package dev.warden.outbox;

import dev.warden.events.Topics;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sends a message a consumer cannot use to {@code <topic>.dlq}, unchanged, with why and where it came from in
 * headers, and waits for the broker's acknowledgement before the consumer moves on. A dead letter sent from a consumer
 * loop's thread (by the loop, or by its handler as it reads the batch) counts in
 * {@code warden_consumer_dead_lettered_total} of that loop's group.
 */
@ApplicationScoped
public class DeadLetters {

    public static final String REASON = "warden-dlq-reason";
    public static final String ORIGIN = "warden-dlq-origin";
    /** The consumer group that gave the record up: every group reading a topic dead-letters its own copy. */
    public static final String GROUP = "warden-dlq-group";

    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    private final RelayProducer producer;

    public DeadLetters(RelayProducer producer) {
        this.producer = producer;
    }

    public Uni<Void> send(ConsumerRecord<String, String> record, String reason) {
        String topic = Topics.deadLetter(record.topic());
        String origin = record.topic() + "/" + record.partition() + "/" + record.offset();
        ConsumerTelemetry telemetry = ConsumerTelemetry.current();
        // The record as it came, its own headers (the CloudEvent's content-type) kept, and why and whence
        List<Header> headers = new ArrayList<>(List.of(record.headers().toArray()));
        headers.add(new RecordHeader(REASON, utf8(reason == null ? "unknown" : reason)));
        headers.add(new RecordHeader(ORIGIN, utf8(origin)));
        if (telemetry != null) {
            headers.add(new RecordHeader(GROUP, utf8(telemetry.group())));
        }
        ProducerRecord<String, String> dead = new ProducerRecord<>(topic, null, record.key(), record.value(), headers);
        // The sender's log context (its batch's trace and span ids): the broker's acknowledgement comes on the
        // producer's own thread, whose lines had none
        Map<String, Object> context = MDC.getMap();
        return Uni.createFrom().<Void>emitter(emitter -> {
            try {
                producer.ensureTopic(topic);
                producer.get().send(dead, (metadata, error) -> {
                    if (error != null) {
                        emitter.fail(error);
                    } else {
                        if (telemetry != null) {
                            telemetry.deadLettered(record.topic());
                        }
                        context.forEach(MDC::put);
                        try {
                            LOG.warnf("Dead-lettered %s%s to %s: %s", origin,
                                    telemetry == null ? "" : " (group " + telemetry.group() + ")", topic, reason);
                        } finally {
                            context.keySet().forEach(MDC::remove);
                        }
                        emitter.complete(null);
                    }
                });
            } catch (RuntimeException e) {
                emitter.fail(e);
            }
        })
                // Creating the topic and the producer's wait for the broker's metadata block (up to 10 s while the
                // broker is away): never on an event loop, where a batch's handler may subscribe to this
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
