package dev.warden.bench.registry;

import dev.warden.bench.common.CpuMeter;
import dev.warden.bench.common.FixedRateLoad;
import dev.warden.bench.common.Latencies;
import dev.warden.bench.common.Logs;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.KafkaAccess;
import dev.warden.events.Topics;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.outbox.DeadLetters;
import dev.warden.outbox.EventConsumerConfig;
import dev.warden.outbox.EventConsumerLoop;
import dev.warden.outbox.OutboxConfig;
import dev.warden.outbox.RelayProducer;
import dev.warden.tenancy.kafka.KafkaClients;
import dev.warden.testing.LocalKafka;
import io.smallrye.mutiny.Uni;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * The Java side of {@code bench/registry/run.sh}, against a suite the launcher started (docs/benchmarks.md, section 6):
 * <ul>
 *   <li>{@code seed N}: publishes the organization's audit entries up to sequence N on {@code warden.audit.v1} as
 *   audit-service's own principal, with audit-service's producer settings, spread over the organization's agents, and
 *   waits until the registry has counted them all;</li>
 *   <li>{@code paced RATE [PATH]}: {@code GET /v1/registry} (or PATH, the static baseline) at a fixed rate
 *   ({@link FixedRateLoad});</li>
 *   <li>{@code freshness RATE...}: per rate, audit entries published at that fixed rate; per entry, the delay from when
 *   it was due to be sent until the registry's projection had committed it, and, for the same entries at the same
 *   time, until a plain consumer of the same topic with the registry's consumer settings had it: the broker's own
 *   end-to-end latency.</li>
 * </ul>
 * Settings come from the environment run.sh sets: {@code BENCH_DATA} (the launcher's data folder), {@code
 * BENCH_KAFKA_PORT}, {@code BENCH_PG_PORT}, {@code BENCH_ORG}, {@code BENCH_AGENTS_FILE}, {@code BENCH_REGISTRY}
 * (registry-service's URL), {@code BENCH_KEY} (an API key of the organization).
 */
public final class RegistryBench {

    private static final String SOURCE = "/warden/audit-service";
    /** Carries the entry's sequence to the baseline consumer, which must not parse the event to find it. */
    private static final String SEQ_HEADER = "bench-seq";
    private static final String HASH = "9f2c".repeat(16);

    private final Path data = Path.of(env("BENCH_DATA"));
    private final String bootstrap = "127.0.0.1:" + env("BENCH_KAFKA_PORT");
    private final String jdbc = "jdbc:postgresql://127.0.0.1:" + env("BENCH_PG_PORT") + "/warden_registry";
    private final UUID org = UUID.fromString(env("BENCH_ORG"));
    private final String registry = env("BENCH_REGISTRY");
    private List<UUID> agents;
    private LocalKafka kafka;

    public static void main(String[] args) throws Exception {
        Logs.warningsOnly();
        try {
            run(new RegistryBench(), args);
        } catch (Throwable e) {
            e.printStackTrace(); // then an exit: a thread the failed run left would keep the JVM, and bench/run, waiting
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run(RegistryBench bench, String[] args) throws Exception {
        switch (args[0]) {
            case "seed" -> bench.seed(Long.parseLong(args[1]));
            case "paced" -> bench.paced(Double.parseDouble(args[1]), args.length > 2 ? args[2] : "/v1/registry",
                    seconds("BENCH_WARMUP", 5), seconds("BENCH_DURATION", 15));
            case "freshness" -> {
                for (int i = 1; i < args.length; i++) {
                    bench.freshness(Integer.parseInt(args[i]), seconds("BENCH_FRESH_WARMUP", 5),
                            seconds("BENCH_FRESH_DURATION", 20));
                }
            }
            default -> throw new IllegalArgumentException("seed N | paced RATE [PATH] | freshness RATE...");
        }
    }

    /** Publishes entries up to sequence {@code n} and waits until the registry has counted every one of them. */
    private void seed(long n) throws Exception {
        long from;
        try (Connection db = database()) {
            from = progress(db);
        }
        if (from >= n) {
            System.out.printf("  the registry has counted %,d audit entries already%n", from);
            return;
        }
        List<UUID> ids = agents();
        long start = System.nanoTime();
        AtomicReference<Exception> failed = new AtomicReference<>();
        try (KafkaProducer<String, String> producer = auditProducer()) {
            for (long seq = from + 1; seq <= n; seq++) {
                producer.send(entry(seq, ids.get((int) (seq % ids.size())), Instant.now()), (m, e) -> {
                    if (e != null) {
                        failed.set(e);
                    }
                });
            }
            producer.flush();
        }
        if (failed.get() != null) {
            throw new IllegalStateException("publishing the seed failed", failed.get());
        }
        double published = (System.nanoTime() - start) / 1e9;
        System.out.printf("  published %,d audit entries in %.1f s (%,.0f/s) as %s%n", n - from, published,
                (n - from) / published, KafkaAccess.AUDIT_SERVICE.principal());
        try (Connection db = database()) {
            long last = System.nanoTime();
            for (long counted = progress(db); counted < n; counted = progress(db)) {
                if (System.nanoTime() - last > TimeUnit.SECONDS.toNanos(15)) {
                    System.out.printf("  the registry has counted %,d of %,d%n", counted, n);
                    last = System.nanoTime();
                }
                Thread.sleep(200);
            }
        }
        double applied = (System.nanoTime() - start) / 1e9;
        System.out.printf("  the registry counted them all %.1f s after the first was published (%,.0f entries/s)%n",
                applied, (n - from) / applied);
    }

    /**
     * {@code GET /v1/registry} (or PATH) at {@code rate}: one line run.sh reads, "rate p50 p99 errors answered", then
     * µs of CPU per request sent of the client, registry-service and the rest of the machine ("others") over the run.
     */
    private void paced(double rate, String path, Duration warmup, Duration duration) throws Exception {
        CpuMeter cpu = new CpuMeter()
                .group("registry-service", CpuMeter.findByCommandLine(env("BENCH_ROOT") + "/registry-service/"))
                .group("client", () -> List.of(ProcessHandle.current()));
        CpuMeter.Snapshot before = cpu.snapshot();
        FixedRateLoad.Result r = FixedRateLoad.run(URI.create(registry + path),
                Map.of("X-API-Key", env("BENCH_KEY")), rate, warmup, duration);
        CpuMeter.Usage usage = CpuMeter.between(before, cpu.snapshot());
        double perRequest = 1e6 / Math.max(1, r.sent());
        System.out.printf("paced %.0f %.2f %.2f %d %d %.0f %.0f %.0f %.2f%n", r.rate(), r.latencies().p50(),
                r.latencies().p99(), r.errors() + r.late(), r.latencies().count(),
                usage.cpuSeconds().get("client") * perRequest, usage.cpuSeconds().get("registry-service") * perRequest,
                usage.others() * perRequest, usage.machineBusySeconds() / usage.wallSeconds());
    }

    /**
     * One rate: entries due every 1/rate s for warm-up plus duration; the registry's delay per entry (LISTEN for the
     * projector's NOTIFY, then the organization's counted sequence: every entry at or below it is applied, and the
     * time taken is when that read returned, so it can only overstate) against a consumer of the same topic and
     * settings that records when each entry reached it. The warm-up's entries are not counted.
     */
    private void freshness(int rate, Duration warmup, Duration duration) throws Exception {
        List<UUID> ids = agents();
        int total = (int) (rate * (warmup.toMillis() + duration.toMillis()) / 1000);
        int skip = (int) (rate * warmup.toMillis() / 1000);
        long[] due = new long[total];
        long[] broker = new long[total];
        long[] applied = new long[total];
        AtomicInteger brokerSeen = new AtomicInteger();
        long first;
        try (Connection db = database()) {
            first = progress(db) + 1;
        }
        Map<String, Double> metricsBefore = metrics();
        try (KafkaProducer<String, String> producer = auditProducer();
             Connection listening = database();
             EventConsumerLoop baseline = baselineConsumer(rate, (seq, at) -> {
                 int i = (int) (seq - first);
                 if (i >= 0 && i < total) {
                     broker[i] = at - due[i];
                     brokerSeen.incrementAndGet();
                 }
             })) {
            try (Statement s = listening.createStatement()) {
                s.execute("LISTEN warden_registry_changed");
            }
            AtomicLong counted = new AtomicLong(first - 1);
            AtomicBoolean stop = new AtomicBoolean();
            Thread listener = Thread.ofPlatform().name("bench-listener").start(() -> listen(listening, stop, counted,
                    seq -> (int) (seq - first), total, due, applied));
            CpuMeter cpu = cpuMeter();
            CpuMeter.Snapshot before = cpu.snapshot();
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            long interval = 1_000_000_000L / rate;
            AtomicReference<Exception> failed = new AtomicReference<>();
            for (int i = 0; i < total; i++) {
                due[i] = start + i * interval;
                long wait = due[i] - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                producer.send(entry(first + i, ids.get(i % ids.size()), Instant.now()), (m, e) -> {
                    if (e != null) {
                        failed.set(e);
                    }
                });
            }
            long sent = System.nanoTime();
            long deadline = sent + TimeUnit.SECONDS.toNanos(120);
            while ((counted.get() < first + total - 1 || brokerSeen.get() < total) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            CpuMeter.Usage usage = CpuMeter.between(before, cpu.snapshot());
            stop.set(true);
            listener.join();
            if (failed.get() != null) {
                throw new IllegalStateException("publishing failed", failed.get());
            }
            Latencies registryLat = measured(applied, skip);
            Latencies brokerLat = measured(broker, skip);
            Map<String, Double> metricsAfter = metrics();
            double count = metricsAfter.getOrDefault("count", 0.0) - metricsBefore.getOrDefault("count", 0.0);
            double sum = metricsAfter.getOrDefault("sum", 0.0) - metricsBefore.getOrDefault("sum", 0.0);
            System.out.printf("%n%,d entries/s for %d s after %d s of warm-up (%,d entries; sending took %.1f s)%n", rate,
                    duration.toSeconds(), warmup.toSeconds(), total, (sent - start) / 1e9);
            System.out.printf("  broker end to end  %s%n", brokerLat.describe());
            System.out.printf("  registry applied   %s%n", registryLat.describe());
            System.out.printf("  registry - broker  p50 %+.2f ms  p99 %+.2f ms%n", registryLat.p50() - brokerLat.p50(),
                    registryLat.p99() - brokerLat.p99());
            System.out.printf("  registry's own timer (event time to applied): mean %.2f ms over %,.0f events%n",
                    count == 0 ? Double.NaN : 1000 * sum / count, count);
            System.out.printf("  CPU: %s%n", usage.describe(total));
            if (registryLat.count() < total - skip || brokerLat.count() < total - skip) {
                System.out.printf("  NOT ALL APPLIED within 120 s of the last send: registry %,d, broker %,d of %,d%n",
                        registryLat.count(), brokerLat.count(), total - skip);
            }
            System.out.printf("freshness %d %.2f %.2f %.2f %.2f %d%n", rate, brokerLat.p50(), brokerLat.p99(),
                    registryLat.p50(), registryLat.p99(), total - skip - registryLat.count());
        }
    }

    /** On each notification, reads how far the organization is counted; every entry up to there is applied by then. */
    private void listen(Connection db, AtomicBoolean stop, AtomicLong counted, java.util.function.LongToIntFunction index,
                        int total, long[] due, long[] applied) {
        try {
            PGConnection pg = db.unwrap(PGConnection.class);
            while (!stop.get()) {
                PGNotification[] notes = pg.getNotifications(50);
                if (notes == null || notes.length == 0) {
                    continue;
                }
                long upTo = progress(db);
                long now = System.nanoTime();
                for (long seq = counted.get() + 1; seq <= upTo; seq++) {
                    int i = index.applyAsInt(seq);
                    if (i >= 0 && i < total) {
                        applied[i] = now - due[i];
                    }
                }
                counted.set(Math.max(counted.get(), upTo));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A consumer of warden.audit.v1 with the registry's consumer recipe and settings, from the topic's end on. */
    private EventConsumerLoop baselineConsumer(int rate, SeenAt seen) throws Exception {
        String group = "bench-e2e-" + rate + "-" + System.currentTimeMillis();
        Map<String, Object> admin = LocalKafka.clientConfig(bootstrap, Map.of());
        try (Admin a = Admin.create(admin)) {
            var partitions = a.describeTopics(List.of(Topics.AUDIT)).allTopicNames().get().get(Topics.AUDIT).partitions();
            Map<TopicPartition, OffsetSpec> latest = partitions.stream().collect(Collectors.toMap(
                    p -> new TopicPartition(Topics.AUDIT, p.partition()), p -> OffsetSpec.latest()));
            Map<TopicPartition, OffsetAndMetadata> ends = new HashMap<>();
            a.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, new OffsetAndMetadata(info.offset())));
            a.alterConsumerGroupOffsets(group, ends).all().get();
        }
        EventConsumerLoop loop = EventConsumerLoop.start(KafkaClients.of(admin), registryConsumerSettings(),
                new DeadLetters(null), group, List.of(Topics.AUDIT), records -> {
                    long now = System.nanoTime();
                    records.forEach(r -> {
                        Header h = r.headers().lastHeader(SEQ_HEADER);
                        if (h != null) {
                            seen.at(ByteBuffer.wrap(h.value()).getLong(), now);
                        }
                    });
                    return Uni.createFrom().voidItem();
                });
        try (Admin a = Admin.create(admin)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (a.describeConsumerGroups(List.of(group)).all().get().get(group).members().isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the baseline consumer did not join its group");
                }
                Thread.sleep(100);
            }
        }
        return loop;
    }

    @FunctionalInterface
    private interface SeenAt {
        void at(long sequence, long nanoTime);
    }

    /** The entry as audit-service publishes it (AuditTopicPublisher.event), keyed by its organization. */
    private ProducerRecord<String, String> entry(long seq, UUID agent, Instant at) {
        AuditEntry e = new AuditEntry(org, seq, UUID.randomUUID(), EventTypes.AGENT_ACTION, agent.toString(), "bench",
                "issues:create", "jira", "success", null, null, EventJson.MAPPER.createObjectNode(), at, at, HASH, HASH);
        UUID id = UUID.nameUUIDFromBytes(("audit-entry:" + org + ":" + seq).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        CloudEvent event = new CloudEvent(CloudEvent.SPEC_VERSION, id, SOURCE, EventTypes.AUDIT_ENTRY_RECORDED,
                e.agentId(), at, "application/json", org, EventJson.MAPPER.valueToTree(e), null);
        ProducerRecord<String, String> record = new ProducerRecord<>(Topics.AUDIT, org.toString(), EventJson.write(event));
        record.headers().add(SEQ_HEADER, ByteBuffer.allocate(8).putLong(seq).array());
        return record;
    }

    /** audit-service's producer (RelayProducer, as its publisher uses it), as audit-service's principal. */
    private KafkaProducer<String, String> auditProducer() {
        if (kafka == null) {
            kafka = LocalKafka.attach(data.resolve("kafka"), Integer.parseInt(env("BENCH_KAFKA_PORT")));
        }
        Map<String, Object> asAuditService = LocalKafka.clientConfig(bootstrap, Map.copyOf(kafka.grant(KafkaAccess.AUDIT_SERVICE)));
        RelayProducer relay = new RelayProducer(KafkaClients.of(asAuditService), new PublisherSettings());
        relay.ensureTopic(Topics.AUDIT);
        return relay.get();
    }

    /** registry-service's consumer settings (application.properties: warden.consumer.max-batch=2000; defaults else). */
    private static EventConsumerConfig registryConsumerSettings() {
        return new EventConsumerConfig() {
            public int maxBatch() { return 2000; }
            public int maxAttempts() { return 5; }
            public Duration initialBackoff() { return Duration.ofMillis(200); }
            public Duration maxBackoff() { return Duration.ofSeconds(10); }
            public Duration stuckAfter() { return Duration.ofMinutes(2); }
            public Duration sessionTimeout() { return Duration.ofSeconds(10); }
        };
    }

    /** The outbox defaults (OutboxConfig), which audit-service's publisher runs with. */
    private static final class PublisherSettings implements OutboxConfig {
        public boolean relayEnabled() { return true; }
        public int batchSize() { return 1000; }
        public long batchBytes() { return 8L * 1024 * 1024; }
        public int maxInFlightBatches() { return 4; }
        public Duration pollInterval() { return Duration.ofSeconds(1); }
        public Duration maxBackoff() { return Duration.ofSeconds(5); }
        public Duration maxBlock() { return Duration.ofSeconds(10); }
        public Duration leaderReadTimeout() { return Duration.ofSeconds(30); }
        public Duration deliveryTimeout() { return Duration.ofSeconds(10); }
        public int partitions() { return 6; }
        public short replicationFactor() { return 1; }
    }

    private static Latencies measured(long[] latencies, int skip) {
        long[] kept = new long[latencies.length - skip];
        int n = 0;
        for (int i = skip; i < latencies.length; i++) {
            if (latencies[i] != 0) {
                kept[n++] = latencies[i];
            }
        }
        return Latencies.of(kept, n);
    }

    private CpuMeter cpuMeter() {
        return new CpuMeter()
                .group("registry-service", CpuMeter.findByCommandLine(env("BENCH_ROOT") + "/registry-service/"))
                .group("PostgreSQL", CpuMeter.findByCommandLine("-D " + data.resolve("postgres")))
                .group("broker", CpuMeter.findByCommandLine(data.resolve("kafka").resolve("server.properties").toString()))
                .group("bench JVM", () -> List.of(ProcessHandle.current()));
    }

    /** The registry's freshness timer at /q/metrics: its count and sum (seconds). */
    private Map<String, Double> metrics() throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            String text = client.send(HttpRequest.newBuilder(URI.create(registry + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            // "name{labels} value", perhaps followed by an exemplar ("# {trace_id=...} value timestamp").
            Pattern sample = Pattern.compile("^warden_registry_freshness_seconds_(count|sum)(\\{[^}]*})?\\s+(\\S+)");
            Map<String, Double> found = new HashMap<>();
            for (String line : text.split("\n")) {
                Matcher m = sample.matcher(line);
                if (m.find()) {
                    found.merge(m.group(1), Double.parseDouble(m.group(3)), Double::sum);
                }
            }
            return found;
        }
    }

    private Connection database() throws SQLException {
        try {
            return DriverManager.getConnection(jdbc, "postgres",
                    java.nio.file.Files.readString(data.resolve("secrets/postgres-superuser-password")).trim());
        } catch (java.io.IOException e) {
            throw new SQLException("cannot read the suite's PostgreSQL password in " + data + "/secrets", e);
        }
    }

    /** How far the registry has counted the organization's audit chain (0: nothing yet). As the superuser: no RLS. */
    private long progress(Connection db) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("SELECT sequence FROM registry_audit_progress WHERE org_id = ?")) {
            s.setObject(1, org);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private List<UUID> agents() throws Exception {
        if (agents == null) {
            agents = Files.readAllLines(Path.of(env("BENCH_AGENTS_FILE"))).stream().filter(l -> !l.isBlank())
                    .map(UUID::fromString).toList();
        }
        return agents;
    }

    private static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException(name + " is not set (bench/registry/run.sh sets it)");
        }
        return v;
    }

    private static Duration seconds(String name, int fallback) {
        String v = System.getenv(name);
        return Duration.ofSeconds(v == null || v.isBlank() ? fallback : Long.parseLong(v.replace("s", "")));
    }
}
