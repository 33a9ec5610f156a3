package dev.warden.testing;

import dev.warden.events.KafkaAccess;
import dev.warden.events.Topics;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node KRaft Kafka broker in its own JVM, started from this JVM's classpath.
 * Its log directory survives {@link #stop()} so the same broker can be started again.
 * <p>
 * It runs as production should: clients authenticate with SASL/SCRAM-SHA-512 and the standard authorizer allows only
 * what an ACL grants. {@link #ADMIN} (a super user, its password kept in the data folder) is for the platform: the
 * launcher, test fixtures and benchmarks. Each service gets its own principal with {@link #grant}, which creates its
 * SCRAM credential and the ACLs of its {@link KafkaAccess}.
 * <p>
 * The controller listener (127.0.0.1 only) authenticates too, with SASL/PLAIN: KIP-919 lets any Admin client reach a
 * controller with {@code bootstrap.controllers}, and there it may read and write every ACL. Only the broker logs in
 * there, as {@link #CONTROLLER} (a super user), its password made at first start and kept in the data folder like the
 * others. SCRAM cannot serve that listener: its credentials live in the metadata log the controller itself serves.
 * The passwords are in {@code server.properties}, which, like the secrets and the whole broker folder, only its owner
 * may read.
 */
public final class LocalKafka implements AutoCloseable {

    public static final String ADMIN = "warden-admin";
    /** The broker's login on its own controller listener: no other client needs it, so none is given it. */
    static final String CONTROLLER = "warden-controller";
    private static final String MECHANISM = "SCRAM-SHA-512";
    private static final String CONTROLLER_MECHANISM = "PLAIN";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    /** Security settings of the admin principal, by the bootstrap address of each broker this JVM started. */
    private static final Map<String, Map<String, String>> ADMIN_SECURITY = new ConcurrentHashMap<>();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final CuttableProxy front;
    private Process process;

    private LocalKafka(Path dir, int port, int controllerPort, CuttableProxy front) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.front = front;
    }

    /** Starts a broker with its data in {@code dir}; port 0 picks a free port. */
    public static LocalKafka start(Path dir, int port) {
        return start(dir, port, null);
    }

    /**
     * Also listens on {@code front}'s target port, and tells the clients that connect there to reach the broker at
     * {@code front}'s own port: every connection of such a client goes through the proxy, so cutting it is a broker
     * outage for that client alone.
     */
    public static LocalKafka start(Path dir, int port, CuttableProxy front) {
        LocalKafka kafka = new LocalKafka(dir, port == 0 ? freePort() : port, freePort(), front);
        kafka.startProcess();
        return kafka;
    }

    /**
     * A broker another process started on {@code dir} (the launcher's data folder) and still runs: {@link #grant},
     * {@link #adminConfig} and {@link #clientConfig} work as for one started here, as the platform's admin principal
     * whose password is in that folder; {@link #stop()} leaves it running. For benchmarks driving a launched suite.
     */
    public static LocalKafka attach(Path dir, int port) {
        LocalKafka kafka = new LocalKafka(dir, port, 0, null);
        ADMIN_SECURITY.put(kafka.bootstrapServers(), security(ADMIN, kafka.secret(ADMIN)));
        return kafka;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The controller listener's address ({@code bootstrap.controllers}), of a broker started here. */
    String controllerAddress() {
        return "127.0.0.1:" + controllerPort;
    }

    /** The client settings of the broker's own controller login: for tests that show the listener answers it alone. */
    Map<String, Object> controllerSecurity() {
        return new HashMap<>(Map.of(
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, CONTROLLER_MECHANISM,
                SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"" + CONTROLLER + "\" password=\"" + secret(CONTROLLER) + "\";"));
    }

    /** Bootstrap address and the admin principal's security settings: what a platform tool connects with. */
    public Map<String, Object> adminConfig() {
        return clientConfig(bootstrapServers(), Map.of());
    }

    /**
     * The settings a Kafka client of {@code bootstrapServers} needs besides the address: the admin principal's when
     * this JVM started that broker, none for a broker started elsewhere (such as {@code WARDEN_TEST_KAFKA_BOOTSTRAP}).
     * Test fixtures connect with these; services connect as their own principal ({@link #grant}).
     */
    public static Map<String, String> platformSecurity(String bootstrapServers) {
        return ADMIN_SECURITY.getOrDefault(bootstrapServers, Map.of());
    }

    /** A platform client's configuration for {@code bootstrapServers}: its address, {@link #platformSecurity}, then {@code specific}. */
    public static Map<String, Object> clientConfig(String bootstrapServers, Map<String, Object> specific) {
        Map<String, Object> config = new HashMap<>(platformSecurity(bootstrapServers));
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.putAll(specific);
        return config;
    }

    /**
     * Creates (or keeps) the principal of {@code access} with a password kept in the data folder, and grants exactly
     * its ACLs: write, create and describe on the topics it writes, read and describe on those it reads, read on the
     * consumer groups named after it. Answers the client security settings (without the address) it connects with.
     */
    public Map<String, String> grant(KafkaAccess access) {
        String principal = access.principal();
        String password = secret(principal);
        String user = "User:" + principal;
        Set<AclBinding> acls = new LinkedHashSet<>();
        for (String topic : access.writes()) {
            for (AclOperation op : List.of(AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE)) {
                acls.add(acl(ResourceType.TOPIC, topic, PatternType.LITERAL, user, op));
            }
        }
        for (String topic : access.reads()) {
            for (AclOperation op : List.of(AclOperation.READ, AclOperation.DESCRIBE)) {
                acls.add(acl(ResourceType.TOPIC, topic, PatternType.LITERAL, user, op));
            }
        }
        acls.add(acl(ResourceType.GROUP, access.groupPrefix(), PatternType.PREFIXED, user, AclOperation.READ));
        try (Admin admin = Admin.create(adminConfig())) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(principal,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password))).all().get(30, TimeUnit.SECONDS);
            admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
            awaitAcls(admin, user, acls.size());
        } catch (Exception e) {
            throw new IllegalStateException("could not grant " + principal + " its Kafka access", e);
        }
        Map<String, String> security = security(principal, password);
        awaitAuthenticates(security);
        return security;
    }

    /**
     * Creates what is missing of every topic ({@link Topics#ALL}) and its dead-letter topic, kept as
     * {@link Topics#settings} says: what the cluster's KafkaTopics do before any service starts (deploy/k8s). Without
     * it the services' consumers met topics no event had created yet and logged UNKNOWN_TOPIC_OR_PARTITION, hundreds
     * of lines on a fresh start, until the first event of each. Answers how many it created.
     */
    public int createTopics() {
        List<NewTopic> topics = new ArrayList<>();
        for (String topic : Topics.ALL) {
            for (String name : List.of(topic, Topics.deadLetter(topic))) {
                topics.add(new NewTopic(name, Topics.PARTITIONS, (short) 1).configs(Topics.settings(name)));
            }
        }
        try (Admin admin = Admin.create(adminConfig())) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            topics.removeIf(topic -> existing.contains(topic.name()));
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
            return topics.size();
        } catch (Exception e) {
            throw new IllegalStateException("could not create Warden's topics", e);
        }
    }

    /** ACLs reach the broker's authorizer through the metadata log: wait until it lists them all. */
    private static void awaitAcls(Admin admin, String user, int count) throws Exception {
        AclBindingFilter mine = new AclBindingFilter(ResourcePatternFilter.ANY,
                new AccessControlEntryFilter(user, null, AclOperation.ANY, AclPermissionType.ANY));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (admin.describeAcls(mine).values().get(10, TimeUnit.SECONDS).size() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the ACLs of " + user + " did not reach the broker in 30 s");
            }
            sleep(50);
        }
    }

    private static AclBinding acl(ResourceType type, String name, PatternType pattern, String user, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(user, "*", op, AclPermissionType.ALLOW));
    }

    private static Map<String, String> security(String principal, String password) {
        return Map.of(
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, MECHANISM,
                SaslConfigs.SASL_JAAS_CONFIG, jaas(principal, password));
    }

    private static String jaas(String principal, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + principal
                + "\" password=\"" + password + "\";";
    }

    /** A new credential reaches the broker through the metadata log: wait until it authenticates. */
    private void awaitAuthenticates(Map<String, String> security) {
        Map<String, Object> config = new HashMap<>(security);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (Admin admin = Admin.create(config)) {
                admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
                return;
            } catch (Exception notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("a new Kafka credential did not authenticate in 30 s", notYet);
                }
                sleep(100);
            }
        }
    }

    /**
     * A password made once per principal and kept in the data folder, so restarts keep it: in {@code secrets/}
     * (owner-only, like the launcher's own secrets), one file (owner-only) per principal.
     */
    private String secret(String principal) {
        Path file = dir.resolve("secrets").resolve(principal);
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                try {
                    Files.setPosixFilePermissions(file.getParent(), PosixFilePermissions.fromString("rwx------"));
                } catch (UnsupportedOperationException notPosix) {
                    // the data folder's own permissions protect it
                }
                byte[] random = new byte[24];
                RANDOM.nextBytes(random);
                writeOwnerOnly(file, HexFormat.of().formatHex(random));
            }
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code content} to a file only its owner may read, from the moment it exists (and an older one is made so). */
    private static void writeOwnerOnly(Path file, String content) throws IOException {
        try {
            if (!Files.exists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            }
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        } catch (UnsupportedOperationException notPosix) {
            // the data folder's own permissions protect it
        }
        Files.writeString(file, content);
    }

    public int port() {
        return port;
    }

    /** The broker's JVM while it runs. */
    public synchronized Optional<ProcessHandle> broker() {
        return process == null || !process.isAlive() ? Optional.empty() : Optional.of(process.toHandle());
    }

    /** Stops the broker cleanly; its data stays for a later {@link #restart()}. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    public synchronized void restart() {
        stop();
        startProcess();
    }

    @Override
    public void close() {
        stop();
    }

    private synchronized void startProcess() {
        try {
            Files.createDirectories(dir);
            try {
                // Its secrets, its configuration (which holds them) and its topics' data: its owner's alone.
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException notPosix) {
                // the data folder's own permissions protect it
            }
            Path props = writeProperties();
            Path logs = dir.resolve("logs");
            if (!Files.exists(logs.resolve("meta.properties"))) {
                run("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c", props.toString(),
                        "--ignore-formatted", "--add-scram", MECHANISM + "=[name=" + ADMIN + ",password=" + secret(ADMIN) + "]");
            }
            process = java("kafka.Kafka", props.toString()).start();
            Map<String, String> admin = security(ADMIN, secret(ADMIN));
            ADMIN_SECURITY.put(bootstrapServers(), admin);
            if (front != null) {
                ADMIN_SECURITY.put("127.0.0.1:" + front.port(), admin);
            }
            awaitReady(Duration.ofSeconds(90));
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Kafka in " + dir, e);
        }
    }

    private Path writeProperties() throws IOException {
        String frontListener = front == null ? "" : ",FRONT://127.0.0.1:" + front.targetPort();
        String frontAdvertised = front == null ? "" : ",FRONT://127.0.0.1:" + front.port();
        String props = String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=SASL_PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort + frontListener,
                "advertised.listeners=SASL_PLAINTEXT://127.0.0.1:" + port + frontAdvertised,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=SASL_PLAINTEXT",
                "listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT,FRONT:SASL_PLAINTEXT",
                "sasl.enabled.mechanisms=" + MECHANISM,
                "sasl.mechanism.inter.broker.protocol=" + MECHANISM,
                "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=" + jaas(ADMIN, secret(ADMIN)),
                "listener.name.front.scram-sha-512.sasl.jaas.config=" + jaas(ADMIN, secret(ADMIN)),
                // The controller answers only the broker's own login (PLAIN: SCRAM's credentials live in the metadata
                // log the controller serves); the broker logs in with username and password, the user_ entry checks them.
                "listener.name.controller.sasl.enabled.mechanisms=" + CONTROLLER_MECHANISM,
                "sasl.mechanism.controller.protocol=" + CONTROLLER_MECHANISM,
                "listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule"
                        + " required username=\"" + CONTROLLER + "\" password=\"" + secret(CONTROLLER) + "\" user_"
                        + CONTROLLER + "=\"" + secret(CONTROLLER) + "\";",
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users=User:" + ADMIN + ";User:" + CONTROLLER,
                "allow.everyone.if.no.acl.found=false",
                "log.dirs=" + dir.resolve("logs"),
                "num.partitions=3",
                "auto.create.topics.enable=true",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=3",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "log.flush.interval.ms=1000",
                "");
        Path file = dir.resolve("server.properties");
        writeOwnerOnly(file, props);
        return file;
    }

    private void run(String mainClass, String... args) throws IOException {
        Process p = java(mainClass, args).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(mainClass + " failed; the end of " + dir.resolve("kafka.log") + ":\n"
                        + logTail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The last lines of the tools' and broker's output: in the message itself, because a test's temporary folder, and
     * the log with it, is gone by the time anyone reads the failure.
     */
    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("kafka.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read it: " + e.getMessage() + ")";
        }
    }

    private ProcessBuilder java(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Warnings and errors to kafka.log, whichever SLF4J provider the classpath has: slf4j-simple's settings for the
        // launcher's (without them a broker that could not start said nothing of why), log4j's for log4j's.
        cmd.addAll(List.of("-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
                "-Dlog4j2.level=WARN", "-Dkafka.logs.dir=" + dir.resolve("server-logs")));
        if (Runtime.version().feature() >= 23) {
            // Kafka unmaps its index files with sun.misc.Unsafe, allowed and by default warned of from JDK 24 (JEP 471):
            // four lines in kafka.log at every start on kept data. The option exists from JDK 23; JDK 21 refuses it.
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        // Output goes to a file: a child that inherits stdout corrupts Surefire's channel.
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("kafka.log").toFile()));
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> config = adminConfig();
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Kafka exited with " + process.exitValue() + "; the end of "
                        + dir.resolve("kafka.log") + ":\n" + logTail());
            }
            try (Admin admin = Admin.create(config)) {
                if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (Exception notYet) {
                sleep(200);
            }
        }
        throw new IllegalStateException("Kafka did not become ready in " + timeout + "; see " + dir.resolve("kafka.log"));
    }

    /**
     * A port free now and never handed out before in this JVM: two calls in a row can otherwise get the same port back
     * from the system (it was free both times), and a broker given it for two listeners refuses to start.
     */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    static int freePort() {
        while (true) {
            try (ServerSocket s = new ServerSocket(0)) {
                s.setReuseAddress(true);
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
