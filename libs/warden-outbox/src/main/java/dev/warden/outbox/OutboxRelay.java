package dev.warden.outbox;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes the outbox to Kafka: in seq order, at least once, deleting only what the broker acknowledged.
 * While the broker is down events wait in the table and go out when it returns. One relay per database holds a
 * PostgreSQL advisory lock; other replicas stand by. The relay has its own thread and connection: it is not on a
 * request path.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final long LOCK_ID = 0x5741524445_4EL; // "WARDEN"

    private final OutboxConfig config;
    private final RelayProducer producer;
    private final String jdbcUrl;
    private final String username;
    private final String password;
    private final AtomicLong published = new AtomicLong();
    private volatile boolean running;
    private Thread thread;

    public OutboxRelay(OutboxConfig config, RelayProducer producer,
                       @ConfigProperty(name = "quarkus.datasource.reactive.url") String reactiveUrl,
                       @ConfigProperty(name = "quarkus.datasource.username") String username,
                       @ConfigProperty(name = "quarkus.datasource.password") String password) {
        this.config = config;
        this.producer = producer;
        this.jdbcUrl = "jdbc:" + reactiveUrl.replaceFirst("^vertx-reactive:", "");
        this.username = username;
        this.password = password;
    }

    void onStart(@Observes @Priority(50) StartupEvent event) {
        if (config.relayEnabled()) {
            start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    /** Starts relaying on its own thread; used directly by benchmarks that run the relay without Quarkus. */
    public synchronized void start() {
        if (!running) {
            running = true;
            thread = Thread.ofPlatform().name("warden-outbox-relay").start(this::run);
        }
    }

    public synchronized void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
    }

    /** Events this instance has published since it started. */
    public long published() {
        return published.get();
    }

    private void run() {
        long backoff = 100;
        while (running) {
            try (Connection conn = DriverManager.getConnection(jdbcUrl, username, password)) {
                conn.setAutoCommit(true);
                try (Statement s = conn.createStatement()) {
                    s.execute("SELECT set_config('warden.platform', 'on', false)");
                    // The planner cannot see through warden_platform() and would scan and sort a large backlog;
                    // the generic plan uses the seq index from the first batch on (bench/: 0.32 -> 0.45 of Kafka's perf test).
                    s.execute("SET plan_cache_mode = force_generic_plan");
                    s.execute("LISTEN warden_outbox");
                }
                if (!holdLock(conn)) {
                    sleep(config.pollInterval().toMillis() * 5);
                    continue;
                }
                LOG.info("Outbox relay started");
                backoff = relayWhileRunning(conn);
            } catch (SQLException e) {
                if (running) {
                    LOG.warnf("Outbox relay lost its database connection, retrying: %s", e.getMessage());
                    sleep(backoff);
                    backoff = Math.min(backoff * 2, config.maxBackoff().toMillis());
                }
            }
        }
    }

    private long relayWhileRunning(Connection conn) throws SQLException {
        long backoff = 100;
        PGConnection notifications = conn.unwrap(PGConnection.class);
        while (running) {
            List<Pending> batch = next(conn);
            if (batch.isEmpty()) {
                notifications.getNotifications((int) config.pollInterval().toMillis());
                continue;
            }
            List<Long> sent = send(batch);
            delete(conn, sent);
            if (sent.size() < batch.size()) {
                sleep(backoff);
                backoff = Math.min(backoff * 2, config.maxBackoff().toMillis());
            } else {
                backoff = 100;
            }
        }
        return backoff;
    }

    /** Sends the batch and returns the seqs of the longest acknowledged prefix: what follows a failure is retried. */
    private List<Long> send(List<Pending> batch) {
        List<Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
        KafkaProducer<String, String> kafka = producer.get();
        try {
            for (Pending p : batch) {
                producer.ensureTopic(p.topic());
                acks.add(kafka.send(new ProducerRecord<>(p.topic(), p.key(), p.payload())));
            }
        } catch (RuntimeException e) {
            LOG.warnf("Outbox relay could not hand events to Kafka, will retry: %s", e.getMessage());
        }
        kafka.flush();
        List<Long> sent = new ArrayList<>(acks.size());
        for (int i = 0; i < acks.size(); i++) {
            try {
                acks.get(i).get();
                sent.add(batch.get(i).seq());
            } catch (Exception e) {
                LOG.warnf("Kafka refused event %d, %d events wait for the broker: %s", batch.get(i).seq(),
                        batch.size() - i, e.getMessage());
                break;
            }
        }
        published.addAndGet(sent.size());
        return sent;
    }

    private List<Pending> next(Connection conn) throws SQLException {
        try (PreparedStatement q = conn.prepareStatement(
                "SELECT seq, topic, record_key, payload FROM warden_outbox ORDER BY seq LIMIT ?")) {
            q.setInt(1, config.batchSize());
            List<Pending> batch = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    batch.add(new Pending(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
            return batch;
        }
    }

    private static void delete(Connection conn, List<Long> seqs) throws SQLException {
        if (seqs.isEmpty()) {
            return;
        }
        try (PreparedStatement d = conn.prepareStatement("DELETE FROM warden_outbox WHERE seq = ANY (?)")) {
            d.setArray(1, conn.createArrayOf("bigint", seqs.toArray()));
            d.executeUpdate();
        }
    }

    private static boolean holdLock(Connection conn) throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(" + LOCK_ID + ")")) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private record Pending(long seq, String topic, String key, String payload) {
    }
}
