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
    private static final Map<String, Boolean> databases = new HashMap<>();

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
                kafka = LocalKafka.start(freshDir("kafka"), 0);
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
        return kafka.grant(KafkaAccess.forService(service)
                .orElseThrow(() -> new IllegalArgumentException("no Kafka access is defined for " + service)));
    }

    /** A database of this name, created fresh the first time this JVM asks for it. */
    public static synchronized String database(String name) {
        if (databases.putIfAbsent(name, true) == null) {
            postgres().ensureDatabase(name, true);
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
