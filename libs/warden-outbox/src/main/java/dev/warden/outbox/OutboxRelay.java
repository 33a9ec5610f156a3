package dev.warden.outbox;

import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes the outbox to Kafka: in seq order, at least once, deleting only what the broker acknowledged.
 * While the broker is down events wait in the table and go out when it returns. A {@link LeaderJob}: one relay per
 * database holds its advisory lock, other replicas stand by; it runs on the leader loop's thread and connection, not
 * on a request path.
 */
@ApplicationScoped
public class OutboxRelay implements LeaderJob {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final long LOCK_ID = 0x5741524445_4EL; // "WARDEN"

    private final OutboxConfig config;
    private final RelayProducer producer;
    private final LeaderLoop standalone;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong attempted = new AtomicLong();
    private final Deque<InFlight> inFlight = new ArrayDeque<>();
    private long cursor;

    public OutboxRelay(OutboxConfig config, RelayProducer producer,
                       @ConfigProperty(name = "quarkus.datasource.reactive.url") String reactiveUrl,
                       @ConfigProperty(name = "quarkus.datasource.username") Optional<String> username,
                       @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.config = config;
        this.producer = producer;
        this.standalone = new LeaderLoop(this, new LeaderConnection(reactiveUrl, username.orElse(""), password.orElse(""), config.leaderReadTimeout()), config);
    }

    /** Starts relaying on a leader loop of its own: for benchmarks that run the relay without Quarkus. */
    public void start() {
        standalone.start();
    }

    public void stop() {
        standalone.stop();
    }

    /** Events this instance has published since it started. */
    public long published() {
        return published.get();
    }

    /** Events this instance has tried to hand to Kafka, acknowledged or not, retries included. */
    public long attempted() {
        return attempted.get();
    }

    @Override
    public String name() {
        return "outbox-relay";
    }

    @Override
    public long lockId() {
        return LOCK_ID;
    }

    @Override
    public Optional<String> channel() {
        return Optional.of(Outbox.CHANNEL);
    }

    @Override
    public boolean enabled() {
        return config.relayEnabled();
    }

    /** A new leadership starts from the head of the table; batches a lost connection left in flight are forgotten. */
    @Override
    public void lead(Connection conn) {
        cursor = 0;
        inFlight.clear();
    }

    /**
     * Pipelined: reads the batch after the last one sent while up to {@code maxInFlightBatches} wait for the broker,
     * and deletes each row once the broker has acknowledged it. A failure drains the pipeline, keeps what was not
     * acknowledged, and starts again from the head of the table after a pause. Catching up also restarts from the
     * head, so a row that committed late with a lower seq is never skipped (it belongs to another key: changes to one
     * key lock its row, so their seqs follow commit order).
     */
    @Override
    public boolean runOnce(Connection conn) throws SQLException {
        // After any refusal nothing newer is sent until the refused events go again: newer events of the same key
        // must not overtake them.
        boolean refused = inFlight.stream().anyMatch(InFlight::refusedSoFar);
        Batch read = !refused && inFlight.size() < config.maxInFlightBatches() ? next(conn, cursor) : Batch.NONE;
        List<Pending> batch = read.rows();
        if (!batch.isEmpty()) {
            inFlight.add(send(batch));
            cursor = batch.getLast().seq();
        }
        boolean caughtUp = refused || !read.more();
        List<Long> acknowledged = new ArrayList<>();
        String failure = null;
        while (!inFlight.isEmpty()) {
            InFlight oldest = inFlight.peek();
            boolean mustWait = caughtUp || failure != null || inFlight.size() >= config.maxInFlightBatches();
            if (!oldest.awaitDone(mustWait)) {
                break;
            }
            inFlight.poll();
            acknowledged.addAll(oldest.acknowledged());
            if (failure == null) {
                failure = oldest.failure();
            }
        }
        delete(conn, acknowledged);
        published.addAndGet(acknowledged.size());
        if (failure != null) {
            cursor = 0;
            throw new RetryLater("Kafka refused events; they wait in the outbox: " + failure);
        }
        if (caughtUp && inFlight.isEmpty()) {
            cursor = 0;
            return !batch.isEmpty();
        }
        return true;
    }

    /** Hands a batch to Kafka; each record's acknowledgement or failure arrives on its callback. */
    private InFlight send(List<Pending> batch) {
        InFlight sent = new InFlight(batch);
        attempted.addAndGet(batch.size());
        KafkaProducer<String, String> kafka = producer.get();
        int i = 0;
        try {
            // Stop at the first refusal (Kafka reports a metadata timeout through the callback, during send): the rest
            // of the batch is not sent at all, so none of it can overtake the refused event.
            while (i < batch.size() && !sent.refusedSoFar()) {
                Pending p = batch.get(i);
                producer.ensureTopic(p.topic());
                int index = i++;
                kafka.send(RelayProducer.record(p.topic(), p.key(), p.payload()), (metadata, error) -> sent.complete(index, error));
            }
        } catch (RuntimeException e) {
            sent.complete(i++, e);
        }
        for (; i < batch.size(); i++) {
            sent.complete(i, new IllegalStateException("not sent after an earlier refusal"));
        }
        return sent;
    }

    /** A batch on its way: which of its rows the broker acknowledged. */
    private static final class InFlight {

        private final List<Pending> rows;
        private final boolean[] ok;
        private final CountDownLatch pending;
        private volatile String firstError;

        InFlight(List<Pending> rows) {
            this.rows = rows;
            this.ok = new boolean[rows.size()];
            this.pending = new CountDownLatch(rows.size());
        }

        void complete(int index, Exception error) {
            if (error == null) {
                ok[index] = true;
            } else if (firstError == null) {
                firstError = error.getMessage();
            }
            pending.countDown();
        }

        /** Whether every row has its answer; with {@code wait}, waits until it has or the loop is stopped. */
        boolean awaitDone(boolean wait) {
            if (!wait) {
                return pending.getCount() == 0;
            }
            try {
                // The producer retries until the broker answers; meanwhile the relay waits here, sending nothing newer.
                while (!pending.await(30, TimeUnit.SECONDS)) {
                    LOG.warnf("Waiting for Kafka to acknowledge %d events", pending.getCount());
                }
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        boolean refusedSoFar() {
            return firstError != null;
        }

        /** Why the broker refused part of the batch, or null if it acknowledged all. */
        String failure() {
            return firstError == null ? null
                    : "%d of %d refused: %s".formatted(rows.size() - acknowledged().size(), rows.size(), firstError);
        }

        List<Long> acknowledged() {
            List<Long> seqs = new ArrayList<>(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                if (ok[i]) {
                    seqs.add(rows.get(i).seq());
                }
            }
            return seqs;
        }
    }

    /**
     * The rows after {@code after}: at most {@code batchSize}, and only up to the one that takes them past
     * {@code batchBytes} (each row's size is known without reading it). {@code more}: rows were left for the next round.
     */
    private Batch next(Connection conn, long after) throws SQLException {
        try (PreparedStatement q = conn.prepareStatement("""
                SELECT o.seq, o.topic, o.record_key, o.payload, b.seen FROM warden_outbox o JOIN (
                    SELECT seq, sum(bytes) OVER (ORDER BY seq) - bytes AS before, count(*) OVER () AS seen
                    FROM (SELECT seq, octet_length(payload) AS bytes FROM warden_outbox WHERE seq > ? ORDER BY seq LIMIT ?) r
                ) b USING (seq)
                WHERE b.before < ? ORDER BY o.seq""")) {
            q.setLong(1, after);
            q.setInt(2, config.batchSize());
            q.setLong(3, config.batchBytes());
            List<Pending> rows = new ArrayList<>();
            long seen = 0;
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Pending(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                    seen = rs.getLong(5);
                }
            }
            return new Batch(rows, seen > rows.size() || seen == config.batchSize());
        }
    }

    private record Batch(List<Pending> rows, boolean more) {
        static final Batch NONE = new Batch(List.of(), false);
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

    private record Pending(long seq, String topic, String key, String payload) {
    }
}
