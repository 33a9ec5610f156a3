package dev.warden.audit.chain;

import dev.warden.audit.chain.AuditPublicationRepository.Published;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.outbox.LeaderJob;
import dev.warden.outbox.MeasuredPublisher;
import dev.warden.outbox.OutboxConfig;
import dev.warden.outbox.RelayProducer;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes every chained entry on {@code warden.audit.v1} straight from {@code audit_entries}: the chain is durable
 * and ordered already, so an entry needs no second copy in the outbox. Per organization it publishes in sequence
 * order, keyed by the organization, and records how far it got only once the broker acknowledged: at least once, and
 * a redelivered entry carries the same CloudEvent id (derived from organization and sequence). A {@link LeaderJob},
 * like the outbox relay: one publisher per database holds its advisory lock.
 */
@ApplicationScoped
public class AuditTopicPublisher implements LeaderJob, MeasuredPublisher {

    /** What wakes the publisher once a transaction that appended to a chain commits ({@link ChainRepository#append}). */
    public static final String CHANNEL = "warden_audit";

    private static final Logger LOG = Logger.getLogger(AuditTopicPublisher.class);
    private static final long LOCK_ID = 0x5741524441L; // "WARDA"
    public static final String SOURCE = "/warden/audit-service";

    private final RelayProducer producer;
    private final OutboxConfig config;
    private final AuditPublicationRepository publication;
    /** Entries this instance has published (and the broker acknowledged) since it started. */
    private final AtomicLong acknowledged = new AtomicLong();

    public AuditTopicPublisher(RelayProducer producer, OutboxConfig config, AuditPublicationRepository publication) {
        this.producer = producer;
        this.config = config;
        this.publication = publication;
    }

    @Override
    public String name() {
        return "audit-publisher";
    }

    @Override
    public long lockId() {
        return LOCK_ID;
    }

    @Override
    public Optional<String> channel() {
        return Optional.of(CHANNEL);
    }

    @Override
    public boolean enabled() {
        return config.relayEnabled();
    }

    @Override
    public String metricPrefix() {
        return "warden.audit.topic";
    }

    @Override
    public String publishes() {
        return "Audit entries";
    }

    /** Entries this instance has published since it started: {@code warden_audit_topic_published_total}. */
    @Override
    public long published() {
        return acknowledged.get();
    }

    /**
     * Entries recorded and not yet published, {@code warden_audit_topic_backlog}, and how long the oldest has waited,
     * {@code warden_audit_topic_oldest_age_seconds}.
     */
    @Override
    public Uni<Waiting> waiting(SqlConnection conn) {
        return publication.waiting(conn);
    }

    /** Publishes the next batch past the watermarks and moves them up to what the broker acknowledged. */
    @Override
    public boolean runOnce(Connection conn) throws SQLException {
        List<Published> next = publication.next(conn, config.batchSize());
        if (next.isEmpty()) {
            return false;
        }
        List<AuditEntry> batch = next.stream().map(Published::entry).toList();
        Map<UUID, Long> published = send(next);
        publication.advance(conn, published);
        long count = publishedCount(batch, published);
        acknowledged.addAndGet(count);
        if (count < batch.size()) {
            throw new RetryLater("Kafka acknowledged %d of %d audit entries; the rest wait in the chain"
                    .formatted(count, batch.size()));
        }
        return true;
    }

    /** Sends the batch and answers, per organization, the highest sequence acknowledged with all before it. */
    private Map<UUID, Long> send(List<Published> batch) {
        KafkaProducer<String, String> kafka = producer.get();
        boolean[] ok = new boolean[batch.size()];
        CountDownLatch answered = new CountDownLatch(batch.size());
        int sent = 0;
        try {
            producer.ensureTopic(Topics.AUDIT);
            for (; sent < batch.size(); sent++) {
                AuditEntry e = batch.get(sent).entry();
                int index = sent;
                kafka.send(RelayProducer.record(Topics.AUDIT, e.orgId().toString(),
                                EventJson.write(event(e, batch.get(sent).traceparent()))),
                        (metadata, error) -> {
                            ok[index] = error == null;
                            answered.countDown();
                        });
            }
        } catch (RuntimeException e) {
            LOG.warnf("Could not hand audit entries to Kafka, will retry: %s", e.getMessage());
        }
        for (int i = sent; i < batch.size(); i++) {
            answered.countDown();
        }
        try {
            while (!answered.await(30, TimeUnit.SECONDS)) {
                LOG.warnf("Waiting for Kafka to acknowledge audit entries");
            }
        } catch (InterruptedException e) {
            // Stopping: what was acknowledged so far is recorded, the rest goes again from the next leader.
            Thread.currentThread().interrupt();
        }
        Map<UUID, Long> published = new LinkedHashMap<>();
        Map<UUID, Boolean> stopped = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            AuditEntry e = batch.get(i).entry();
            if (ok[i] && !stopped.getOrDefault(e.orgId(), false)) {
                published.put(e.orgId(), e.sequence());
            } else {
                stopped.put(e.orgId(), true);
            }
        }
        return published;
    }

    private static long publishedCount(List<AuditEntry> batch, Map<UUID, Long> published) {
        return batch.stream().filter(e -> published.getOrDefault(e.orgId(), 0L) >= e.sequence()).count();
    }

    /**
     * The entry as a CloudEvent whose id follows from organization, sequence and hash, so redelivery keeps the id,
     * carrying the trace context it was recorded in, so a consumer of the audit topic continues that trace. The hash is
     * part of it because a sequence can be chained twice: after the database is restored to an earlier point, the
     * entries after that point are chained again with other hashes (docs/deploy.md, "Restoring a backup"), and with an
     * id of organization and sequence alone a consumer that drops ids it has seen dropped them without a word.
     */
    static CloudEvent event(AuditEntry e, String traceparent) {
        UUID id = UUID.nameUUIDFromBytes(("audit-entry:" + e.orgId() + ":" + e.sequence() + ":" + e.hash())
                .getBytes(StandardCharsets.UTF_8));
        return new CloudEvent(CloudEvent.SPEC_VERSION, id, SOURCE, EventTypes.AUDIT_ENTRY_RECORDED,
                e.agentId() != null ? e.agentId() : "org:" + e.orgId(), e.recordedAt(), "application/json", e.orgId(),
                EventJson.MAPPER.valueToTree(e), traceparent);
    }
}
