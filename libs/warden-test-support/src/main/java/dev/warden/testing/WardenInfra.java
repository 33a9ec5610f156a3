package dev.warden.testing;

import dev.warden.events.KafkaAccess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The PostgreSQL server and Kafka broker shared by every test class in one test JVM, started on first use.
 * {@code WARDEN_TEST_PG_URL} (with {@code WARDEN_TEST_PG_USER}, {@code WARDEN_TEST_PG_PASSWORD}) and
 * {@code WARDEN_TEST_KAFKA_BOOTSTRAP} point the tests at existing servers instead.
 */
public final class WardenInfra {

    public static final String APP_PASSWORD = "warden-test";

    private static LocalPostgres postgres;
    private static LocalKafka kafka;
    private static String bootstrapServers;
    private static LocalPostgres outagePostgres;
    private static CuttableProxy postgresProxy;
    private static CuttableProxy kafkaProxy;
    private static LocalPodman podman;
    private static final Map<String, Boolean> databases = new HashMap<>();
    private static final Map<String, Map<String, String>> granted = new HashMap<>();

    private WardenInfra() {
    }

    public static synchronized LocalPostgres postgres() {
        if (postgres == null) {
            String url = System.getenv("WARDEN_TEST_PG_URL");
            postgres = url != null
                    ? LocalPostgres.existing(url, env("WARDEN_TEST_PG_USER", "postgres"),
                            env("WARDEN_TEST_PG_PASSWORD", "postgres"), APP_PASSWORD)
                    : LocalPostgres.start(freshDir("postgres"), 0, APP_PASSWORD);
            Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "warden-test-postgres-stop"));
        }
        return postgres;
    }

    public static synchronized String kafkaBootstrapServers() {
        if (bootstrapServers == null) {
            String external = System.getenv("WARDEN_TEST_KAFKA_BOOTSTRAP");
            if (external != null) {
                bootstrapServers = external;
            } else {
                kafkaProxy = CuttableProxy.start("127.0.0.1", LocalKafka.freePort());
                kafka = LocalKafka.start(freshDir("kafka"), 0, kafkaProxy);
                kafka.createTopics();
                Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "warden-test-kafka-stop"));
                bootstrapServers = kafka.bootstrapServers();
            }
        }
        return bootstrapServers;
    }

    /**
     * The client security settings of {@code service}'s own Kafka principal, granted its {@link KafkaAccess} on the
     * shared broker; none for a broker started elsewhere ({@code WARDEN_TEST_KAFKA_BOOTSTRAP}).
     */
    public static synchronized Map<String, String> kafkaSecurity(String service) {
        kafkaBootstrapServers();
        if (kafka == null) {
            return Map.of();
        }
        // Granted once per JVM: every test class of a service starts it with the same principal.
        return granted.computeIfAbsent(service, s -> kafka.grant(KafkaAccess.forService(s)
                .orElseThrow(() -> new IllegalArgumentException("no Kafka access is defined for " + s))));
    }

    /**
     * A PostgreSQL server of the outage tests alone, started on first use, which they may stop and start again
     * ({@link LocalPostgres#stopServer()}) or cut off ({@link #postgresProxy()}) without disturbing any other test.
     */
    public static synchronized LocalPostgres outagePostgres() {
        if (outagePostgres == null) {
            outagePostgres = LocalPostgres.start(freshDir("postgres-outage"), 0, APP_PASSWORD);
            Runtime.getRuntime().addShutdownHook(new Thread(outagePostgres::close, "warden-test-postgres-outage-stop"));
        }
        return outagePostgres;
    }

    /** A proxy in front of {@link #outagePostgres()} that a test can cut, started on first use. */
    public static synchronized CuttableProxy postgresProxy() {
        if (postgresProxy == null) {
            postgresProxy = CuttableProxy.start(outagePostgres().host(), outagePostgres().port());
        }
        return postgresProxy;
    }

    /**
     * Ends whatever outage a test made, for its {@code @AfterEach}: the outage PostgreSQL running again and both
     * proxies passing traffic.
     */
    public static void endOutages() {
        outagePostgres().startServer();
        postgresProxy().restore();
        kafkaProxy().restore();
    }

    /** The state of the proxies started so far (none are started here), for a failing test's message. */
    public static synchronized String describeProxies() {
        return "Kafka " + (kafkaProxy == null ? "proxy not started" : kafkaProxy.describe())
                + "; PostgreSQL " + (postgresProxy == null ? "proxy not started" : postgresProxy.describe());
    }

    /**
     * A proxy that every connection to the shared broker goes through when the client bootstraps from it (the broker
     * advertises the proxy on that listener). The outage tests need the broker of this JVM: with an existing one
     * ({@code WARDEN_TEST_KAFKA_BOOTSTRAP}) they fail, saying so, rather than skip and prove nothing.
     */
    public static synchronized CuttableProxy kafkaProxy() {
        kafkaBootstrapServers();
        if (kafkaProxy == null) {
            throw new IllegalStateException("The outage tests cut the test broker's proxy: run them without "
                    + "WARDEN_TEST_KAFKA_BOOTSTRAP, on the broker the tests start themselves");
        }
        return kafkaProxy;
    }

    /**
     * The container engine of this test JVM: Podman's API on a socket under {@code target/warden-test/podman}, started
     * on first use (stopped with the JVM). It fails, saying why, when Podman cannot start: engine tests never skip.
     */
    public static synchronized LocalPodman podman() {
        if (podman == null) {
            podman = LocalPodman.start(Path.of("target", "warden-test", "podman").toAbsolutePath());
            Runtime.getRuntime().addShutdownHook(new Thread(podman::close, "warden-test-podman-stop"));
        }
        return podman;
    }

    /** A database of this name, created fresh the first time this JVM asks for it. */
    public static String database(String name) {
        return database(postgres(), name);
    }

    /** A database of this name on {@code server}, created fresh the first time this JVM asks for it there. */
    public static synchronized String database(LocalPostgres server, String name) {
        if (databases.putIfAbsent(server.port() + "/" + name, true) == null) {
            server.ensureDatabase(name, true);
        }
        return name;
    }

    /** A new empty folder under {@code target/warden-test}. */
    public static Path freshDir(String name) {
        Path dir = Path.of("target", "warden-test", name).toAbsolutePath();
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            Files.createDirectories(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : value;
    }
}
