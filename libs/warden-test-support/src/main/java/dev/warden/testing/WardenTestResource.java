package dev.warden.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Gives a Quarkus test a real PostgreSQL database and a real Kafka broker:
 * {@code @QuarkusTestResource(value = WardenTestResource.class, initArgs = @ResourceArg(name = "database", value = "agents"))}.
 * Migrations run as the superuser (the owner); the service connects as the non-owning runtime role.
 */
public class WardenTestResource implements QuarkusTestResourceLifecycleManager {

    private String database = "warden";
    private boolean kafka = true;
    private String kafkaPrincipal;
    private boolean cuttable;

    /**
     * {@code database}: the database name; {@code kafka=false} when the test brings its own broker;
     * {@code kafka-principal}: the service whose Kafka principal the application connects as, with exactly that
     * service's ACLs ({@link dev.warden.events.KafkaAccess}), so its tests run with the rights it has in production;
     * {@code cuttable=true} for the outage tests: the service uses a PostgreSQL server of their own
     * ({@link WardenInfra#outagePostgres()}, which they may stop) through {@link WardenInfra#postgresProxy()}, and
     * Kafka through {@link WardenInfra#kafkaProxy()}; the test cuts a proxy for a real outage. Use it in a test
     * profile of its own.
     */
    @Override
    public void init(Map<String, String> initArgs) {
        database = initArgs.getOrDefault("database", database);
        kafka = Boolean.parseBoolean(initArgs.getOrDefault("kafka", "true"));
        kafkaPrincipal = initArgs.get("kafka-principal");
        cuttable = Boolean.parseBoolean(initArgs.getOrDefault("cuttable", "false"));
    }

    @Override
    public Map<String, String> start() {
        LocalPostgres pg = cuttable ? WardenInfra.outagePostgres() : WardenInfra.postgres();
        String db = WardenInfra.database(pg, database);
        Map<String, String> config = new java.util.HashMap<>(Map.of(
                "quarkus.datasource.reactive.url", cuttable
                        ? "postgresql://127.0.0.1:" + WardenInfra.postgresProxy().port() + "/" + db
                        : pg.reactiveUrl(db),
                "quarkus.datasource.username", LocalPostgres.APP_ROLE,
                "quarkus.datasource.password", pg.appPassword(),
                "warden.db.migration.url", pg.jdbcUrl(db),
                "warden.db.migration.username", pg.superUser(),
                "warden.db.migration.password", pg.superPassword(),
                "warden.db.app-role", LocalPostgres.APP_ROLE));
        if (kafka) {
            String bootstrap = WardenInfra.kafkaBootstrapServers();
            config.put("kafka.bootstrap.servers", cuttable ? "127.0.0.1:" + WardenInfra.kafkaProxy().port() : bootstrap);
            Map<String, String> security = kafkaPrincipal != null ? WardenInfra.kafkaSecurity(kafkaPrincipal)
                    : LocalKafka.platformSecurity(bootstrap);
            security.forEach((key, value) -> config.put("kafka." + key, value));
        }
        return config;
    }

    @Override
    public void stop() {
        // The servers are shared by every test class of this JVM and stop with it.
    }
}
