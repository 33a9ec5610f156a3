package dev.warden.audit.chain;

import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.outbox.LeaderConnection;
import dev.warden.outbox.OutboxConfig;
import dev.warden.outbox.RelayProducer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Publishes every chained entry on {@code warden.audit.v1} straight from {@code audit_entries}: the chain is durable
 * and ordered already, so an entry needs no second copy in the outbox. Per organization it publishes in sequence
 * order, keyed by the organization, and records how far it got only once the broker acknowledged: at least once, and
 * a redelivered entry carries the same CloudEvent id (derived from organization and sequence). One publisher per
 * database holds an advisory lock, like the outbox relay.
 */
@ApplicationScoped
public class AuditTopicPublisher {

    private static final Logger LOG = Logger.getLogger(AuditTopicPublisher.class);
    private static final long LOCK_ID = 0x5741524441L; // "WARDA"
    private static final String SOURCE = "/warden/audit-service";

    private final RelayProducer producer;
    private final OutboxConfig config;
    private final LeaderConnection database;
    private volatile boolean running;
    private Thread thread;

    public AuditTopicPublisher(RelayProducer producer, OutboxConfig config,
                               @ConfigProperty(name = "quarkus.datasource.reactive.url") String reactiveUrl,
                               @ConfigProperty(name = "quarkus.datasource.username") String username,
                               @ConfigProperty(name = "quarkus.datasource.password") String password) {
        this.producer = producer;
        this.config = config;
        this.database = new LeaderConnection(reactiveUrl, username, password);
    }

    void onStart(@Observes @Priority(55) StartupEvent event) {
        if (config.relayEnabled()) {
            running = true;
            thread = Thread.ofPlatform().name("warden-audit-publisher").start(this::run);
        }
    }

    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.interrupt();
            thread.join(10_000);
        }
    }

    private void run() {
        long backoff = 100;
        while (running) {
            try (Connection conn = database.open("warden_audit", LOCK_ID)) {
                if (conn == null) {
                    sleep(config.pollInterval().toMillis() * 5);
                    continue;
                }
                PGConnection notifications = conn.unwrap(PGConnection.class);
                while (running) {
                    List<AuditEntry> batch = next(conn);
                    if (batch.isEmpty()) {
                        notifications.getNotifications((int) config.pollInterval().toMillis());
                        continue;
                    }
                    Map<UUID, Long> published = send(batch);
                    record(conn, published);
                    if (publishedCount(batch, published) < batch.size()) {
                        sleep(backoff);
                        backoff = Math.min(backoff * 2, config.maxBackoff().toMillis());
                    } else {
                        backoff = 100;
                    }
                }
            } catch (SQLException e) {
                if (running) {
                    LOG.warnf("Audit publisher lost its database connection, retrying: %s", e.getMessage());
                    sleep(backoff);
                    backoff = Math.min(backoff * 2, config.maxBackoff().toMillis());
                }
            }
        }
    }

    private List<AuditEntry> next(Connection conn) throws SQLException {
        try (PreparedStatement q = conn.prepareStatement("""
                SELECT e.org_id, e.sequence, e.event_id, e.event_type, e.agent_id, e.actor, e.action_type, e.connector,
                       e.status, e.inputs_hash, e.outputs_hash, e.metadata::text, e.occurred_at, e.recorded_at,
                       e.prev_hash, e.hash
                FROM audit_publication p JOIN audit_entries e ON e.org_id = p.org_id AND e.sequence > p.published_sequence
                ORDER BY e.org_id, e.sequence LIMIT ?""")) {
            q.setInt(1, config.batchSize());
            List<AuditEntry> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(new AuditEntry(rs.getObject(1, UUID.class), rs.getLong(2), rs.getObject(3, UUID.class),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                            rs.getString(9), rs.getString(10), rs.getString(11), EventJson.tree(rs.getString(12)),
                            instant(rs.getTimestamp(13)), instant(rs.getTimestamp(14)), rs.getString(15), rs.getString(16)));
                }
            }
            return out;
        }
    }

    /** Sends the batch and answers, per organization, the highest sequence acknowledged with all before it. */
    private Map<UUID, Long> send(List<AuditEntry> batch) {
        KafkaProducer<String, String> kafka = producer.get();
        boolean[] ok = new boolean[batch.size()];
        CountDownLatch answered = new CountDownLatch(batch.size());
        int sent = 0;
        try {
            producer.ensureTopic(Topics.AUDIT);
            for (; sent < batch.size(); sent++) {
                AuditEntry e = batch.get(sent);
                int index = sent;
                kafka.send(new ProducerRecord<>(Topics.AUDIT, e.orgId().toString(), EventJson.write(event(e))),
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
            Thread.currentThread().interrupt();
            running = false;
        }
        Map<UUID, Long> published = new LinkedHashMap<>();
        Map<UUID, Boolean> stopped = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            AuditEntry e = batch.get(i);
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

    private static void record(Connection conn, Map<UUID, Long> published) throws SQLException {
        try (PreparedStatement u = conn.prepareStatement(
                "UPDATE audit_publication SET published_sequence = ? WHERE org_id = ? AND published_sequence < ?")) {
            for (Map.Entry<UUID, Long> p : published.entrySet()) {
                u.setLong(1, p.getValue());
                u.setObject(2, p.getKey());
                u.setLong(3, p.getValue());
                u.addBatch();
            }
            u.executeBatch();
        }
    }

    /** The entry as a CloudEvent whose id follows from organization and sequence, so redelivery keeps the id. */
    static CloudEvent event(AuditEntry e) {
        UUID id = UUID.nameUUIDFromBytes(("audit-entry:" + e.orgId() + ":" + e.sequence()).getBytes(StandardCharsets.UTF_8));
        return new CloudEvent(CloudEvent.SPEC_VERSION, id, SOURCE, EventTypes.AUDIT_ENTRY_RECORDED,
                e.agentId() != null ? e.agentId() : "org:" + e.orgId(), e.recordedAt(), "application/json", e.orgId(),
                EventJson.MAPPER.valueToTree(e));
    }

    private static java.time.Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
