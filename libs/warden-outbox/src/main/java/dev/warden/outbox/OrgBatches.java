package dev.warden.outbox;

import dev.warden.events.CloudEvent;
import dev.warden.events.EventTypes;
import dev.warden.events.EventJson;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * How a consumer's handler applies a batch of events, the one way every service does it: each record read as a
 * CloudEvent naming its organization and folded, in order, into that organization's part of the batch; each part
 * applied (its own transaction, so Row-Level Security scopes it; up to {@value #AT_ONCE} organizations at once); the
 * records that could not be read or folded sent to their dead-letter topic once the rest is applied. Tombstones
 * (compaction's removal of a key) are no events and are skipped.
 * <p>
 * Dead letters go last because a batch whose apply fails is retried whole (and then record by record, see
 * {@link EventConsumerLoop}): sent first, they would be sent again on every attempt. Every organization's apply ends
 * before the batch fails, with all their failures, so no transaction is left running behind a retry.
 */
@ApplicationScoped
public class OrgBatches {

    /** How many organizations' parts of one batch are applied at once (each holds a connection of the pool). */
    public static final int AT_ONCE = 4;

    private final DeadLetters deadLetters;

    public OrgBatches(DeadLetters deadLetters) {
        this.deadLetters = deadLetters;
    }

    /**
     * Applies {@code records}: {@code fold} adds one event to its organization's part (made by {@code newPart}) and
     * throws for an event the consumer cannot use, which is dead-lettered with the exception's message; {@code apply}
     * applies one organization's part.
     */
    public <P> Uni<Void> apply(List<ConsumerRecord<String, String>> records, Supplier<P> newPart,
                               BiConsumer<CloudEvent, P> fold, BiFunction<UUID, P, Uni<?>> apply) {
        List<Uni<Void>> deadLettered = new ArrayList<>();
        // Lazy: nothing is sent until subscribed, after the rest of the batch is applied.
        Map<UUID, P> parts = fold(records, newPart, fold, (record, reason) -> deadLettered.add(deadLetters.send(record, reason)));
        Uni<Void> applied = parts.isEmpty() ? Uni.createFrom().voidItem()
                : Multi.createFrom().iterable(parts.entrySet()).onItem()
                        .transformToUni(part -> apply.apply(part.getKey(), part.getValue()))
                        .collectFailures().merge(AT_ONCE)
                        .collect().last().replaceWithVoid();
        // One after the other, in the batch's order: each send goes to a worker (DeadLetters.send), and sent at once
        // they would reach <topic>.dlq in any order
        return applied.chain(() -> deadLettered.isEmpty() ? Uni.createFrom().voidItem()
                : Multi.createFrom().iterable(deadLettered).onItem().transformToUniAndConcatenate(send -> send)
                        .collect().last().replaceWithVoid());
    }

    /**
     * Each organization's part of {@code records}, folded in their order; a record that cannot be read or folded is
     * handed to {@code unusable} with the reason, and tombstones are skipped. {@link #apply}'s reading, for a reader of
     * a topic outside a consumer loop (runner-service's backfill passes over what the consumer dead-lettered).
     */
    public static <P> Map<UUID, P> fold(Iterable<ConsumerRecord<String, String>> records, Supplier<P> newPart,
                                        BiConsumer<CloudEvent, P> fold,
                                        BiConsumer<ConsumerRecord<String, String>, String> unusable) {
        Map<UUID, P> parts = new LinkedHashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            if (record.value() == null) {
                continue;
            }
            try {
                CloudEvent event = EventJson.read(record.value()); // one that names no organization is refused
                checkTopic(event, record.topic());
                fold.accept(event, parts.computeIfAbsent(event.orgid(), org -> newPart.get()));
            } catch (RuntimeException e) {
                unusable.accept(record, e.getMessage());
            }
        }
        return parts;
    }

    /**
     * Refuses an event of a type no Warden service publishes, and one read from a topic other than its own
     * ({@link EventTypes#TOPIC_OF}): the broker lets each
     * service's principal write only its own topics, and that is what makes an event's type trustworthy. A user
     * trial's runner-service principal wrote {@code agent.suspended} events of another organization's agent to
     * {@code warden.executions.v1}, the topic it may write, and registry-service and audit-service took them as
     * agent-service's: a forged name and status in the registry, the audit chain and a signed compliance package.
     */
    static void checkTopic(CloudEvent event, String topic) {
        String own = EventTypes.TOPIC_OF.get(event.type());
        if (own == null) {
            // No Warden service publishes it: a re-trial's dev.warden.agent.suspended.v2, written by runner-service's
            // principal, was chained by audit-service as an "agent.suspended" entry
            throw new IllegalArgumentException(event.type() + " is no event type a Warden service publishes");
        }
        if (!own.equals(topic)) {
            throw new IllegalArgumentException(event.type() + " travels on " + own + " only, not " + topic
                    + ": its producer may not write it here");
        }
    }

    /** {@link #apply} where an organization's part is its events, in their order. */
    public Uni<Void> applyEvents(List<ConsumerRecord<String, String>> records,
                                 BiFunction<UUID, List<CloudEvent>, Uni<?>> apply) {
        return apply(records, ArrayList::new, (event, events) -> events.add(event), apply);
    }
}
