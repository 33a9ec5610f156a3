package dev.warden.bench.audit;

import dev.warden.tenancy.kafka.KafkaClients;
import dev.warden.bench.common.CpuMeter;
import dev.warden.bench.common.Exits;
import dev.warden.bench.common.Logs;

import dev.warden.audit.chain.ChainAppender;
import dev.warden.audit.chain.ChainRepository;
import dev.warden.audit.drift.DriftDetector;
import dev.warden.audit.drift.DriftRepository;
import dev.warden.audit.recording.AuditRecorder;
import dev.warden.audit.recording.EntryMapper;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.Topics;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.outbox.DeadLetters;
import dev.warden.outbox.OrgBatches;
import dev.warden.outbox.EventConsumerConfig;
import dev.warden.outbox.EventConsumerLoop;
import dev.warden.outbox.Outbox;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.testing.LocalKafka;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.WardenInfra;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgPool;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.flywaydb.core.Flyway;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static dev.warden.tenancy.db.Rows.jsonText;
import static dev.warden.tenancy.db.Rows.utc;

/**
 * The audit chain's drain rate: N {@code agent-action.performed.v1} events pre-loaded on
 * {@code warden.agent-actions.v1}, consumed by the service's own consumer loop ({@link EventConsumerLoop#start},
 * group per run, 2,000 records per poll, as {@code AuditRecorder.onStart}) and recorded by the service's own
 * {@code AuditRecorder.record} → {@link ChainAppender} into a freshly migrated database, as the runtime role. Timed
 * from the loop's start until all N are committed. Each round also runs, on the same topic / rows:
 * (a) Kafka's {@code ConsumerPerformance}; (b) a plain batched INSERT of the same entries (same statement, same
 * per-poll, per-organization transactions, no head lock, no dedupe, no drift, no hashing, no outbox);
 * (c) the same recording path unchained (see {@link #unchainedAppend}). See docs/benchmarks.md.
 */
public final class AuditBench {

    static final String APP_PASSWORD = "warden-bench";
    static final int POLL_BATCH = 2000; // audit-service: warden.consumer.max-batch=2000
    static final String INSERT = """
            INSERT INTO %s (org_id, sequence, event_id, event_type, agent_id, actor, action_type,
                connector, status, inputs_hash, outputs_hash, metadata, occurred_at, recorded_at, prev_hash, hash)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::text::jsonb, $13, $14, $15, $16)""";

    record Settings(int events, int rounds, int warmup, int orgs, int agents, int partitions, String runs) {
        static Settings fromEnv() {
            return new Settings(intEnv("BENCH_EVENTS", 1_000_000), intEnv("BENCH_ROUNDS", 1),
                    intEnv("BENCH_WARMUP", 20_000), intEnv("BENCH_ORGS", 5), intEnv("BENCH_AGENTS", 1000),
                    intEnv("BENCH_PARTITIONS", 6),
                    System.getenv().getOrDefault("BENCH_AUDIT_RUNS", "perf,plain,chained,unchained"));
        }

        static int intEnv(String name, int fallback) {
            String v = System.getenv(name);
            return v == null || v.isBlank() ? fallback : Integer.parseInt(v.replace("_", "").trim());
        }
    }

    record Result(String name, long events, double seconds, CpuMeter.Usage cpu, String note) {
        double rate() {
            return events / seconds;
        }
    }

    private final Settings s;
    private final Path pgDir = WardenInfra.freshDir("bench-postgres");
    private final Path kafkaDir = WardenInfra.freshDir("bench-kafka");
    private LocalPostgres pg;
    private LocalKafka kafka;
    private CpuMeter meter;
    private Vertx vertx;
    private int dbCount;

    private AuditBench(Settings s) {
        this.s = s;
    }

    public static void main(String[] args) throws Exception {
        Logs.warningsOnly();
        AuditBench bench = new AuditBench(Settings.fromEnv());
        try {
            bench.run();
        } catch (Throwable e) {
            // Said, then an exit: a thread the failed run left would keep the JVM, and bench/run, waiting
            e.printStackTrace();
            Exits.closeAndExit(bench::close, 1);
        }
        Exits.closeAndExit(bench::close, 0);
    }

    private void close() {
        if (vertx != null) vertx.closeAndAwait();
        if (kafka != null) kafka.close();
        if (pg != null) pg.close();
    }

    private void run() throws Exception {
        say("Audit chain benchmark: %,d agent-action events, %d round(s), warm-up %,d, %d orgs, %d agents, "
                        + "%d partitions, runs %s", s.events(), s.rounds(), s.warmup(), s.orgs(), s.agents(),
                s.partitions(), s.runs());
        say("Machine: %d cores, Java %s, load average %s", Runtime.getRuntime().availableProcessors(),
                Runtime.version(), Files.readString(Path.of("/proc/loadavg")).trim());
        long t = System.nanoTime();
        pg = LocalPostgres.start(pgDir, 0, APP_PASSWORD);
        kafka = LocalKafka.start(kafkaDir, 0);
        vertx = Vertx.vertx();
        List<ProcessHandle> broker = ProcessHandle.current().children()
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false)).toList();
        meter = new CpuMeter()
                .group("bench JVM", () -> List.of(ProcessHandle.current()))
                .group("PostgreSQL", CpuMeter.findByCommandLine("-D " + pgDir))
                .group("broker", () -> broker);
        try (Admin admin = Admin.create(kafka.adminConfig())) {
            List<NewTopic> topics = new ArrayList<>();
            for (String topic : AuditRecorder.TOPICS) {
                topics.add(new NewTopic(topic, topic.equals(Topics.AGENT_ACTIONS) ? s.partitions() : 1, (short) 1));
            }
            topics.add(new NewTopic("bench.warmup", s.partitions(), (short) 1));
            admin.createTopics(topics).all().get();
        }
        say("PostgreSQL on port %d and Kafka at %s ready in %.1f s", pg.port(), kafka.bootstrapServers(),
                (System.nanoTime() - t) / 1e9);

        // The warm-up events go to their own topic (same generator, another seed); the measured N to the audit topic.
        preload("bench.warmup", s.warmup(), 7);
        preload(Topics.AGENT_ACTIONS, s.events(), 42);

        if (s.warmup() > 0) {
            for (String run : s.runs().split(",")) {
                if (!run.equals("perf")) {
                    Result r = measure(run.trim(), "bench.warmup", s.warmup(), 7, "warm");
                    say("Warm-up %-10s %,9.0f events/s (not counted)", r.name(), r.rate());
                }
            }
        }
        Map<String, List<Result>> results = new LinkedHashMap<>();
        for (int round = 1; round <= s.rounds(); round++) {
            for (String run : s.runs().split(",")) {
                Result r = measure(run.trim(), Topics.AGENT_ACTIONS, s.events(), 42, "r" + round);
                results.computeIfAbsent(r.name(), k -> new ArrayList<>()).add(r);
                say("Round %d %-10s %,9.0f events/s  (%,d in %.2f s)%s", round, r.name(), r.rate(), r.events(),
                        r.seconds(), r.note().isEmpty() ? "" : "  " + r.note());
                say("    CPU: %s", r.cpu().describe(r.events()));
            }
            for (String line : ratios(results, round - 1)) say("Round %d %s", round, line);
        }
        report(results);
        if (Settings.intEnv("BENCH_PROFILE", 0) != 0) {
            costs(Math.min(s.events(), 50_000));
        }
    }

    /**
     * The JVM-side steps of recording one event, timed one at a time on one thread over {@code n} events (the second
     * of two passes): µs per event, CPU of this JVM, not wall time of the drain.
     */
    private void costs(int n) {
        ActionEvents gen = new ActionEvents(s.orgs(), s.agents(), 99);
        List<String> json = new ArrayList<>(n);
        for (int i = 0; i < n; i++) json.add(gen.next().value());
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        say("");
        say("Where the recorder's JVM time goes, per event (one thread, %,d events, second pass):", n);
        for (int pass = 0; pass < 2; pass++) {
            List<CloudEvent> events = new ArrayList<>(n);
            List<AuditEntry> entries = new ArrayList<>(n);
            List<AuditEntry> linked = new ArrayList<>(n);
            long t0 = System.nanoTime();
            for (String j : json) events.add(EventJson.read(j));
            long t1 = System.nanoTime();
            for (CloudEvent e : events) entries.add(EntryMapper.map(e, now));
            long t2 = System.nanoTime();
            String prev = dev.warden.events.audit.AuditChain.GENESIS;
            long seq = 0;
            for (AuditEntry e : entries) {
                AuditEntry l = dev.warden.events.audit.AuditChain.link(e, ++seq, prev);
                prev = l.hash();
                linked.add(l);
            }
            long t3 = System.nanoTime();
            long sink = 0;
            for (AuditEntry e : linked) sink += dev.warden.events.audit.AuditChain.canonical(e).length();
            long t4 = System.nanoTime();
            for (AuditEntry e : linked) {
                sink += dev.warden.events.CanonicalJson.sha256Hex((e.prevHash() + e.hash()).getBytes(StandardCharsets.UTF_8)).length();
            }
            long t5 = System.nanoTime();
            for (AuditEntry e : linked) {
                CloudEvent ce = CloudEvent.of("/warden/audit-service", dev.warden.events.EventTypes.AUDIT_ENTRY_RECORDED,
                        e.agentId(), e.orgId(), e);
                sink += EventJson.write(ce).length();
            }
            long t6 = System.nanoTime();
            for (AuditEntry e : linked) sink += tuple(e).size();
            long t7 = System.nanoTime();
            if (pass == 1) {
                double k = 1e3 * n;
                say("  %6.1f µs  EventJson.read (the CloudEvent from the record's JSON)", (t1 - t0) / k);
                say("  %6.1f µs  EntryMapper.map", (t2 - t1) / k);
                say("  %6.1f µs  AuditChain.link (the hash: valueToTree, sort, write, SHA-256) [%d]", (t3 - t2) / k, sink % 2);
                say("  %6.1f µs    of which AuditChain.canonical alone (valueToTree, sort, write)", (t4 - t3) / k);
                say("  %6.1f µs    SHA-256 + hex of a 128-byte string, for scale", (t5 - t4) / k);
                say("  %6.1f µs  outbox message: CloudEvent.of(entry) + EventJson.write (Outbox.emitAll)", (t6 - t5) / k);
                say("  %6.1f µs  the INSERT's Tuple (jsonText of metadata, utc times)", (t7 - t6) / k);
            }
        }
    }

    private Result measure(String run, String topic, int n, long seed, String tag) throws Exception {
        return switch (run) {
            case "perf" -> consumerPerf(topic, n, tag);
            case "plain" -> plainInsert(n, seed, false);
            case "unnest" -> plainInsert(n, seed, true);
            case "chained" -> drain(topic, n, tag, Mode.CHAINED);
            case "unchained" -> drain(topic, n, tag, Mode.UNCHAINED);
            case "nooutbox" -> drain(topic, n, tag, Mode.UNCHAINED_NO_OUTBOX);
            case "parallel" -> drain(topic, n, tag, Mode.CHAINED_ORGS_PARALLEL);
            default -> throw new IllegalArgumentException("unknown run " + run);
        };
    }

    // ---------------------------------------------------------------------------------------------------------------

    private void preload(String topic, int n, long seed) throws Exception {
        if (n <= 0) return;
        long t = System.nanoTime();
        ActionEvents gen = new ActionEvents(s.orgs(), s.agents(), seed);
        long bytes = 0;
        try (KafkaProducer<String, String> p = new KafkaProducer<>(LocalKafka.clientConfig(kafka.bootstrapServers(), Map.of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 262144,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName())))) {
            AtomicReference<Exception> failed = new AtomicReference<>();
            for (int i = 0; i < n; i++) {
                ActionEvents.Record r = gen.next();
                bytes += r.value().length();
                p.send(new ProducerRecord<>(topic, r.key(), r.value()), (m, e) -> {
                    if (e != null) failed.set(e);
                });
            }
            p.flush();
            if (failed.get() != null) throw failed.get();
        }
        say("Pre-loaded %,d events on %s (avg %,d B) in %.1f s", n, topic, bytes / n, (System.nanoTime() - t) / 1e9);
    }

    /** A freshly migrated database (tenancy, outbox, audit-service's own migrations), as the service's Flyway does. */
    private String freshDatabase() throws SQLException {
        String db = "audit_bench_" + (++dbCount);
        pg.ensureDatabase(db, true);
        Flyway.configure().dataSource(pg.jdbcUrl(db), pg.superUser(), pg.superPassword())
                .locations("classpath:db/warden", "classpath:db/migration")
                .placeholders(Map.of("app_role", LocalPostgres.APP_ROLE)).load().migrate();
        try (Connection c = superuser(db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE audit_entries_plain (LIKE audit_entries INCLUDING ALL)");
            st.execute("CALL warden_protect('audit_entries_plain')");
            st.execute("GRANT SELECT, INSERT ON audit_entries_plain TO " + LocalPostgres.APP_ROLE);
            st.execute("CHECKPOINT");
        }
        if (dbCount > 2) { // keep the disk small: the previous run's database is no longer needed
            try (Connection c = superuser("postgres"); Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS audit_bench_" + (dbCount - 2) + " WITH (FORCE)");
            }
        }
        return db;
    }

    private Connection superuser(String db) throws SQLException {
        return DriverManager.getConnection(pg.jdbcUrl(db), pg.superUser(), pg.superPassword());
    }

    /** audit-service's pool size, for its pool and TenantDb's turns per organization. */
    private static final int POOL_SIZE = 20;

    /** The service's pool: the runtime role, 20 connections, no client-side statement cache (Quarkus defaults). */
    private Pool pool(String db) {
        PgConnectOptions connect = PgConnectOptions.fromUri(pg.reactiveUrl(db))
                .setUser(LocalPostgres.APP_ROLE).setPassword(APP_PASSWORD);
        return PgPool.pool(vertx, connect, new PoolOptions().setMaxSize(POOL_SIZE));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Chained (the service's path) and unchained (the same path without the chain)

    /**
     * CHAINED: the service's path. UNCHAINED: the same without the chain ({@link #unchainedAppend}).
     * What-ifs: UNCHAINED_NO_OUTBOX also without the outbox rows; CHAINED_ORGS_PARALLEL the service's ChainAppender,
     * but a polled batch's organizations appended concurrently (each its own transaction and head lock) instead of
     * one after the other.
     */
    enum Mode { CHAINED, UNCHAINED, UNCHAINED_NO_OUTBOX, CHAINED_ORGS_PARALLEL }

    /** audit-service's consumer settings: the defaults of warden.consumer.*, polls of POLL_BATCH. */
    private static EventConsumerConfig consumerConfig() {
        return new EventConsumerConfig() {
            public int maxBatch() { return POLL_BATCH; }
            public int maxAttempts() { return 5; }
            public Duration initialBackoff() { return Duration.ofMillis(200); }
            public Duration maxBackoff() { return Duration.ofSeconds(10); }
            public Duration stuckAfter() { return Duration.ofMinutes(2); }
            public Duration sessionTimeout() { return Duration.ofSeconds(10); }
        };
    }

    private Result drain(String topic, int n, String tag, Mode mode) throws Exception {
        boolean chained = mode == Mode.CHAINED;
        String db = freshDatabase();
        Pool pool = pool(db);
        TenantDb tenantDb = new TenantDb(vertx.getDelegate(), pool, java.time.Duration.ofSeconds(10), POOL_SIZE);
        Outbox outbox = new Outbox("audit-service");
        DriftRepository drifts = new DriftRepository();
        DriftDetector drift = new DriftDetector(drifts, new DriftDetector.Config() {
            public int defaultMaxActions() { return 600; }
            public Duration defaultWindow() { return Duration.ofSeconds(60); }
        });
        AtomicLong done = new AtomicLong();
        EventConsumerLoop.BatchHandler handler;
        if (chained) {
            AuditRecorder recorder = new AuditRecorder(new ChainAppender(tenantDb, new ChainRepository(), drifts, outbox, drift),
                    // The events are all valid, so nothing is dead-lettered: DeadLetters gets no producer (one would
                    // fail the batch, and the run would stop as stalled).
                    new OrgBatches(new DeadLetters(null)));
            handler = records -> recorder.record(records).invoke(() -> done.addAndGet(records.size()));
        } else if (mode == Mode.CHAINED_ORGS_PARALLEL) {
            ChainAppender appender = new ChainAppender(tenantDb, new ChainRepository(), drifts, outbox, drift);
            handler = records -> {
                Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
                Map<UUID, List<DriftDetector.Incoming>> byOrg = group(records, now);
                List<Uni<List<AuditEntry>>> appends = new ArrayList<>();
                byOrg.forEach((org, in) -> appends.add(appender.append(org, in, now)));
                return Uni.join().all(appends).andFailFast().replaceWithVoid()
                        .invoke(() -> done.addAndGet(records.size()));
            };
        } else {
            Map<UUID, AtomicLong> sequences = new java.util.concurrent.ConcurrentHashMap<>();
            // The service publishes entries from the chain itself (AuditTopicPublisher), not through the outbox, so
            // the unchained emulation writes no outbox rows either.
            boolean withOutbox = false;
            handler = records -> unchainedRecord(records, tenantDb, withOutbox ? outbox : null, drift, sequences)
                    .invoke(() -> done.addAndGet(records.size()));
        }
        chained = mode == Mode.CHAINED || mode == Mode.CHAINED_ORGS_PARALLEL;
        String name = switch (mode) {
            case CHAINED -> "chained";
            case UNCHAINED -> "unchained";
            case UNCHAINED_NO_OUTBOX -> "nooutbox";
            case CHAINED_ORGS_PARALLEL -> "parallel";
        };
        String group = "audit-bench-" + name + "-" + tag;
        CpuMeter.Snapshot cpu0 = meter.snapshot();
        long t0 = System.nanoTime();
        long first = 0;
        // The warm-up's events come from a topic of their own, and the recorder takes an event only from its type's
        // topic (OrgBatches.checkTopic): they are handed on as read from warden.agent-actions.v1
        EventConsumerLoop.BatchHandler handle = handler;
        EventConsumerLoop.BatchHandler fromTopic = topic.equals(Topics.AGENT_ACTIONS) ? handle
                : records -> handle.handle(records.stream().map(r -> new org.apache.kafka.clients.consumer.ConsumerRecord<>(
                        Topics.AGENT_ACTIONS, r.partition(), r.offset(), r.key(), r.value())).toList());
        EventConsumerLoop loop = EventConsumerLoop.start(KafkaClients.of(kafka.adminConfig()), consumerConfig(), new DeadLetters(null),
                group, topic.equals(Topics.AGENT_ACTIONS) ? AuditRecorder.TOPICS : List.of(topic), fromTopic);
        long t1;
        try {
            long last = -1, lastChange = t0;
            while (done.get() < n) {
                long now = System.nanoTime();
                long d = done.get();
                if (first == 0 && d > 0) first = now;
                if (d != last) { last = d; lastChange = now; }
                if (now - lastChange > TimeUnit.SECONDS.toNanos(60)) {
                    throw new IllegalStateException(name + " run stalled at " + d);
                }
                Thread.sleep(2);
            }
            t1 = System.nanoTime();
        } finally {
            loop.close();
        }
        CpuMeter.Snapshot cpu1 = meter.snapshot();
        pool.closeAndAwait();
        String check;
        try (Connection c = superuser(db); Statement st = c.createStatement()) {
            long entries = scalar(st, "SELECT count(*) FROM audit_entries");
            long heads = scalar(st, "SELECT coalesce(sum(sequence), 0) FROM audit_chain_heads");
            long outboxRows = scalar(st, "SELECT count(*) FROM warden_outbox");
            if (entries != n || outboxRows != 0 || (chained && heads != n)) {
                throw new IllegalStateException("expected " + n + " entries, outbox rows (and head sequences); got "
                        + entries + ", " + outboxRows + ", " + heads);
            }
            check = String.format(Locale.ROOT, "first batch committed at %.2f s; %,d entries, %,d outbox rows%s",
                    (first - t0) / 1e9, entries, outboxRows, chained ? ", heads sum " + heads : "");
        }
        return new Result(name, n, (t1 - t0) / 1e9, CpuMeter.between(cpu0, cpu1), check);
    }

    /** AuditRecorder.record, verbatim but for the appender: parse, map, group by organization, one append each. */
    private Uni<Void> unchainedRecord(List<ConsumerRecord<String, String>> records, TenantDb db, Outbox outbox,
                                      DriftDetector drift, Map<UUID, AtomicLong> sequences) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Map<UUID, List<DriftDetector.Incoming>> byOrg = group(records, now);
        // As AuditRecorder.record: up to four organizations at once.
        return io.smallrye.mutiny.Multi.createFrom().iterable(byOrg.entrySet()).onItem()
                .transformToUni(e -> unchainedAppend(db, outbox, drift, sequences, e.getKey(), e.getValue(), now))
                .merge(4)
                .collect().last().replaceWithVoid();
    }

    private static Map<UUID, List<DriftDetector.Incoming>> group(List<ConsumerRecord<String, String>> records,
                                                                  Instant now) {
        Map<UUID, List<DriftDetector.Incoming>> byOrg = new LinkedHashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            CloudEvent event = EventJson.read(record.value());
            byOrg.computeIfAbsent(event.orgid(), o -> new ArrayList<>())
                    .add(new DriftDetector.Incoming(event, EntryMapper.map(event, now)));
        }
        return byOrg;
    }

    /**
     * ChainAppender.append without the chain: the same transaction, org scope, dedupe SELECT, drift expansion, batched
     * INSERT into audit_entries and outbox rows, but no head row (no INSERT .. ON CONFLICT, no SELECT .. FOR UPDATE,
     * no UPDATE of the head) and no hashing: the sequence comes from a counter in memory, prev_hash and hash are ''.
     * (Drift entries are not written to drift_events: with no declared intents, the bench produces none.)
     */
    private Uni<Void> unchainedAppend(TenantDb db, Outbox outbox, DriftDetector drift, Map<UUID, AtomicLong> sequences,
                                      UUID org, List<DriftDetector.Incoming> incoming, Instant now) {
        Map<UUID, DriftDetector.Incoming> unique = new LinkedHashMap<>();
        incoming.forEach(i -> unique.putIfAbsent(i.event().id(), i));
        AtomicLong seq = sequences.computeIfAbsent(org, o -> new AtomicLong());
        return db.inOrg(org, conn -> conn
                .preparedQuery("SELECT event_id FROM audit_entries WHERE org_id = $1 AND event_id = ANY ($2)")
                .execute(Tuple.of(org, unique.keySet().toArray(UUID[]::new)))
                .map(rows -> {
                    java.util.Set<UUID> known = new java.util.HashSet<>();
                    rows.forEach(r -> known.add(r.getUUID(0)));
                    return unique.values().stream().filter(i -> !known.contains(i.event().id())).toList();
                })
                .chain(fresh -> fresh.isEmpty() ? Uni.createFrom().item(List.<DriftDetector.Chained>of())
                        : drift.expand(conn, org, fresh, now))
                .chain(chained -> {
                    if (chained.isEmpty()) return Uni.createFrom().voidItem();
                    List<Tuple> rows = new ArrayList<>();
                    List<Outbox.Message> published = new ArrayList<>();
                    for (DriftDetector.Chained c : chained) {
                        AuditEntry e = c.entry();
                        long sq = seq.incrementAndGet();
                        AuditEntry placed = new AuditEntry(e.orgId(), sq, e.eventId(), e.eventType(), e.agentId(),
                                e.actor(), e.actionType(), e.connector(), e.status(), e.inputsHash(), e.outputsHash(),
                                e.metadata(), e.occurredAt(), e.recordedAt(), "", "");
                        rows.add(tuple(placed));
                        published.add(new Outbox.Message(dev.warden.events.EventTypes.AUDIT_ENTRY_RECORDED,
                                e.agentId() != null ? e.agentId() : "org:" + org, org.toString(), placed));
                    }
                    // As ChainAppender.write: the whole batch in one unnest statement.
                    return conn.preparedQuery(UNNEST.replace("audit_entries_plain", "audit_entries")).execute(columns(rows))
                            .chain(() -> outbox == null ? Uni.createFrom().voidItem()
                                    : outbox.emitAll(conn, org, published).replaceWithVoid()).replaceWithVoid();
                }));
    }

    static Tuple tuple(AuditEntry e) {
        return Tuple.from(Arrays.asList(e.orgId(), e.sequence(), e.eventId(), e.eventType(), e.agentId(), e.actor(),
                e.actionType(), e.connector(), e.status(), e.inputsHash(), e.outputsHash(), jsonText(e.metadata()),
                utc(e.occurredAt()), utc(e.recordedAt()), e.prevHash(), e.hash()));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Baseline (b): plain batched INSERT of the same rows

    /**
     * The same entries (same generator and seed as the topic, mapped by EntryMapper, hash columns '' ) built before
     * the clock starts, then written like the recorder writes them: per 2,000 events, one transaction per
     * organization (org scope set, as the runtime role), one executeBatch of the same INSERT into a table with the same
     * columns, constraints and indexes. Nothing else: no Kafka, no JSON, no head, no dedupe, no drift, no outbox.
     */
    private Result plainInsert(int n, long seed, boolean unnest) throws Exception {
        String db = freshDatabase();
        ActionEvents gen = new ActionEvents(s.orgs(), s.agents(), seed);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<List<Map.Entry<UUID, List<Tuple>>>> batches = new ArrayList<>();
        Map<UUID, AtomicLong> seq = new HashMap<>();
        for (int i = 0; i < n; i += POLL_BATCH) {
            Map<UUID, List<Tuple>> byOrg = new LinkedHashMap<>();
            for (int j = i; j < Math.min(n, i + POLL_BATCH); j++) {
                AuditEntry e = EntryMapper.map(gen.nextEvent(), now);
                long sq = seq.computeIfAbsent(e.orgId(), o -> new AtomicLong()).incrementAndGet();
                byOrg.computeIfAbsent(e.orgId(), o -> new ArrayList<>()).add(tuple(new AuditEntry(e.orgId(), sq,
                        e.eventId(), e.eventType(), e.agentId(), e.actor(), e.actionType(), e.connector(), e.status(),
                        e.inputsHash(), e.outputsHash(), e.metadata(), e.occurredAt(), e.recordedAt(), "", "")));
            }
            batches.add(new ArrayList<>(byOrg.entrySet()));
        }
        Pool pool = pool(db);
        TenantDb tenantDb = new TenantDb(vertx.getDelegate(), pool, java.time.Duration.ofSeconds(10), POOL_SIZE);
        String sql = INSERT.formatted("audit_entries_plain");
        if (unnest) { // what-if: the same rows as ONE statement per transaction (column arrays), not one per row
            for (List<Map.Entry<UUID, List<Tuple>>> batch : batches) {
                batch.replaceAll(e -> Map.entry(e.getKey(), List.of(columns(e.getValue()))));
            }
        }
        CpuMeter.Snapshot cpu0 = meter.snapshot();
        long t0 = System.nanoTime();
        for (List<Map.Entry<UUID, List<Tuple>>> batch : batches) {
            for (Map.Entry<UUID, List<Tuple>> org : batch) {
                tenantDb.inOrg(org.getKey(), conn -> unnest
                                ? conn.preparedQuery(UNNEST).execute(org.getValue().getFirst())
                                : conn.preparedQuery(sql).executeBatch(org.getValue()))
                        .await().atMost(Duration.ofSeconds(120));
            }
        }
        long t1 = System.nanoTime();
        CpuMeter.Snapshot cpu1 = meter.snapshot();
        pool.closeAndAwait();
        batches.clear();
        try (Connection c = superuser(db); Statement st = c.createStatement()) {
            long rows = scalar(st, "SELECT count(*) FROM audit_entries_plain");
            if (rows != n) throw new IllegalStateException("plain INSERT wrote " + rows + " of " + n);
        }
        return new Result(unnest ? "unnest" : "plain", n, (t1 - t0) / 1e9, CpuMeter.between(cpu0, cpu1), "");
    }

    static final String UNNEST = """
            INSERT INTO audit_entries_plain (org_id, sequence, event_id, event_type, agent_id, actor, action_type,
                connector, status, inputs_hash, outputs_hash, metadata, occurred_at, recorded_at, prev_hash, hash)
            SELECT a, b, c, d, e, f, g, h, i, j, k, l::jsonb, m, n, o, p
            FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
                 $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[], $14::timestamptz[],
                 $15::text[], $16::text[]) AS u(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)""";

    /** Rows to one tuple of 16 column arrays, for {@link #UNNEST}. */
    static Tuple columns(List<Tuple> rows) {
        int size = rows.size();
        Object[] cols = new Object[16];
        for (int c = 0; c < 16; c++) {
            cols[c] = switch (c) {
                case 0, 2 -> new UUID[size];
                case 1 -> new Long[size];
                case 12, 13 -> new java.time.OffsetDateTime[size];
                default -> new String[size];
            };
            Object[] col = (Object[]) cols[c];
            for (int r = 0; r < size; r++) col[r] = rows.get(r).getValue(c);
        }
        return Tuple.from(Arrays.asList(cols));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Baseline (a): kafka-consumer-perf-test on the same topic

    private Result consumerPerf(String topic, int n, String tag) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-X") || a.startsWith("-Djava.util.logging.manager=")).toList());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ConsumerPerfMain.class.getName(),
                Integer.toString(Math.min(s.warmup(), n)),
                "--bootstrap-server", kafka.bootstrapServers(), "--topic", topic, "--messages", Integer.toString(n),
                "--group", "bench-perf-" + tag, "--timeout", "60000"));
        // The same principal and SASL settings as the recorder's consumer, so both pay the same authentication.
        Path clientConfig = Files.createTempFile("bench-consumer", ".properties");
        Properties security = new Properties();
        security.putAll(LocalKafka.platformSecurity(kafka.bootstrapServers()));
        try (var writer = Files.newBufferedWriter(clientConfig)) {
            security.store(writer, "bench consumer");
        }
        cmd.addAll(List.of("--consumer.config", clientConfig.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CpuMeter.Snapshot cpu0 = null;
        long perfCpu = 0;
        String header = null, values = null;
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            boolean measuring = false;
            while ((line = r.readLine()) != null) {
                out.add(line);
                if (line.equals("BENCH_MEASURE_START")) {
                    cpu0 = meter.snapshot();
                    measuring = true;
                } else if (line.startsWith("BENCH_CPU_NANOS ")) {
                    perfCpu = Long.parseLong(line.substring("BENCH_CPU_NANOS ".length()).trim());
                } else if (measuring && line.startsWith("start.time")) {
                    header = line;
                } else if (measuring && header != null && values == null && !line.isBlank()) {
                    values = line;
                }
            }
        }
        CpuMeter.Snapshot cpu1 = meter.snapshot();
        int exit = p.waitFor();
        if (exit != 0 || values == null || cpu0 == null) {
            throw new IllegalStateException("ConsumerPerformance failed (exit " + exit + "):\n" + String.join("\n", out));
        }
        String[] names = header.split(",\\s*");
        String[] v = values.split(",\\s*");
        Map<String, String> f = new LinkedHashMap<>();
        for (int i = 0; i < Math.min(names.length, v.length); i++) f.put(names[i].trim(), v[i].trim());
        long consumed = Long.parseLong(f.get("data.consumed.in.nMsg"));
        double rate = Double.parseDouble(f.get("nMsg.sec"));
        if (consumed < n) throw new IllegalStateException("ConsumerPerformance consumed " + consumed + " of " + n);
        CpuMeter.Usage u = CpuMeter.between(cpu0, cpu1);
        Map<String, Double> cpu = new LinkedHashMap<>();
        cpu.put("perf JVM", perfCpu / 1e9);
        u.cpuSeconds().forEach((k, x) -> { if (!k.equals("bench JVM")) cpu.put(k, x); });
        u = new CpuMeter.Usage(cpu, u.machineBusySeconds(), u.machineCapacitySeconds(), u.wallSeconds());
        return new Result("perf", consumed, consumed / rate, u, String.format(Locale.ROOT,
                "rebalance %s ms, fetch %s ms, fetch.nMsg.sec %s", f.get("rebalance.time.ms"), f.get("fetch.time.ms"),
                f.get("fetch.nMsg.sec")));
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static List<String> ratios(Map<String, List<Result>> results, int i) {
        List<String> lines = new ArrayList<>();
        Function<String, Double> rate = name -> results.containsKey(name) && results.get(name).size() > i
                ? results.get(name).get(i).rate() : Double.NaN;
        double chained = rate.apply("chained");
        lines.add(String.format(Locale.ROOT, "ratios: chained/consumer-perf %.3f, chained/plain-INSERT %.3f, "
                        + "chaining cost 1 - chained/unchained %.1f%%", chained / rate.apply("perf"),
                chained / rate.apply("plain"), 100 * (1 - chained / rate.apply("unchained"))));
        return lines;
    }

    private static double median(List<Double> xs) {
        List<Double> sorted = xs.stream().filter(x -> !x.isNaN()).sorted().toList();
        if (sorted.isEmpty()) return Double.NaN;
        int m = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(m) : (sorted.get(m - 1) + sorted.get(m)) / 2;
    }

    private void report(Map<String, List<Result>> results) {
        say("");
        say("Summary (%,d events, %d round(s); medians, range in brackets):", s.events(), s.rounds());
        results.forEach((name, rs) -> {
            List<Double> rates = rs.stream().map(Result::rate).toList();
            say("  %-10s %,9.0f events/s  [%,.0f – %,.0f]", name, median(rates),
                    rates.stream().min(Double::compare).orElse(0.0), rates.stream().max(Double::compare).orElse(0.0));
        });
        int rounds = results.values().stream().mapToInt(List::size).max().orElse(0);
        List<Double> vsPerf = new ArrayList<>(), vsPlain = new ArrayList<>(), cost = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            double c = at(results, "chained", i);
            vsPerf.add(c / at(results, "perf", i));
            vsPlain.add(c / at(results, "plain", i));
            cost.add(1 - c / at(results, "unchained", i));
        }
        double lower = Math.min(median(results.getOrDefault("perf", List.of()).stream().map(Result::rate).toList()),
                median(results.getOrDefault("plain", List.of()).stream().map(Result::rate).toList()));
        say("  chained / consumer perf test:  %.3f (median of per-round ratios)", median(vsPerf));
        say("  chained / plain INSERT:        %.3f", median(vsPlain));
        say("  chaining cost (1 - chained/unchained): %.1f%%", 100 * median(cost));
        double chainedRate = median(results.getOrDefault("chained", List.of()).stream().map(Result::rate).toList());
        say("  target 1: chained >= 0.5 x lower baseline (%,.0f): %s", lower,
                Double.isNaN(chainedRate) || Double.isNaN(lower) ? "n/a" : chainedRate >= 0.5 * lower ? "met" : "MISSED");
        say("  target 2: chaining cost <= 20%%: %s", Double.isNaN(median(cost)) ? "n/a"
                : 100 * median(cost) <= 20 ? "met" : "MISSED");
        for (String whatIf : List.of("parallel", "nooutbox", "unnest")) {
            if (!results.containsKey(whatIf)) continue;
            String base = switch (whatIf) { case "parallel" -> "chained"; case "nooutbox" -> "unchained"; default -> "plain"; };
            List<Double> r = new ArrayList<>();
            for (int i = 0; i < rounds; i++) r.add(at(results, whatIf, i) / at(results, base, i));
            say("  what-if %s: %.2f x %s (median of per-round ratios)", whatIf, median(r), base);
        }
    }

    private static double at(Map<String, List<Result>> results, String name, int i) {
        List<Result> rs = results.get(name);
        return rs == null || rs.size() <= i ? Double.NaN : rs.get(i).rate();
    }

    private static long scalar(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static void say(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
