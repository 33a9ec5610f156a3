package dev.warden.bench.outbox;

import dev.warden.tenancy.kafka.KafkaClients;
import dev.warden.bench.common.CpuMeter;
import dev.warden.bench.common.Exits;
import dev.warden.bench.common.Logs;

import dev.warden.outbox.OutboxConfig;
import dev.warden.outbox.OutboxRelay;
import dev.warden.outbox.RelayProducer;
import dev.warden.testing.LocalKafka;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.WardenInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.flywaydb.core.Flyway;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The outbox relay's throughput (events per second from committed outbox rows to broker acknowledgement) as a share
 * of Kafka's own producer perf test against the same broker, in the same run, with the same record count and size
 * and the same producer durability settings (acks=all, idempotence on, linger 5 ms, 256 KiB batches).
 *
 * <p>Each round: N committed outbox rows are loaded with COPY, the relay is started and timed until it has published
 * all N and the table is empty; then {@code ProducerPerformance} sends N records of the same payloads to a fresh topic
 * with the same partition count. Settings come from the environment (see {@link Settings}); {@code bench/run} is the
 * entry point and {@code docs/benchmarks.md} the description.
 */
public final class OutboxBench {

    static final String DB = "outbox_bench";
    static final String APP_PASSWORD = "warden-bench";
    static final String RELAY_THREAD = "warden-outbox-relay";
    private static final Pattern PERF_TOTAL = Pattern.compile(
            "^(\\d+) records sent, ([\\d.]+) records/sec \\(([\\d.]+) MB/sec\\), ([\\d.]+) ms avg latency, "
                    + "([\\d.]+) ms max latency, (\\d+) ms 50th, (\\d+) ms 95th, (\\d+) ms 99th, (\\d+) ms 99.9th\\.$");

    /** Options, from environment variables of the same name. */
    record Settings(int events, int warmup, int rounds, int batchSize, int partitions, int agents, String payload,
                    boolean profile, int whatIf, boolean baseline) {

        static Settings fromEnv() {
            return new Settings(
                    intEnv("BENCH_EVENTS", 200_000),
                    intEnv("BENCH_WARMUP", 20_000),
                    intEnv("BENCH_ROUNDS", 3),
                    intEnv("BENCH_BATCH", 1000),
                    intEnv("BENCH_PARTITIONS", 6),
                    intEnv("BENCH_AGENTS", 1000),
                    System.getenv().getOrDefault("BENCH_PAYLOAD", "connector"),
                    intEnv("BENCH_PROFILE", 0) != 0,
                    intEnv("BENCH_WHATIF", 0),
                    intEnv("BENCH_BASELINE", 1) != 0);
        }

        private static int intEnv(String name, int fallback) {
            String v = System.getenv(name);
            return v == null || v.isBlank() ? fallback : Integer.parseInt(v.replace("_", "").trim());
        }
    }

    /** The relay's configuration: the production defaults except what the bench varies. */
    record RelaySettings(int batchSize, int partitions) implements OutboxConfig {
        @Override
        public boolean relayEnabled() {
            return true;
        }

        @Override
        public Duration pollInterval() {
            return Duration.ofSeconds(1);
        }

        @Override
        public Duration maxBackoff() {
            return Duration.ofSeconds(5);
        }

        @Override
        public short replicationFactor() {
            return 1;
        }

        /** The product defaults (OutboxConfig): the bench measures the relay as shipped. */
        @Override
        public int maxInFlightBatches() {
            return 4;
        }

        @Override
        public long batchBytes() {
            return 8L * 1024 * 1024;
        }

        @Override
        public Duration maxBlock() {
            return Duration.ofSeconds(10);
        }

        @Override
        public Duration leaderReadTimeout() {
            return Duration.ofSeconds(30);
        }

        @Override
        public Duration deliveryTimeout() {
            return Duration.ofSeconds(10);
        }
    }

    /**
     * A relay round: {@code events} in {@code seconds} (start to empty table); acknowledged at
     * {@code publishedSeconds}; the first {@code firstEvents} (ten batches) at {@code firstSeconds}.
     */
    record RelayResult(long events, double seconds, double publishedSeconds, double firstSeconds, long firstEvents,
                       CpuMeter.Usage cpu) {
        double rate() {
            return events / seconds;
        }

        /** The rate after the first ten batches: the relay's pace once its plans and caches have settled. */
        double rateAfterFirst() {
            return (events - firstEvents) / (seconds - firstSeconds);
        }

        String timeline() {
            return String.format(Locale.ROOT, "first %,d in %.2f s, then %,.0f events/s; all acknowledged at %.2f s",
                    firstEvents, firstSeconds, rateAfterFirst(), publishedSeconds);
        }
    }

    record BaselineResult(long records, double recordsPerSec, double mbPerSec, double avgLatencyMs, int p99Ms,
                          CpuMeter.Usage cpu, String summary) {
    }

    private final Settings settings;
    private final RelaySettings relayConfig;
    private final Path pgDir;
    private final Path kafkaDir;
    private final Path workDir;
    private LocalPostgres pg;
    private LocalKafka kafka;
    private RelayProducer producer;
    private CpuMeter meter;
    private OutboxRows events;
    private Path payloadFile;
    private double averagePayload;

    private OutboxBench(Settings settings) {
        this.settings = settings;
        this.relayConfig = new RelaySettings(settings.batchSize(), settings.partitions());
        this.pgDir = WardenInfra.freshDir("bench-postgres");
        this.kafkaDir = WardenInfra.freshDir("bench-kafka");
        this.workDir = WardenInfra.freshDir("bench");
    }

    public static void main(String[] args) throws Exception {
        Logs.warningsOnly();
        Settings settings = Settings.fromEnv();
        OutboxBench bench = new OutboxBench(settings);
        Runtime.getRuntime().addShutdownHook(new Thread(bench::close, "bench-stop"));
        try {
            bench.run();
        } catch (Throwable e) {
            e.printStackTrace(); // then an exit: a thread the failed run left would keep the JVM, and bench/run, waiting
            Exits.closeAndExit(bench::close, 1);
        }
        Exits.closeAndExit(bench::close, 0);
    }

    private void run() throws Exception {
        Settings s = settings;
        say("Outbox relay benchmark: %,d %s events per round, %d round(s), warm-up %,d, relay batch %d, "
                        + "%d partitions, %d agents (keys)", s.events(), s.payload(), s.rounds(), s.warmup(),
                s.batchSize(), s.partitions(), s.agents());
        say("Machine: %d cores, Java %s, load average %s", Runtime.getRuntime().availableProcessors(),
                Runtime.version(), loadAverage());

        long t = System.nanoTime();
        pg = LocalPostgres.start(pgDir, 0, APP_PASSWORD);
        kafka = LocalKafka.start(kafkaDir, 0);
        pg.ensureDatabase(DB, true);
        Flyway.configure()
                .dataSource(pg.jdbcUrl(DB), pg.superUser(), pg.superPassword())
                .locations("classpath:db/warden")
                .placeholders(Map.of("app_role", LocalPostgres.APP_ROLE))
                .load()
                .migrate();
        createTopic(OutboxRows.TOPIC);
        say("PostgreSQL on port %d and Kafka at %s ready in %.1f s (data in %s, %s)", pg.port(),
                kafka.bootstrapServers(), (System.nanoTime() - t) / 1e9, pgDir, kafkaDir);

        // The broker is this JVM's only child at this point; PostgreSQL's postmaster runs detached, found by its -D.
        List<ProcessHandle> broker = ProcessHandle.current().children()
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false)).toList();
        meter = new CpuMeter()
                .group("relay JVM", () -> List.of(ProcessHandle.current()))
                .group("PostgreSQL", CpuMeter.findByCommandLine("-D " + pgDir))
                .group("broker", () -> broker);

        events = new OutboxRows(s.payload(), s.agents(), 20, 42);
        writePayloadFile(new OutboxRows(s.payload(), s.agents(), 20, 7), 1000);
        producer = new RelayProducer(KafkaClients.of(kafka.adminConfig()), relayConfig);

        if (s.warmup() > 0) {
            load(s.warmup());
            RelayResult warm = runRelay(s.warmup(), null);
            say("Warm-up: relay %,.0f events/s over %,d events (not counted)", warm.rate(), s.warmup());
        }

        List<RelayResult> relays = new ArrayList<>();
        List<BaselineResult> baselines = new ArrayList<>();
        for (int round = 1; round <= s.rounds(); round++) {
            prepare(s.events());
            RelayResult relay = runRelay(s.events(), null);
            relays.add(relay);
            say("Round %d relay:    %,9.0f events/s  (%,d in %.2f s; %s)", round, relay.rate(), relay.events(),
                    relay.seconds(), relay.timeline());
            say("    CPU: %s", relay.cpu().describe(relay.events()));
            if (s.baseline()) {
                BaselineResult base = runBaseline(s.events(), round);
                baselines.add(base);
                say("Round %d baseline: %,9.0f records/s (%.2f MB/s, avg latency %.1f ms, p99 %d ms)", round,
                        base.recordsPerSec(), base.mbPerSec(), base.avgLatencyMs(), base.p99Ms());
                say("    CPU: %s", base.cpu().describe(base.records()));
                say("Round %d ratio:    %.3f", round, relay.rate() / base.recordsPerSec());
            }
        }

        if (s.profile()) {
            profile(s.events());
        }
        List<String> whatIfs = s.whatIf() > 0 ? whatIf(s.events(), s.whatIf(), baselines) : List.of();
        report(relays, baselines);
        whatIfs.forEach(OutboxBench::say);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Data

    /** VACUUM what earlier rounds left, load {@code n} committed rows, refresh statistics and checkpoint. */
    private void prepare(int n) throws SQLException {
        try (Connection c = superuser(); Statement st = c.createStatement()) {
            st.execute("VACUUM warden_outbox");
        }
        load(n);
    }

    /** Loads {@code n} rows in one COPY, as the superuser (the relay reads them with platform scope). */
    private void load(int n) throws SQLException {
        long t = System.nanoTime();
        long bytes = 0;
        try (Connection c = superuser()) {
            CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(
                    "COPY warden_outbox (org_id, topic, record_key, event_id, event_type, payload) FROM STDIN "
                            + "WITH (FORMAT csv)");
            ByteArrayOutputStream buf = new ByteArrayOutputStream(1 << 21);
            StringBuilder line = new StringBuilder(2048);
            for (int i = 0; i < n; i++) {
                OutboxRows.Row r = events.next();
                bytes += r.payload().getBytes(StandardCharsets.UTF_8).length;
                line.setLength(0);
                line.append(r.orgId()).append(',').append(r.topic()).append(',').append(r.key()).append(',')
                        .append(r.eventId()).append(',').append(r.type()).append(",\"")
                        .append(r.payload().replace("\"", "\"\"")).append("\"\n");
                buf.writeBytes(line.toString().getBytes(StandardCharsets.UTF_8));
                if (buf.size() > (1 << 20)) {
                    copy.writeToCopy(buf.toByteArray(), 0, buf.size());
                    buf.reset();
                }
            }
            copy.writeToCopy(buf.toByteArray(), 0, buf.size());
            copy.endCopy();
            try (Statement st = c.createStatement()) {
                st.execute("ANALYZE warden_outbox");
                st.execute("CHECKPOINT");
            }
        }
        say("Loaded %,d outbox rows (payload avg %,d B) in %.1f s", n, bytes / Math.max(1, n),
                (System.nanoTime() - t) / 1e9);
    }

    /** Payloads for the baseline, one per line, from the same generator as the outbox rows. */
    private void writePayloadFile(OutboxRows generator, int count) throws IOException {
        List<String> lines = IntStream.range(0, count).mapToObj(i -> generator.next().payload()).toList();
        payloadFile = workDir.resolve("payloads.txt");
        Files.write(payloadFile, lines, StandardCharsets.UTF_8);
        averagePayload = lines.stream().mapToInt(l -> l.getBytes(StandardCharsets.UTF_8).length).average()
                .orElse(0);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The relay

    /** Starts the library's relay, as the runtime role, over the loaded rows. */
    private RelayResult runRelay(int n, RelaySampler sampler) throws Exception {
        return runRelay(n, sampler, () -> BenchRelay.of(new OutboxRelay(relayConfig, producer, pg.reactiveUrl(DB),
                Optional.of(LocalPostgres.APP_ROLE), Optional.of(APP_PASSWORD))));
    }

    /**
     * Starts a relay over the loaded rows; timed from start() until it has published all and the table is empty.
     * The last row (highest seq) goes in the last batch, whose rows one DELETE removes together: its absence is the
     * end, checked with an index lookup rather than a scan of the table's dead tuples.
     */
    private RelayResult runRelay(int n, RelaySampler sampler, Supplier<BenchRelay> relays) throws Exception {
        awaitRelayLockFree();
        long offsetsBefore = endOffsets(OutboxRows.TOPIC);
        BenchRelay relay = relays.get();
        try (Connection check = superuser(); Statement st = check.createStatement()) {
            long lastSeq;
            try (ResultSet rs = st.executeQuery("SELECT max(seq) FROM warden_outbox")) {
                rs.next();
                lastSeq = rs.getLong(1);
            }
            long firstBatches = Math.min(n, 10L * settings.batchSize());
            long tFirstBatches = 0;
            if (sampler != null) {
                sampler.restart();
            }
            CpuMeter.Snapshot cpu0 = meter.snapshot();
            long t0 = System.nanoTime();
            relay.start();
            long deadline = t0 + TimeUnit.SECONDS.toNanos(Math.max(120, n / 500));
            long seen = 0;
            long lastProgress = t0;
            while (true) {
                long now = System.nanoTime();
                long p = relay.published();
                if (tFirstBatches == 0 && p >= firstBatches) {
                    tFirstBatches = now;
                }
                if (p >= n) {
                    break;
                }
                if (p != seen) {
                    seen = p;
                    lastProgress = now;
                }
                if (now > deadline || now - lastProgress > TimeUnit.SECONDS.toNanos(60)) {
                    throw new IllegalStateException("relay stalled at " + p + " of " + n + " events");
                }
                LockSupport.parkNanos(200_000);
            }
            long tPublished = System.nanoTime();
            while (true) {
                try (ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM warden_outbox WHERE seq = "
                        + lastSeq + ")")) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        break;
                    }
                }
                LockSupport.parkNanos(200_000);
            }
            long t1 = System.nanoTime();
            CpuMeter.Snapshot cpu1 = meter.snapshot();
            if (sampler != null) {
                sampler.pause();
            }
            relay.stop();
            long published = relay.published();
            long delivered = endOffsets(OutboxRows.TOPIC) - offsetsBefore;
            long left;
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM warden_outbox")) {
                rs.next();
                left = rs.getLong(1);
            }
            if (published != n || delivered != n || left != 0) {
                throw new IllegalStateException("relay published " + published + ", the topic grew by " + delivered
                        + " and " + left + " rows are left; expected " + n + ", " + n + " and 0");
            }
            return new RelayResult(n, (t1 - t0) / 1e9, (tPublished - t0) / 1e9, (tFirstBatches - t0) / 1e9,
                    firstBatches, CpuMeter.between(cpu0, cpu1));
        } finally {
            relay.stop();
        }
    }

    /** A stopped relay's connection may close a moment after stop(); the next must not wait out its lock retry. */
    private void awaitRelayLockFree() throws SQLException, InterruptedException {
        try (Connection c = superuser(); Statement st = c.createStatement()) {
            for (int i = 0; i < 300; i++) {
                try (ResultSet rs = st.executeQuery(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")) {
                    rs.next();
                    if (rs.getLong(1) == 0) {
                        return;
                    }
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("the relay advisory lock is still held");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The baseline

    private BaselineResult runBaseline(int n, int round) throws Exception {
        String topic = "bench.perf." + round;
        String warmTopic = "bench.perf.warmup." + round;
        createTopic(topic);
        if (settings.warmup() > 0) {
            createTopic(warmTopic);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-X") || a.startsWith("-Djava.util.logging.manager=")).toList());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BaselineMain.class.getName(),
                Integer.toString(settings.warmup()), warmTopic,
                "--topic", topic,
                "--num-records", Integer.toString(n),
                "--payload-file", payloadFile.toString(),
                "--throughput", "-1",
                "--producer-props", "acks=all", "enable.idempotence=true", "linger.ms=5", "batch.size=262144",
                "bootstrap.servers=" + kafka.bootstrapServers()));
        // The same principal and SASL settings as the relay's producer, so both sides pay the same authentication; in a
        // file, since --producer-props splits each at its first '=' and the JAAS setting holds more of them.
        Path clientConfig = workDir.resolve("perf-producer.properties");
        Properties security = new Properties();
        security.putAll(LocalKafka.platformSecurity(kafka.bootstrapServers()));
        try (var writer = Files.newBufferedWriter(clientConfig)) {
            security.store(writer, "bench producer");
        }
        cmd.addAll(List.of("--producer.config", clientConfig.toString()));
        Path log = workDir.resolve("perf-" + round + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CpuMeter.Snapshot cpu0 = null;
        String total = null;
        long perfCpu = 0;
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.add(line);
                if (line.equals("BENCH_MEASURE_START")) {
                    cpu0 = meter.snapshot();
                    total = null;
                } else if (line.startsWith("BENCH_CPU_NANOS ")) {
                    perfCpu = Long.parseLong(line.substring("BENCH_CPU_NANOS ".length()).trim());
                } else if (PERF_TOTAL.matcher(line).matches()) {
                    total = line;
                }
            }
        }
        CpuMeter.Snapshot cpu1 = meter.snapshot();
        int exit = p.waitFor();
        Files.write(log, out, StandardCharsets.UTF_8);
        if (exit != 0 || total == null || cpu0 == null) {
            throw new IllegalStateException("ProducerPerformance failed (exit " + exit + "); see " + log);
        }
        Matcher m = PERF_TOTAL.matcher(total);
        if (!m.matches()) {
            throw new IllegalStateException(total);
        }
        long records = Long.parseLong(m.group(1));
        if (records != n) {
            throw new IllegalStateException("ProducerPerformance sent " + records + " of " + n + "; see " + log);
        }
        CpuMeter.Usage usage = CpuMeter.between(cpu0, cpu1);
        Map<String, Double> cpu = new java.util.LinkedHashMap<>();
        cpu.put("perf JVM", perfCpu / 1e9);
        usage.cpuSeconds().forEach((k, v) -> {
            if (!k.equals("relay JVM")) {
                cpu.put(k, v);
            }
        });
        usage = new CpuMeter.Usage(cpu, usage.machineBusySeconds(), usage.machineCapacitySeconds(),
                usage.wallSeconds());
        return new BaselineResult(records, Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)),
                Double.parseDouble(m.group(4)), Integer.parseInt(m.group(8)), usage, total);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Profile

    /**
     * An extra, unmeasured relay round with a stack sampler on the relay thread; before it, the plans PostgreSQL
     * chooses for the relay's two statements on the full table, and after it, the table's state.
     */
    private void profile(int n) throws Exception {
        prepare(n);
        int batch = settings.batchSize();
        String select = "SELECT seq, topic, record_key, payload FROM warden_outbox ORDER BY seq LIMIT ";
        say("");
        say("Profile: the relay's statements on the full table (%,d rows), as %s with warden.platform=on:", n,
                LocalPostgres.APP_ROLE);
        try (Connection c = superuser(); Statement st = c.createStatement()) {
            st.execute("SET ROLE " + LocalPostgres.APP_ROLE);
            st.execute("SELECT set_config('warden.platform', 'on', false)");
            explain(st, "SELECT, custom plan (LIMIT " + batch + ")", select + batch);
            st.execute("PREPARE relay_next(int) AS " + select + "$1");
            st.execute("SET plan_cache_mode = force_generic_plan");
            explain(st, "SELECT, generic plan (LIMIT $1, what a prepared statement may get)",
                    "EXECUTE relay_next(" + batch + ")");
            st.execute("RESET plan_cache_mode");
            c.setAutoCommit(false);
            List<Long> seqs = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT seq FROM warden_outbox ORDER BY seq LIMIT " + batch)) {
                while (rs.next()) {
                    seqs.add(rs.getLong(1));
                }
            }
            try (var d = c.prepareStatement("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
                    + "DELETE FROM warden_outbox WHERE seq = ANY (?)")) {
                d.setArray(1, c.createArrayOf("bigint", seqs.toArray()));
                say("  DELETE of one batch (rolled back):");
                try (ResultSet rs = d.executeQuery()) {
                    while (rs.next()) {
                        say("    %s", abbreviate(rs.getString(1)));
                    }
                }
            }
            c.rollback();
        }

        RelayResult r;
        Map<String, Double> shares;
        long samples;
        try (RelaySampler sampler = new RelaySampler(RELAY_THREAD, 500)) {
            r = runRelay(n, sampler);
            shares = sampler.shares();
            samples = sampler.samples();
        }
        say("");
        say("Profile round (sampled, so not a measurement): %,.0f events/s (%s).", r.rate(), r.timeline());
        say("Where the relay thread's wall time goes (%,d samples):", samples);
        shares.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> say("  %5.1f%%  %s", 100 * e.getValue(), e.getKey()));
        say("  CPU: %s", r.cpu().describe(r.events()));
        try (Connection c = superuser(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT n_tup_del, n_dead_tup, autovacuum_count, idx_scan, seq_scan, "
                    + "pg_size_pretty(pg_table_size('warden_outbox')) FROM pg_stat_user_tables "
                    + "WHERE relname = 'warden_outbox'")) {
                if (rs.next()) {
                    say("  warden_outbox after the round: %,d rows deleted in all, %,d dead tuples not yet vacuumed, "
                                    + "%d autovacuum runs, %,d index scans, %,d sequential scans, %s on disk",
                            rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                            rs.getString(6));
                }
            }
            st.execute("SET ROLE " + LocalPostgres.APP_ROLE);
            st.execute("SELECT set_config('warden.platform', 'on', false)");
            explain(st, "SELECT on the emptied table before VACUUM", select + batch);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What-if

    static final String RELAY_ROLE = "warden_bench_relay";

    /** How the database is set up for a what-if. */
    private enum Setup { AS_MIGRATED, PLPGSQL_PLATFORM, GENERIC_PLANS }

    /** A what-if: a relay, and the database set-up it runs against. */
    private record Variant(String name, Setup setup, Supplier<BenchRelay> relay, List<RelayResult> results) {
    }

    /**
     * The suggested changes, measured like the relay, {@code rounds} times each, interleaved: the library's relay with
     * generic plans (one SET on its connection), with warden_platform() redefined in plpgsql (a migration), connecting
     * as a role that bypasses Row-Level Security (configuration), and the pipelined prototype. Each gets a warm-up in
     * the first round.
     */
    private List<String> whatIf(int n, int rounds, List<BaselineResult> baselines) throws Exception {
        try (Connection c = superuser(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + RELAY_ROLE + " LOGIN NOSUPERUSER BYPASSRLS PASSWORD '" + APP_PASSWORD + "'");
            st.execute("GRANT CONNECT ON DATABASE " + DB + " TO " + RELAY_ROLE);
            st.execute("GRANT USAGE ON SCHEMA public TO " + RELAY_ROLE);
            st.execute("GRANT SELECT, DELETE ON warden_outbox TO " + RELAY_ROLE);
        }
        var kafkaBytes = PipelinedRelay.producer(kafka.bootstrapServers());
        Supplier<BenchRelay> library = () -> BenchRelay.of(new OutboxRelay(relayConfig, producer,
                pg.reactiveUrl(DB), Optional.of(LocalPostgres.APP_ROLE), Optional.of(APP_PASSWORD)));
        List<Variant> variants = List.of(
                new Variant("library relay, runtime role (as measured)", Setup.AS_MIGRATED, library,
                        new ArrayList<>()),
                new Variant("library relay, runtime role, generic plans", Setup.GENERIC_PLANS, library,
                        new ArrayList<>()),
                new Variant("library relay, runtime role, plpgsql warden_platform()", Setup.PLPGSQL_PLATFORM,
                        library, new ArrayList<>()),
                new Variant("library relay, BYPASSRLS role", Setup.AS_MIGRATED,
                        () -> BenchRelay.of(new OutboxRelay(relayConfig, producer, pg.reactiveUrl(DB),
                                Optional.of(RELAY_ROLE), Optional.of(APP_PASSWORD))), new ArrayList<>()),
                new Variant("pipelined prototype, runtime role, plpgsql function", Setup.PLPGSQL_PLATFORM,
                        () -> new PipelinedRelay(pg.jdbcUrl(DB), LocalPostgres.APP_ROLE, APP_PASSWORD, kafkaBytes,
                                settings.batchSize(), 4), new ArrayList<>()));
        say("");
        say("What-if rounds (%d of each):", rounds);
        try {
            for (int round = 1; round <= rounds; round++) {
                for (Variant v : variants) {
                    setUp(v.setup());
                    if (round == 1 && settings.warmup() > 0) {
                        prepare(settings.warmup());
                        runRelay(settings.warmup(), null, v.relay());
                    }
                    prepare(n);
                    RelayResult r = runRelay(n, null, v.relay());
                    v.results().add(r);
                    say("  %-55s %,9.0f events/s  (%s)", v.name(), r.rate(), r.timeline());
                    say("    CPU: %s", r.cpu().describe(r.events()));
                }
            }
        } finally {
            kafkaBytes.close();
            setUp(Setup.AS_MIGRATED);
        }
        double base = median(baselines.stream().map(BaselineResult::recordsPerSec).toList());
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add(String.format(Locale.ROOT, "What-if (median of %d round(s) each; ratio to the perf test's median "
                + "%,.0f records/s; the prototype is not the product):", rounds, base));
        for (Variant v : variants) {
            List<Double> rates = v.results().stream().map(RelayResult::rate).toList();
            List<Double> after = v.results().stream().map(RelayResult::rateAfterFirst).toList();
            lines.add(String.format(Locale.ROOT, "  %-55s %,9.0f events/s  ratio %.2f  (range %s; after the first "
                            + "10 batches %,.0f events/s)", v.name(), median(rates), median(rates) / base,
                    range(rates, "%,.0f"), median(after)));
        }
        return lines;
    }

    /**
     * AS_MIGRATED: warden_platform() in SQL, as migrated (inlined into the policy, where the planner takes it for a
     * 0.5 % filter). PLPGSQL_PLATFORM: the same test in plpgsql (a migration could do this; not inlined, the planner
     * assumes a third of the rows pass). GENERIC_PLANS: as migrated, but the runtime role's sessions in this
     * database use generic plans (what one {@code SET plan_cache_mode} on the relay's connection would do).
     */
    private void setUp(Setup setup) throws SQLException {
        String test = "coalesce(current_setting('warden.platform', true), '') = 'on'";
        try (Connection c = superuser(); Statement st = c.createStatement()) {
            st.execute(setup == Setup.PLPGSQL_PLATFORM
                    ? "CREATE OR REPLACE FUNCTION warden_platform() RETURNS boolean LANGUAGE plpgsql STABLE AS "
                    + "$$ BEGIN RETURN " + test + "; END $$"
                    : "CREATE OR REPLACE FUNCTION warden_platform() RETURNS boolean LANGUAGE sql STABLE AS "
                    + "$$ SELECT " + test + " $$");
            st.execute("ALTER ROLE " + LocalPostgres.APP_ROLE + " IN DATABASE " + DB
                    + (setup == Setup.GENERIC_PLANS ? " SET plan_cache_mode = force_generic_plan"
                    : " RESET plan_cache_mode"));
        }
    }

    private static String abbreviate(String line) {
        return line.length() <= 160 ? line : line.substring(0, 150) + " …" + line.substring(line.length() - 8);
    }

    private static void explain(Statement st, String title, String sql) throws SQLException {
        say("  %s:", title);
        try (ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + sql)) {
            while (rs.next()) {
                say("    %s", abbreviate(rs.getString(1)));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Report

    private void report(List<RelayResult> relays, List<BaselineResult> baselines) {
        say("");
        say("==== Outbox relay vs Kafka producer perf test (same broker, %,d records of ~%,.0f B, %d partitions, "
                + "acks=all, idempotence on, linger.ms=5, batch.size=262144) ====", settings.events(), averagePayload,
                settings.partitions());
        say("%-6s %18s %22s %8s %26s", "round", "relay events/s", "kafka perf records/s", "ratio",
                "machine busy (relay run)");
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < relays.size(); i++) {
            RelayResult r = relays.get(i);
            BaselineResult b = i < baselines.size() ? baselines.get(i) : null;
            double ratio = b == null ? Double.NaN : r.rate() / b.recordsPerSec();
            if (b != null) {
                ratios.add(ratio);
            }
            say("%-6d %,18.0f %,22.0f %8.3f %25.0f%%", i + 1, r.rate(), b == null ? Double.NaN : b.recordsPerSec(),
                    ratio, 100 * r.cpu().machineBusySeconds() / Math.max(1e-9, r.cpu().machineCapacitySeconds()));
        }
        List<Double> relayRates = relays.stream().map(RelayResult::rate).toList();
        List<Double> baseRates = baselines.stream().map(BaselineResult::recordsPerSec).toList();
        if (!baseRates.isEmpty()) {
            say("");
            say("outbox relay: %,.0f events/s | kafka producer perf: %,.0f records/s | ratio %.2f",
                    median(relayRates), median(baseRates), median(ratios));
            say("  (medians of %d round(s); the ratio is the median of the per-round ratios, each round pairing a "
                    + "relay run with the perf test right after it. Ranges: relay %s events/s, perf test %s "
                    + "records/s, ratio %s)", relays.size(), range(relayRates, "%,.0f"), range(baseRates, "%,.0f"),
                    range(ratios, "%.2f"));
        } else if (!relayRates.isEmpty()) {
            say("outbox relay: %,.0f events/s (median of %d; range %s)", median(relayRates), relays.size(),
                    range(relayRates, "%,.0f"));
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String range(List<Double> values, String format) {
        return String.format(Locale.ROOT, format, values.stream().min(Comparator.naturalOrder()).orElse(Double.NaN))
                + "–" + String.format(Locale.ROOT, format, values.stream().max(Comparator.naturalOrder())
                .orElse(Double.NaN));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Plumbing

    private Connection superuser() throws SQLException {
        return DriverManager.getConnection(pg.jdbcUrl(DB), pg.superUser(), pg.superPassword());
    }

    private Admin admin() {
        return Admin.create(kafka.adminConfig());
    }

    private void createTopic(String topic) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, settings.partitions(), (short) 1))).all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /** The sum of the topic's end offsets: how many records it holds. */
    private long endOffsets(String topic) throws Exception {
        try (Admin admin = admin()) {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> request = IntStream.range(0, partitions).boxed()
                    .collect(Collectors.toMap(i -> new TopicPartition(topic, i), i -> OffsetSpec.latest()));
            return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(i -> i.offset()).sum();
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private synchronized void close() {
        if (producer != null) {
            producer.close();
            producer = null;
        }
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        if (pg != null) {
            pg.close();
            pg = null;
        }
    }

    static void say(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
