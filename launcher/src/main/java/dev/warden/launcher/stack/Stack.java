package dev.warden.launcher.stack;

import dev.warden.events.KafkaAccess;
import dev.warden.launcher.LauncherConfig;
import dev.warden.launcher.LauncherException;
import dev.warden.launcher.Progress;
import dev.warden.launcher.gateway.Gateway;
import dev.warden.launcher.gateway.RoutingTable;
import dev.warden.testing.LocalKafka;
import dev.warden.testing.LocalPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The whole local suite: PostgreSQL, Kafka, every built service of the routing table, and the gateway. Each part is
 * remembered as it starts, and {@link #stop()} stops them in reverse order: gateway, services, Kafka, PostgreSQL.
 * Once everything runs, a {@link Supervisor} restarts a service that exits. Every process is also recorded in the
 * data folder ({@link Leftovers}), so that what a killed launcher left running is stopped by the next one.
 */
public final class Stack {

    public static final int STEPS = 6;

    /** How long {@code bin/warden down} waits for the launcher's own ordered stop. */
    private static final Duration DOWN_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration SERVICE_STOP_GRACE = Duration.ofSeconds(20);
    /** In the secrets folder: how an outside consumer reads the audit topic. */
    static final String AUDIT_READER_FILE = "audit-reader.properties";
    /** The local PostgreSQL superuser's password (user {@code postgres}), in {@code <data>/secrets}. */
    public static final String POSTGRES_SUPERUSER_FILE = "postgres-superuser-password";
    /** The demo organization's admin key, made at the first start and again if an admin revoked it (DemoKey). */
    static final String DEMO_KEY_FILE = "demo-admin-api-key";
    /** The audit checkpoint signing key pair, {@code <PKCS#8 base64>.<X.509 base64>}, in {@code <data>/secrets}. */
    static final String AUDIT_SIGNING_KEY_FILE = "audit-signing-key";
    /** How long a restart of PostgreSQL that died may keep trying (the old server's backends must leave first). */
    private static final Duration POSTGRES_RESTART_WITHIN = Duration.ofSeconds(30);

    /** What the user needs once everything runs; {@code servicePorts} in start order. */
    public record Running(String gatewayUrl, int gatewayPort, String adminApiKey, String adminKeyNote, Path platformKeyFile, Path logsDir,
                          Map<String, Integer> servicePorts, String kafkaBootstrap, Path auditReaderFile) {

        public List<String> services() {
            return List.copyOf(servicePorts.keySet());
        }

        /** Each service's Prometheus endpoint, straight on its port (the gateway routes only the API). */
        public Map<String, String> metricsUrls() {
            Map<String, String> urls = new LinkedHashMap<>();
            servicePorts.forEach((service, port) -> urls.put(service, "http://127.0.0.1:" + port + "/q/metrics"));
            return urls;
        }
    }

    private final LauncherConfig config;
    private final Progress progress;
    private final Leftovers leftovers;
    private final Supervisor supervisor;
    private final StartedParts started = new StartedParts(this::stopPart);
    private final List<Runnable> startSupervision = new ArrayList<>();
    private final CountDownLatch stoppedLatch = new CountDownLatch(1);

    public Stack(LauncherConfig config, Progress progress) {
        this.config = config;
        this.progress = progress;
        this.leftovers = new Leftovers(config.dataDir().resolve("run"));
        this.supervisor = new Supervisor(progress, config.restartBackoff(), config.restartBackoffMax(),
                config.livenessPeriod());
    }

    public Running start() {
        try {
            return startAll();
        } catch (RuntimeException e) {
            progress.endOpenLine("failed");
            throw e;
        }
    }

    private Running startAll() {
        RoutingTable table = loadRoutes();
        Map<String, Path> jars = builtServices(table);
        Path data = config.dataDir();
        progress.plain("Warden local suite; data folder " + data);
        leftovers.stopLeftovers(progress);
        checkPorts(table, jars);
        leftovers.record(Leftovers.LAUNCHER, ProcessHandle.current());
        Path logs = data.resolve("logs");
        createDirectories(logs);
        Secrets secrets = new Secrets(data.resolve("secrets"));

        var step = progress.begin("PostgreSQL");
        // Durable: a commit is acknowledged once its WAL is on disk, so a server killed at any moment loses nothing
        // a service acknowledged (the embedded default acknowledges before, and tests keep it).
        // Every login with a password, the superuser's kept in the data folder's secrets (0600) like the others
        LocalPostgres postgres = LocalPostgres.start(data.resolve("postgres"), config.postgresPort(),
                secrets.getOrCreate("db-app-password", Secrets::newPassword),
                secrets.getOrCreate(POSTGRES_SUPERUSER_FILE, Secrets::newPassword), true, logs.resolve("postgres.log"));
        postgres.postmaster().ifPresent(pg -> leftovers.record(Leftovers.POSTGRES, pg));
        register("PostgreSQL", () -> {
            postgres.close();
            leftovers.forget(Leftovers.POSTGRES);
            return "stopped";
        });
        step.done("port " + postgres.port() + ", data " + Progress.show(data.resolve("postgres")));

        step = progress.begin("Kafka");
        LocalKafka kafka = LocalKafka.start(data.resolve("kafka"), config.kafkaPort());
        kafka.broker().ifPresent(broker -> leftovers.record(Leftovers.KAFKA, broker));
        register("Kafka", () -> {
            kafka.stop();
            leftovers.forget(Leftovers.KAFKA);
            return "stopped";
        });
        int created = kafka.createTopics();
        Path auditReader = secrets.write(AUDIT_READER_FILE,
                clientProperties(kafka.bootstrapServers(), kafka.grant(KafkaAccess.AUDIT_READER)));
        step.done("port " + kafka.port() + ", data " + Progress.show(data.resolve("kafka"))
                + (created > 0 ? ", " + created + " topics created" : ""));

        step = progress.begin("Container engine");
        ContainerEngine engine = jars.containsKey(ServiceEnv.RUNNER) ? ContainerEngine.find(data)
                : new ContainerEngine(Optional.empty(), "not needed (runner-service is not started)", null);
        if (engine.started() != null) {
            // Recorded like PostgreSQL and Kafka: a launcher killed before it stopped the API leaves it running, and
            // the next launcher must stop it rather than adopt it and leave it running after its own stop
            engine.started().process().ifPresent(api -> leftovers.record(Leftovers.PODMAN, api));
            register("Container engine", () -> {
                engine.stop();
                leftovers.forget(Leftovers.PODMAN);
                return "stopped";
            });
        }
        step.done(engine.description());

        step = progress.begin("Keys and databases");
        String platformKey = secrets.getOrCreate("platform-api-key", Secrets::newApiKey);
        String adminKey = config.bootstrapApiKey()
                .orElseGet(() -> secrets.getOrCreate(DEMO_KEY_FILE, Secrets::newApiKey));
        // A runtime role per service, which no other service's database admits
        Map<String, String> dbPasswords = new LinkedHashMap<>();
        for (String service : jars.keySet()) {
            String password = secrets.getOrCreate("db-password-" + service, Secrets::newPassword);
            postgres.ensureRole(ServiceEnv.dbRole(service), password);
            postgres.ensureDatabase(ServiceEnv.database(service), false, ServiceEnv.dbRole(service));
            dbPasswords.put(service, password);
        }
        DemoKey demo = jars.containsKey(ServiceEnv.KEY_OWNER)
                ? DemoKey.look(postgres, ServiceEnv.database(ServiceEnv.KEY_OWNER), adminKey) : DemoKey.USABLE;
        if (demo.refusal().isPresent()) {
            if (config.bootstrapApiKey().isPresent()) {
                throw new LauncherException("WARDEN_BOOTSTRAP_API_KEY is a key that was " + demo.refusal().get()
                        + ": give the secret of a key not yet used, or leave it unset for the launcher's own");
            }
            // Never the revoked one again: a new secret, which agent-service's bootstrap makes an admin key of.
            adminKey = Secrets.newApiKey();
            secrets.write(DEMO_KEY_FILE, adminKey + "\n");
        }
        SigningKeyChoice signing = signingKey(secrets, jars.containsKey(ServiceEnv.AUDIT_SIGNER));
        String signingKey = signing.pair();
        step.done("databases " + String.join(", ", jars.keySet().stream().map(ServiceEnv::database).toList())
                + ", each with its service's own role; secrets in " + Progress.show(data.resolve("secrets")) + demo.stepNote());
        signing.note().ifPresent(progress::line);
        Map<String, Integer> origins = startServices(table, jars, postgres, dbPasswords, kafka,
                Secrets.sha256Hex(platformKey), adminKey, demo.opens(), signingKey, engine.dockerHost().orElse(null));

        step = progress.begin("Gateway");
        Gateway gateway = new Gateway(table, origins, supervisor, config.gatewayBodyTimeout());
        int gatewayPort = gateway.start(config.gatewayPort());
        register("gateway", () -> {
            gateway.stop();
            return "stopped";
        });
        String url = "http://127.0.0.1:" + gatewayPort;
        step.done(url + ", " + table.routes().size() + " routes from " + Progress.show(config.routesFile()));
        // From now on, not before: its lines would break the start-up's. A service that died meanwhile is heard of at once.
        startSupervision.forEach(Runnable::run);
        watch("PostgreSQL", postgres::postmaster, () -> postgres.restartAfterCrash(POSTGRES_RESTART_WITHIN),
                Leftovers.POSTGRES);
        watch("Kafka", kafka::broker, kafka::restart, Leftovers.KAFKA);
        if (engine.started() != null) {
            watch("Podman's API", engine.started()::process, engine.started()::restart, Leftovers.PODMAN);
        }
        return new Running(url, gatewayPort, adminKey, demo.summaryNote(), secrets.file("platform-api-key"), logs,
                Collections.unmodifiableMap(new LinkedHashMap<>(origins)), kafka.bootstrapServers(), auditReader);
    }

    /** The audit signing key pair ({@code <PKCS#8 base64>.<X.509 base64>}) and what to say of where it came from. */
    private record SigningKeyChoice(String pair, Optional<String> note) {
    }

    /**
     * The checkpoint signing key: {@code WARDEN_AUDIT_SIGNING_KEY} and {@code WARDEN_AUDIT_SIGNING_PUBLIC_KEY} when
     * given (both or neither), which win over the file and are said to; else the pair kept in
     * {@code <data>/secrets/audit-signing-key}, made at the first start. The file is left as it is: without the
     * variables the next start signs with it again. Whether the halves match is audit-service's to check: it refuses to
     * start, saying so, and the launcher shows that line.
     */
    private SigningKeyChoice signingKey(Secrets secrets, boolean needed) {
        Optional<String> privateKey = config.auditSigningKey();
        Optional<String> publicKey = config.auditSigningPublicKey();
        Path file = secrets.file(AUDIT_SIGNING_KEY_FILE);
        if (privateKey.isPresent() != publicKey.isPresent()) {
            throw new LauncherException("WARDEN_AUDIT_SIGNING_KEY and WARDEN_AUDIT_SIGNING_PUBLIC_KEY go together: set "
                    + "both (the base64 PKCS#8 Ed25519 private key and its base64 X.509 public key) or neither, for the "
                    + "pair kept in " + Progress.show(file));
        }
        if (privateKey.isEmpty()) {
            return new SigningKeyChoice(secrets.getOrCreate(AUDIT_SIGNING_KEY_FILE, Secrets::newSigningKeyPair), Optional.empty());
        }
        if (privateKey.get().contains(".") || publicKey.get().contains(".")) {
            throw new LauncherException("WARDEN_AUDIT_SIGNING_KEY and WARDEN_AUDIT_SIGNING_PUBLIC_KEY are each one half, "
                    + "in base64 (the file " + Progress.show(file) + " holds both as <private>.<public>)");
        }
        String keyId;
        try {
            keyId = Secrets.sha256Hex(java.util.Base64.getDecoder().decode(publicKey.get())).substring(0, 16);
        } catch (IllegalArgumentException e) {
            throw new LauncherException("WARDEN_AUDIT_SIGNING_PUBLIC_KEY is not base64: " + e.getMessage());
        }
        return new SigningKeyChoice(privateKey.get() + "." + publicKey.get(), Optional.of(needed
                ? "audit checkpoints are signed with the key of WARDEN_AUDIT_SIGNING_KEY and WARDEN_AUDIT_SIGNING_PUBLIC_KEY"
                        + " (key id " + keyId + "), not the one in " + Progress.show(file) + ", which is left as it is"
                : "WARDEN_AUDIT_SIGNING_KEY is not used: " + ServiceEnv.AUDIT_SIGNER + " is not started"));
    }

    /**
     * The Kafka client settings of {@link KafkaAccess#AUDIT_READER}, as a {@code client.properties} file any Java
     * Kafka tool takes (the follower of tools/audit-verifier, {@code kafka-console-consumer.sh --consumer.config}).
     * Written on every start: the broker's address can change with {@code WARDEN_KAFKA_PORT=0}.
     */
    static String clientProperties(String bootstrapServers, Map<String, String> security) {
        StringBuilder file = new StringBuilder("# warden.audit.v1 as the audit-reader principal (docs/audit-topic-consumer.md);\n"
                + "# its consumer groups must start with audit-reader\n");
        file.append("bootstrap.servers=").append(bootstrapServers).append('\n');
        new java.util.TreeMap<>(security).forEach((k, v) -> file.append(k).append('=').append(v).append('\n'));
        return file.toString();
    }

    /** Starts every built service at once (their start-ups overlap), then waits for each in table order. */
    private Map<String, Integer> startServices(RoutingTable table, Map<String, Path> jars, LocalPostgres postgres,
                                               Map<String, String> dbPasswords, LocalKafka kafka, String platformKeySha256, String adminKey,
                                               boolean checkKey, String signingKey, String dockerHost) {
        progress.header("Services");
        table.servicePorts().keySet().stream().filter(service -> !jars.containsKey(service)).forEach(service ->
                progress.line(service + " ... skipped: " + (Files.isRegularFile(jar(service))
                        ? "not in WARDEN_SERVICES" : "not built (no " + Progress.show(jar(service)) + ")")));
        List<ServiceProcess> services = new ArrayList<>();
        Map<String, Supplier<ServiceProcess>> launchers = new LinkedHashMap<>();
        long start = System.nanoTime();
        Map<String, ServiceEnv.Context> contexts = new LinkedHashMap<>();
        for (var entry : jars.entrySet()) {
            String service = entry.getKey();
            int port = config.freeServicePorts() ? Ports.free() : table.servicePorts().get(service);
            Map<String, String> kafkaSecurity = kafka.grant(KafkaAccess.forService(service).orElseThrow(() ->
                    new LauncherException(service + " has no Kafka access defined (KafkaAccess in warden-events)")));
            contexts.put(service, new ServiceEnv.Context(service, port, postgres, dbPasswords.get(service),
                    kafka.bootstrapServers(), kafkaSecurity, platformKeySha256, adminKey, signingKey, dockerHost));
        }
        // Migrations first, all at once (one database each), with the owner's credentials the services never get.
        // A service the supervisor restarts finds its schema current and is not migrated again.
        var migrating = progress.part("migrations");
        List<MigrationStep> steps = new ArrayList<>();
        contexts.forEach((service, context) -> steps.add(MigrationStep.start(service, jars.get(service),
                ServiceEnv.migration(context), config.dataDir(), config.dataDir().resolve("logs/" + service + ".log"))));
        steps.forEach(step -> step.await(config.serviceStartTimeout()));
        migrating.end("done in " + Progress.seconds(start) + " (" + String.join(", ", contexts.keySet()) + ")");
        long launched = System.nanoTime();
        for (var entry : jars.entrySet()) {
            String service = entry.getKey();
            ServiceEnv.Context context = contexts.get(service);
            int port = context.port();
            var env = ServiceEnv.of(context);
            Supplier<ServiceProcess> launch = () -> {
                ServiceProcess process = ServiceProcess.start(service, entry.getValue(), port, env,
                        config.serviceJavaOptions(), config.dataDir(), config.dataDir().resolve("logs/" + service + ".log"));
                leftovers.record(service, process.handle());
                return process;
            };
            ServiceProcess process = launch.get();
            register(service, () -> {
                String stopped = supervisor.current(service).orElse(process).stop(SERVICE_STOP_GRACE);
                leftovers.forget(service);
                return stopped;
            });
            launchers.put(service, launch);
            services.add(process);
        }
        Map<String, Integer> origins = new LinkedHashMap<>();
        for (ServiceProcess service : services) {
            var part = progress.part(service.name());
            Consumer<ServiceProcess> ready = readiness(checkKey ? adminKey : null);
            ready.accept(service);
            part.end("ready in " + Progress.seconds(start) + " (port " + service.port() + ", log "
                    + Progress.show(service.log()) + (service.name().equals(ServiceEnv.KEY_OWNER) && checkKey
                    ? ", demo admin key accepted" : "") + ")");
            origins.put(service.name(), service.port());
            // What the gateway's Retry-After counts on for a first restart (a restart then measures its own): the
            // services start together and share the machine, so one alone takes about its share of that time (a user
            // trial's restarts took 8-12 s, against 41-43 s for the five starting together, and clients were told 42).
            Duration took = Duration.ofNanos(System.nanoTime() - launched).dividedBy(jars.size());
            startSupervision.add(() -> supervisor.watch(service, took, launchers.get(service.name()), ready));
        }
        return origins;
    }

    /** A service is ready once its readiness check answers 200 and, for the key owner, the demo admin key works. */
    private Consumer<ServiceProcess> readiness(String adminKey) {
        return service -> service.awaitReady(config.serviceStartTimeout(), ServiceEnv.KEY_CHECK_PATH,
                service.name().equals(ServiceEnv.KEY_OWNER) ? adminKey : null,
                () -> supervisor.isStopping() || isStopped());
    }

    /**
     * {@code bin/warden down}: stops the suite that runs on this configuration's data folder, from another terminal
     * (or what a killed launcher left there). Returns whether anything was running.
     */
    public static boolean down(LauncherConfig config, Progress progress) {
        return new Leftovers(config.dataDir().resolve("run")).stopAll(progress, DOWN_TIMEOUT);
    }

    /** Stops what started, newest first. Safe to call more than once and from any thread. */
    public void stop() {
        if (!started.beginStop()) {
            return;
        }
        supervisor.stopAll();
        progress.endOpenLine("interrupted");
        boolean any = !started.isEmpty();
        if (any) {
            progress.plain("Stopping Warden");
        }
        started.stopAll();
        leftovers.forgetLauncher();
        if (any) {
            progress.plain("Stopped; data kept in " + config.dataDir());
        }
        stoppedLatch.countDown();
    }

    private void stopPart(StartedParts.Part part) {
        var line = progress.part(part.name());
        try {
            line.end(part.stopper().get() + " (" + line.elapsed() + ")");
        } catch (RuntimeException e) {
            line.end("failed: " + e.getMessage());
        }
    }

    public boolean isStopped() {
        return started.stopping();
    }

    public void awaitStopped() throws InterruptedException {
        stoppedLatch.await();
    }

    /** Remembers a started part for {@link #stop()}; one that finished starting after a stop began is stopped too. */
    private void register(String name, Supplier<String> stopper) {
        if (!started.add(name, stopper)) {
            throw new LauncherException("stopped while starting");
        }
    }

    private RoutingTable loadRoutes() {
        if (!Files.isRegularFile(config.routesFile())) {
            throw new LauncherException("No routing table at " + config.routesFile() + " (set WARDEN_ROUTES)");
        }
        try {
            return RoutingTable.load(config.routesFile());
        } catch (IllegalArgumentException e) {
            throw new LauncherException("Bad routing table: " + e.getMessage(), e);
        }
    }

    /** The services of the table whose Quarkus app is built (and that WARDEN_SERVICES names, if set), in table order. */
    private Map<String, Path> builtServices(RoutingTable table) {
        config.onlyServices().ifPresent(only -> only.stream().filter(s -> !table.servicePorts().containsKey(s))
                .findFirst().ifPresent(unknown -> {
                    throw new LauncherException("WARDEN_SERVICES names " + unknown + ", which is not a service of "
                            + Progress.show(config.routesFile()));
                }));
        Map<String, Path> jars = new LinkedHashMap<>();
        table.servicePorts().keySet().stream()
                .filter(service -> config.onlyServices().map(only -> only.contains(service)).orElse(true))
                .filter(service -> Files.isRegularFile(jar(service)))
                .forEach(service -> jars.put(service, jar(service)));
        if (jars.isEmpty()) {
            throw new LauncherException("No service of " + Progress.show(config.routesFile())
                    + " is built: run ./mvnw install -DskipTests (or bin/warden up, which builds)");
        }
        return jars;
    }

    private Path jar(String service) {
        return config.repoDir().resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
    }

    private void checkPorts(RoutingTable table, Map<String, Path> jars) {
        String any = " (0 picks a free one)";
        Ports.requireFree(config.postgresPort(), "PostgreSQL", "set WARDEN_PG_PORT to another port" + any);
        Ports.requireFree(config.kafkaPort(), "Kafka", "set WARDEN_KAFKA_PORT to another port" + any);
        Ports.requireFree(config.gatewayPort(), "the gateway", "set WARDEN_GATEWAY_PORT to another port" + any);
        if (!config.freeServicePorts()) {
            jars.keySet().forEach(service -> Ports.requireFree(table.servicePorts().get(service), service,
                    "set WARDEN_SERVICE_PORTS=free to run services on free ports"));
        }
    }

    /**
     * PostgreSQL, Kafka and the Podman API this launcher started are supervised too: a server that dies (killed, or
     * crashed) is said so and started again on the same port (or socket) and data, where it recovers from its log; the
     * services' pools, leader connections, Kafka clients and container engine clients reconnect by themselves,
     * answering 503 meanwhile where they must. Not while the suite stops, which stops them on purpose. {@code leftover}:
     * the name it is recorded under for a later launcher to stop (see {@link Leftovers}), or null when it is not.
     */
    private void watch(String name, Supplier<Optional<ProcessHandle>> server, Runnable startAgain, String leftover) {
        server.get().ifPresent(process -> process.onExit().thenRun(() -> {
            if (supervisor.isStopping() || isStopped()) {
                return;
            }
            if (stillAlive(process)) {
                // The look that said it exited failed: a user trial's flood took every file descriptor the launcher
                // had, and PostgreSQL, serving all along, was started again on its own port and data
                progress.line(name + " was taken for exited, but it runs; watching it again");
                watch(name, server, startAgain, leftover);
                return;
            }
            progress.line(name + " exited; starting it again");
            // On a thread of its own: the attempts may wait between them, and the exit was heard on the JDK's own
            Thread.ofPlatform().daemon().name("warden-restart-" + name).start(() -> {
                if (startedAgain(name, startAgain)) {
                    if (leftover != null) {
                        server.get().ifPresent(again -> leftovers.record(leftover, again));
                    }
                    watch(name, server, startAgain, leftover);
                }
            });
        }));
    }

    /**
     * Starts a server again until it starts ({@link #untilStarted}), with a service's backoff: one failed attempt ended
     * its supervision, and a runner trial's Podman API killed twice in a row stayed down until the suite was started
     * again. False when the suite stops first.
     */
    private boolean startedAgain(String name, Runnable startAgain) {
        long start = System.nanoTime();
        boolean started = untilStarted(name, startAgain, config.restartBackoff(), config.restartBackoffMax(),
                () -> supervisor.isStopping() || isStopped(), progress::line);
        if (started) {
            progress.line(name + " is ready again (in " + Progress.seconds(start) + ")");
        }
        return started;
    }

    /**
     * Runs {@code startAgain} until it returns, waiting {@code first} after the first failure and twice as long after
     * each further one, up to {@code most}; false once {@code stopping} says so.
     */
    static boolean untilStarted(String name, Runnable startAgain, Duration first, Duration most, BooleanSupplier stopping,
                                Consumer<String> say) {
        Duration wait = first;
        for (int attempt = 1; ; attempt++) {
            try {
                startAgain.run();
                return true;
            } catch (RuntimeException e) {
                if (stopping.getAsBoolean()) {
                    return false;
                }
                say.accept(name + " did not start again (" + e.getMessage() + "); trying again in "
                        + String.format(java.util.Locale.ROOT, "%.1f s", wait.toMillis() / 1000.0) + " (attempt "
                        + (attempt + 1) + ")");
            }
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (stopping.getAsBoolean()) {
                return false;
            }
            wait = wait.multipliedBy(2).compareTo(most) > 0 ? most : wait.multipliedBy(2);
        }
    }

    /**
     * Whether {@code process} is seen alive in either of two looks half a second apart: a look fails, as the exit's
     * did, while the launcher has no file descriptor left to read {@code /proc} with.
     */
    private static boolean stillAlive(ProcessHandle process) {
        for (int look = 0; look < 2; look++) {
            if (process.isAlive()) {
                return true;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }
}
