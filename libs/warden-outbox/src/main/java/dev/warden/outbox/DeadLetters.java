package dev.warden.outbox;

import dev.warden.events.Topics;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sends a message a consumer cannot use to {@code <topic>.dlq}, unchanged (but cut to its first part when it no longer
 * fits with them, {@link #TRUNCATED}), with why and where it came from in headers, and waits for the broker's
 * acknowledgement before the consumer moves on. A dead letter sent from a consumer loop's thread (by the loop, or by
 * its handler as it reads the batch) counts in {@code warden_consumer_dead_lettered_total} of that loop's group.
 */
@ApplicationScoped
public class DeadLetters {

    public static final String REASON = "warden-dlq-reason";
    public static final String ORIGIN = "warden-dlq-origin";
    /** The consumer group that gave the record up: every group reading a topic dead-letters its own copy. */
    public static final String GROUP = "warden-dlq-group";
    /**
     * On a dead letter too large to send whole: the bytes of the value it came with, of which it holds the first
     * {@value #TRUNCATED_CHARS} characters ({@link #ORIGIN} says where the whole is).
     */
    public static final String TRUNCATED = "warden-dlq-truncated";
    static final int TRUNCATED_CHARS = 65_536;

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
        Sent sent = new Sent(record.topic(), origin, reason, telemetry, context);
        return produce(dead, sent)
                // A record the broker took, with these headers, may no longer fit: a user trial's record of 1,048,400
                // bytes stopped every consumer of its topic, retrying its dead letter for ever. Its first part goes,
                // with its size: the whole stays at its origin, which the header names.
                .onFailure(RecordTooLargeException.class).recoverWithUni(tooLarge -> produce(truncated(dead), sent));
    }

    /**
     * {@code dead} with its value cut to its first {@value #TRUNCATED_CHARS} characters and its size in a header, and
     * only the dead letter's own headers (the record's, which may be what made it too large, stay at its origin).
     */
    static ProducerRecord<String, String> truncated(ProducerRecord<String, String> dead) {
        List<Header> headers = new ArrayList<>();
        for (Header header : dead.headers()) {
            if (header.key().startsWith("warden-dlq-")) {
                headers.add(header);
            }
        }
        String value = dead.value() == null ? "" : dead.value();
        headers.add(new RecordHeader(TRUNCATED, utf8(String.valueOf(utf8(value).length))));
        return new ProducerRecord<>(dead.topic(), null, dead.key(),
                value.length() > TRUNCATED_CHARS ? value.substring(0, TRUNCATED_CHARS) : value, headers);
    }

    private Uni<Void> produce(ProducerRecord<String, String> dead, Sent sent) {
        return Uni.createFrom().<Void>emitter(emitter -> {
            try {
                producer.ensureTopic(dead.topic());
                producer.get().send(dead, (metadata, error) -> {
                    if (error != null) {
                        emitter.fail(error);
                    } else {
                        if (sent.telemetry() != null) {
                            sent.telemetry().deadLettered(sent.topic());
                        }
                        sent.context().forEach(MDC::put);
                        try {
                            LOG.warnf("Dead-lettered %s%s to %s%s: %s", sent.origin(),
                                    sent.telemetry() == null ? "" : " (group " + sent.telemetry().group() + ")",
                                    dead.topic(), dead.headers().lastHeader(TRUNCATED) == null ? "" : " (its first "
                                            + TRUNCATED_CHARS + " characters: it is too large to send whole)",
                                    sent.reason());
                        } finally {
                            sent.context().keySet().forEach(MDC::remove);
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

    /** What the log line of a dead letter sent says, and whose count it moves. */
    private record Sent(String topic, String origin, String reason, ConsumerTelemetry telemetry,
                        Map<String, Object> context) {
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
