package dev.warden.bench.outbox;

import dev.warden.testing.LocalKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * NOT the product: a what-if prototype of the relay loop with the changes docs/benchmarks.md suggests, to measure
 * what they would buy. Same guarantees on the happy path (seq order per partition, delete only what the broker
 * acknowledged, by explicit seq), but:
 * <ul>
 *   <li>pipelined: the next batch is read and sent while earlier ones wait for their acknowledgements (up to
 *       {@code maxInFlight} batches), instead of send, flush, wait, delete, then read;</li>
 *   <li>reads after a cursor ({@code seq > last read}) instead of from the head, so it neither re-reads what is in
 *       flight nor steps over the dead index entries of what it deleted;</li>
 *   <li>payloads as bytes (no UTF-8 decode to String and re-encode).</li>
 * </ul>
 * It has no error handling (a failed send aborts the bench) and does not rescan for rows that commit late with a
 * lower seq than the cursor; a real implementation must reset the cursor to the head when it catches up.
 */
final class PipelinedRelay implements BenchRelay {

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final KafkaProducer<String, byte[]> kafka;
    private final int batchSize;
    private final int maxInFlight;
    private final AtomicLong published = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile boolean running;
    private Thread thread;

    PipelinedRelay(String jdbcUrl, String user, String password, KafkaProducer<String, byte[]> kafka, int batchSize,
                   int maxInFlight) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.kafka = kafka;
        this.batchSize = batchSize;
        this.maxInFlight = maxInFlight;
    }

    private record InFlight(long[] seqs, CountDownLatch acks) {
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofPlatform().name(OutboxBench.RELAY_THREAD).start(this::run);
    }

    @Override
    public void stop() {
        running = false;
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
        if (failure.get() != null) {
            throw new IllegalStateException("prototype relay failed", failure.get());
        }
    }

    @Override
    public long published() {
        return published.get();
    }

    /** The producer the prototype uses: the relay's settings, byte[] values. */
    static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
        return new KafkaProducer<>(LocalKafka.clientConfig(bootstrapServers, Map.of(
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024)));
    }

    private void run() {
        try (Connection conn = DriverManager.getConnection(jdbcUrl, user, password)) {
            try (Statement s = conn.createStatement()) {
                s.execute("SELECT set_config('warden.platform', 'on', false)");
            }
            Deque<InFlight> inFlight = new ArrayDeque<>();
            long cursor = 0;
            try (PreparedStatement next = conn.prepareStatement(
                    "SELECT seq, topic, record_key, payload FROM warden_outbox WHERE seq > ? ORDER BY seq LIMIT ?");
                 PreparedStatement delete = conn.prepareStatement("DELETE FROM warden_outbox WHERE seq = ANY (?)")) {
                while (running) {
                    next.setLong(1, cursor);
                    next.setInt(2, batchSize);
                    List<Long> seqs = new ArrayList<>(batchSize);
                    CountDownLatch acks;
                    List<ProducerRecord<String, byte[]>> records = new ArrayList<>(batchSize);
                    try (ResultSet rs = next.executeQuery()) {
                        while (rs.next()) {
                            seqs.add(rs.getLong(1));
                            records.add(new ProducerRecord<>(rs.getString(2), rs.getString(3), rs.getBytes(4)));
                        }
                    }
                    if (!records.isEmpty()) {
                        acks = new CountDownLatch(records.size());
                        for (ProducerRecord<String, byte[]> r : records) {
                            kafka.send(r, (md, e) -> {
                                if (e != null) {
                                    failure.compareAndSet(null, e);
                                }
                                acks.countDown();
                            });
                        }
                        cursor = seqs.getLast();
                        inFlight.add(new InFlight(seqs.stream().mapToLong(Long::longValue).toArray(), acks));
                    }
                    // Delete what is acknowledged; wait for the oldest batch only when the pipeline is full or dry.
                    List<Long> done = new ArrayList<>();
                    while (!inFlight.isEmpty()) {
                        InFlight head = inFlight.peek();
                        boolean mustWait = inFlight.size() > maxInFlight || records.isEmpty();
                        if (mustWait ? head.acks().await(30, TimeUnit.SECONDS) : head.acks().getCount() == 0) {
                            if (failure.get() != null) {
                                throw failure.get();
                            }
                            inFlight.poll();
                            for (long s : head.seqs()) {
                                done.add(s);
                            }
                        } else {
                            break;
                        }
                    }
                    if (!done.isEmpty()) {
                        delete.setArray(1, conn.createArrayOf("bigint", done.toArray()));
                        delete.executeUpdate();
                        published.addAndGet(done.size());
                    }
                    if (records.isEmpty() && inFlight.isEmpty()) {
                        Thread.sleep(5);
                    }
                }
            }
        } catch (Exception e) {
            if (running) {
                failure.compareAndSet(null, e);
            }
        }
    }
}
